import FacetSchema
import FacetStore
import GROQ
import Hummingbird

/// The document actions the studio offers:
///
/// - `GET /v1/actions` → `{"actions": [{"name", "title", "description", "types"}]}`.
/// - `POST /v1/actions/:dataset/:action` with `{"documentId": "c-1", "params": {...}}` runs the
///   action on the document (its draft if it has one) → `{"action", "documentId", "message",
///   "tone", "transactionId"?, "writtenIds", "result"}`. 404 for an unknown action or document,
///   400 when the action does not apply to the document's type; what the action refuses answers
///   with the status of its error.
extension FacetAPI {
    func addActionRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "actions", .read).get { _, _ in
            JSONBody.response(["actions": .array(actions.map(\.json))])
        }
        group(version, "actions", .write).post(":dataset/:action") { request, context in
            let name = context.parameters.get("action") ?? ""
            guard let action = actions.first(where: { $0.name == name }) else {
                throw APIError(.notFound, type: "actionNotFoundError",
                               "There is no action \"\(name)\"; the actions are listed at /v1/actions")
            }
            let dataset = try dataset(context)
            let body = try await JSONBody.parse(request, context: context)
            guard let requested = body["documentId"]?.stringValue, !requested.isEmpty else {
                throw APIError.badRequest("The body needs \"documentId\": the document to run \"\(name)\" on", type: "invalidRequest")
            }
            var params: JSONObject = [:]
            if let given = body["params"], !given.isNull {
                guard case .object(let object) = given else {
                    throw APIError.badRequest("\"params\" must be an object, found \(given.typeName)", type: "invalidRequest")
                }
                params = object
            }
            let documentID = DocumentID.published(of: requested)
            do throws(StoreError) { try DocumentID.validate(documentID) } catch { throw APIError.store(error) }
            let snapshot = dataset.snapshot
            let visibility = visibility(context)
            guard let shown = snapshot.document(id: DocumentID.draft(of: documentID), visibility: visibility)
                ?? snapshot.document(id: documentID, visibility: visibility)
            else {
                throw APIError(.notFound, type: "documentNotFoundError", "Document \"\(documentID)\" does not exist")
            }
            let type = shown["_type"]?.stringValue ?? ""
            guard action.applies(to: type) else {
                throw APIError.badRequest("The action \"\(name)\" applies to \(action.types.joined(separator: ", ")), not to \(type)",
                                          type: "actionNotApplicableError")
            }
            if let principal = context.principal, let security, !security.policy.allows(principal.role, .action, type: type) {
                throw APIError(.forbidden, type: "permissionDenied",
                               "Role \(principal.role.rawValue) may not run actions on documents of type \(type)",
                               details: ["operation": "action", "documentType": .string(type)])
            }
            // The action computes over the whole document (and dataset): what it may write is
            // decided by its declaration, and the caller is recorded as the author.
            let document = snapshot.document(id: DocumentID.draft(of: documentID)) ?? snapshot.document(id: documentID) ?? shown
            let workers = self.workers
            let actionContext = ActionContext(dataset: dataset, documentID: documentID, document: document, params: params,
                                              author: context.principal?.author ?? "api") { work in
                _ = try? await workers.run { work() }
            }
            let result: ActionResult
            do { result = try await action.run(actionContext) } catch let error as StoreError {
                throw APIError.operation(error)
            } catch let error as APIError {
                throw error
            } catch {
                context.logger.error("The action \(name) failed on \(documentID): \(error)")
                throw APIError(.internalServerError, type: "actionError", "The action \"\(name)\" failed; the server's log says why")
            }
            var answer: JSONObject = [
                "action": .string(name), "documentId": .string(documentID), "message": .string(result.message),
                "tone": .string(result.tone.rawValue),
            ]
            if let transactionId = result.transactionId { answer["transactionId"] = .string(transactionId) }
            answer["writtenIds"] = .array(result.writtenIDs.map(JSONValue.string))
            answer["result"] = .object(result.data)
            return JSONBody.response(.object(answer))
        }
    }
}
