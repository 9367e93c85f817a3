import Foundation
import GROQ
import Hummingbird

/// `GET /health`: the server answers and its database can be read.
extension FacetAPI {
    func addHealthRoutes(to router: Router<FacetRequestContext>) {
        router.group("health").add(middleware: AccessMiddleware(access: .open, policy: access)).get { _, _ in
            let store = self.store
            let datasets: [String]
            do {
                datasets = try await probes.run { try store.datasetNames() }
            } catch {
                return JSONBody.response(["status": "unavailable", "database": "unreadable"], status: .serviceUnavailable)
            }
            return JSONBody.response(["status": "ok", "database": "ok", "datasets": .array(datasets.map(JSONValue.string))])
        }
    }
}
