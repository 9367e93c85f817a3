import FacetStore
import GROQ
import Hummingbird

/// Filling an empty dataset from the studio's first screen, for admins (roles that manage
/// datasets):
///
/// - `GET /v1/starters` → `{"starters": [{"name", "title", "description"}]}`: what the server was
///   given to offer (``DatasetStarter``).
/// - `POST /v1/starters/:dataset/:name` loads the starter into the dataset, creating the dataset
///   when it does not exist → `{"starter", "dataset", "documents"}`. 404 for an unknown starter,
///   409 when the dataset already holds documents or a starter is loading into it.
extension FacetAPI {
    func addStarterRoutes(to version: RouterGroup<FacetRequestContext>) {
        let routes = group(version, "starters", .admin)
        routes.get { _, _ in
            JSONBody.response(["starters": .array(starters.map(\.json))])
        }
        routes.post(":dataset/:name") { _, context in
            let name = context.parameters.get("name") ?? ""
            guard let starter = starters.first(where: { $0.name == name }) else {
                let known = starters.map(\.name)
                throw APIError(.notFound, type: "starterNotFoundError",
                               "There is no starter \"\(name)\"; "
                                   + (known.isEmpty ? "this server offers none" : "this server offers \(known.joined(separator: ", "))"))
            }
            let datasetName = context.parameters.get("dataset") ?? configuration.defaultDataset
            guard starterLoads.begin(datasetName) else {
                throw APIError(.conflict, type: "datasetNotEmptyError",
                               "A starter is already loading into dataset \(datasetName); wait for it to finish")
            }
            defer { starterLoads.end(datasetName) }
            let options = authorized(TransactionOptions(author: "studio starter \(starter.name)", source: "seed"), context)
            let store = self.store
            let written = try await workers.run(for: caller(context)) { () throws -> Int in
                let dataset: Dataset
                do { dataset = try store.dataset(datasetName, create: true) } catch let error as StoreError { throw APIError.store(error) }
                let held = dataset.snapshot.count
                guard held == 0 else {
                    throw APIError(.conflict, type: "datasetNotEmptyError",
                                   "Dataset \(datasetName) already holds \(held) document\(held == 1 ? "" : "s"); a starter fills only an empty dataset",
                                   details: ["advice": .string("Load it into another dataset, or delete this one first (facet dataset delete \(datasetName) --force).")])
                }
                do { return try starter.load(dataset, options) } catch let error as StoreError { throw APIError.store(error) }
            }
            return JSONBody.response(["starter": .string(starter.name), "dataset": .string(datasetName), "documents": .number(Double(written))])
        }
    }
}
