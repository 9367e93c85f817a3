import FacetStore
import GROQ
import Hummingbird

/// `GET /v1/data/doc/:dataset/:ids`: documents by id (comma-separated), as they are now, answered
/// as Sanity's `{"documents": [...], "omitted": [{"id", "reason": "existence"}]}`.
///
/// All the ids are read from one snapshot, so the documents are consistent with each other.
/// `excludeContent=true` turns the request into an existence check: each document found keeps
/// only its system fields (`_id`, `_type`, `_rev`, `_createdAt`, `_updatedAt`).
extension FacetAPI {
    func addDocumentRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "data/doc", .read).get(":dataset/:ids") { request, context in
            let dataset = try dataset(context)
            let ids = try context.documentIDs()
            for id in ids {
                do throws(StoreError) { try DocumentID.validate(id) } catch { throw APIError.store(error) }
            }
            let excludeContent = try request.flag("excludeContent") ?? false
            let snapshot = dataset.snapshot
            let visibility = visibility(context)
            var documents: [JSONValue] = []
            var omitted: [JSONValue] = []
            for id in ids {
                // A document the caller may not read is reported as missing: its existence is not theirs to know.
                let found = snapshot.document(id: id, visibility: visibility)
                    ?? (id.hasPrefix("audit.") && readsAuditTrail(context) ? try? auditTrail?.documents().document(id: id) : nil)
                guard case .object(let document)? = found else {
                    omitted.append(["id": .string(id), "reason": "existence"])
                    continue
                }
                documents.append(.object(excludeContent ? document.filter { Self.systemFields.contains($0.key) } : document))
            }
            return JSONBody.response(["documents": .array(documents), "omitted": .array(omitted)])
        }
    }

    /// The fields every document has, which an existence check returns.
    static let systemFields: Set<String> = ["_id", "_type", "_rev", "_createdAt", "_updatedAt"]
}
