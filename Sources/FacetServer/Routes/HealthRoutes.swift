import Foundation
import GROQ
import FacetStore
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
                // What is wrong, without addresses or file names: this route answers anyone.
                let state: JSONValue = (error as? StoreError)?.kind == .unavailable ? "unreachable" : "unreadable"
                var headers = HTTPFields()
                headers[.retryAfter] = "5"
                return JSONBody.response(["status": "unavailable", "database": state,
                                          "advice": "The server keeps trying and resumes by itself once the database answers."],
                                         status: .serviceUnavailable, headers: headers)
            }
            return JSONBody.response(["status": "ok", "database": "ok", "datasets": .array(datasets.map(JSONValue.string))])
        }
    }
}
