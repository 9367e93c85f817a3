import FacetStore
import GROQ
import Hummingbird

/// Sanity's Actions API: `POST /vX/data/actions/:dataset` with `{"actions": [...],
/// "transactionId"?, "dryRun"?}` (one action may be sent bare) → `{"transactionId"}`.
///
/// The actions (`sanity.action.document.create`, `.replaceDraft`, `.edit`, `.publish`,
/// `.unpublish`, `.delete`, `.discard`) run as one transaction: all or none (see
/// ``DraftAction``). An error names the failing action in `actionIndex`, with Sanity's status:
/// 400 for a malformed action, 404 for a missing draft or document, 409 for a revision guard or
/// an existing document, 422 when the schema refuses what would be published, 403 for what the
/// caller's role may not write.
extension FacetAPI {
    func addDraftActionRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "data/actions", .write).post(":dataset") { request, context in
            let dataset = try dataset(context)
            let body = try await JSONBody.parse(request, context: context)
            var options = authorized(try Self.transactionOptions(request, body: body), context)
            options.source = "actions"
            if let dryRun = body["dryRun"], !dryRun.isNull {
                guard case .bool(let flag) = dryRun else {
                    throw APIError.badRequest("\"dryRun\" must be true or false, found \(dryRun.typeName)", type: "invalidRequest")
                }
                options.dryRun = options.dryRun || flag
            }
            let list: [JSONValue]
            switch body["actions"] {
            case .array(let items)?: list = items
            case .object?: list = [body["actions"]!]
            default:
                throw APIError.badRequest("The body needs \"actions\": an array of actions such as {\"actionType\": \"sanity.action.document.publish\", …}",
                                          type: "invalidRequest")
            }
            guard list.count <= 1000 else {
                throw APIError.badRequest("\(list.count) actions in one request; at most 1000 are allowed", type: "invalidRequest")
            }
            var actions: [DraftAction] = []
            for (index, json) in list.enumerated() {
                do throws(StoreError) { actions.append(try DraftAction(json: json, index: index)) } catch { throw APIError.store(error) }
            }
            let (planned, transaction) = (actions, options)
            let result = try await workers.run(for: caller(context)) {
                do throws(StoreError) { return try dataset.perform(planned, options: transaction) } catch { throw APIError.store(error) }
            }
            return JSONBody.response(["transactionId": .string(result.transactionId)])
        }
    }
}
