import FacetSchema
import FacetStore
import GROQ
import Hummingbird
import Logging

/// The document actions the studio offers:
///
/// - `GET /v1/actions` → `{"actions": [{"name", "title", "description", "types"}]}`.
/// - `POST /v1/actions/:dataset/:action` with `{"documentId": "c-1", "params": {...}}` runs the
///   action on the document (its draft if it has one) → `{"action", "documentId", "message",
///   "tone", "transactionId"?, "writtenIds", "result"}`. 404 for an unknown action or document,
///   400 when the action does not apply to the document's type; what the action refuses answers
///   with the status of its error.
///
/// With `Accept: text/event-stream`, the same request is answered with the action's progress as
/// server-sent events, then its answer as a `result` event or its failure as an `error` event
/// (see ``ActionProgressStream``). A request that is wrong before the action starts (an unknown
/// action or document, bad parameters, no permission) is refused with its status either way.
extension FacetAPI {
    func addActionRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "actions", .read).get { _, _ in
            JSONBody.response(["actions": .array(actions.map(\.json))])
        }
        group(version, "actions", .write).post(":dataset/:action") { request, context in
            let run = try await actionRun(request, context: context)
            if ActionProgressStream.isRequested(by: request) {
                return try ActionProgressStream(run: run, lifecycle: lifecycle, keepAliveInterval: configuration.keepAliveInterval).response()
            }
            switch await run.answer(progress: .ignored) {
            case .success(let answer): return JSONBody.response(.object(answer))
            case .failure(let error): throw error
            }
        }
    }

    /// Checks the request (the action, the document, its type, the caller's permission) and
    /// readies the action; throws the ``APIError`` that says what to fix.
    private func actionRun(_ request: Request, context: FacetRequestContext) async throws -> ActionRun {
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
        let params = try JSONBody.params(of: body)
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
        // The caller's share of the workers: a user running long refreshes one after another
        // holds at most all the slots but one, as with queries.
        let caller = caller(context)
        let actionContext = ActionContext(dataset: dataset, documentID: documentID, document: document, params: params,
                                          author: context.principal?.author ?? "api") { work in
            _ = try? await workers.run(for: caller) { work() }
        }
        return ActionRun(action: action, context: actionContext, logger: context.logger)
    }
}

/// An action checked and ready to run on its document: what the route runs, answered at once
/// or as an event stream.
struct ActionRun: Sendable {
    let action: DocumentAction
    let context: ActionContext
    let logger: Logger

    /// Runs the action, its stages reported to `progress`, and gives the JSON body the route
    /// answers, or the error it answers with.
    func answer(progress: ActionProgress) async -> Result<JSONObject, APIError> {
        var context = self.context
        context.progress = progress
        let result: ActionResult
        do { result = try await action.run(context) } catch let error as StoreError {
            return .failure(APIError.operation(error))
        } catch let error as APIError {
            return .failure(error)
        } catch {
            logger.error("The action \(action.name) failed on \(context.documentID): \(error)")
            return .failure(APIError(.internalServerError, type: "actionError", "The action \"\(action.name)\" failed; the server's log says why"))
        }
        var answer: JSONObject = [
            "action": .string(action.name), "documentId": .string(context.documentID), "message": .string(result.message),
            "tone": .string(result.tone.rawValue),
        ]
        if let transactionId = result.transactionId { answer["transactionId"] = .string(transactionId) }
        answer["writtenIds"] = .array(result.writtenIDs.map(JSONValue.string))
        answer["result"] = .object(result.data)
        return .success(answer)
    }
}
