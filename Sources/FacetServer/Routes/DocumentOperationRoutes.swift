import FacetStore
import GROQ
import Hummingbird

/// Facet's document operations, each one transaction through the mutation pipeline:
///
/// - `POST /v1/data/publish/:dataset`, `/v1/data/unpublish/:dataset`, `/v1/data/discard/:dataset`
///   with `{"id": "<published id>", "ifDraftRevisionId"?, "ifPublishedRevisionId"?}` →
///   `{"transactionId", "documentId"}`. 404 when there is nothing to publish, unpublish or
///   discard; 409 when a revision guard fails or references forbid it; 422 when the draft has
///   error markers (every marker listed).
/// - `GET /v1/data/validate/:dataset/:id` → `{"documentId", "markers": [{"path", "level",
///   "message"}], "isValid"}` for the draft if there is one, else the published document.
extension FacetAPI {
    func addDocumentOperationRoutes(to version: RouterGroup<FacetRequestContext>) {
        for operation in DocumentOperation.allCases {
            group(version, "data/\(operation.rawValue)", .write).post(":dataset") { request, context in
                let dataset = try dataset(context)
                let target = try OperationTarget(json: try await JSONBody.parse(request, context: context))
                let options = authorized(TransactionOptions(author: "api", source: operation.rawValue), context)
                let result = try await workers.run(for: caller(context)) {
                    do throws(StoreError) { return try operation.run(on: dataset, target, options: options) } catch { throw APIError.operation(error) }
                }
                return JSONBody.response(["transactionId": .string(result.transactionId), "documentId": .string(target.publishedID)])
            }
        }
        group(version, "data/validate", .read).get(":dataset/:id") { _, context in
            let dataset = try dataset(context)
            guard let validator = store.validator else { throw APIError.notFound("This server checks no schema") }
            let publishedID = DocumentID.published(of: context.parameters.get("id") ?? "")
            do throws(StoreError) { try DocumentID.validate(publishedID) } catch { throw APIError.store(error) }
            let snapshot = dataset.snapshot
            let visibility = visibility(context)
            // An editor works on the draft; the published document is what stands without one.
            let draftID = DocumentID.draft(of: publishedID)
            let id = snapshot.document(id: draftID, visibility: visibility) != nil ? draftID : publishedID
            guard let shown = snapshot.document(id: id, visibility: visibility), let document = snapshot.document(id: id) else {
                throw APIError(.notFound, type: "documentNotFoundError", "Document \"\(publishedID)\" has neither a draft nor a published version")
            }
            // The whole document is checked (a hidden field is not missing), but only the markers
            // on fields the caller sees are returned, and rules that compare with other documents
            // (`unique`) compare with what the caller sees: see the mutation pipeline's validation.
            var hidden = Set(document.objectValue?.keys.map { $0 } ?? []).subtracting(shown.objectValue?.keys.map { $0 } ?? [])
            if let principal = context.principal, let security { hidden.formUnion(security.policy.hiddenFields(of: document, for: principal)) }
            let findings = try await workers.run(for: caller(context)) { validator.findings(for: document, among: snapshot.source(.raw, visibility: visibility)) }
                .filter { !ValidationFinding.isAbout(hidden, $0.path) }
            return JSONBody.response([
                "documentId": .string(id),
                "markers": .array(findings.map(\.json)),
                "isValid": .bool(!findings.contains { $0.level == "error" }),
            ])
        }
    }
}

/// Publish, unpublish and discard, as the store composes them.
enum DocumentOperation: String, CaseIterable, Sendable {
    case publish, unpublish, discard

    /// Runs the operation as one transaction, both revisions checked inside its commit.
    func run(on dataset: Dataset, _ target: OperationTarget, options: TransactionOptions) throws(StoreError) -> TransactionResult {
        switch self {
        case .publish:
            try dataset.publish(id: target.publishedID, ifRevisionID: target.ifDraftRevisionID,
                                ifPublishedRevisionID: target.ifPublishedRevisionID, options: options)
        case .unpublish:
            try dataset.unpublish(id: target.publishedID, ifRevisionID: target.ifPublishedRevisionID,
                                  ifDraftRevisionID: target.ifDraftRevisionID, options: options)
        case .discard:
            try dataset.discardDraft(id: target.publishedID, ifRevisionID: target.ifDraftRevisionID,
                                     ifPublishedRevisionID: target.ifPublishedRevisionID, options: options)
        }
    }
}

/// The body of a document operation: which document, and the revisions the caller last saw.
struct OperationTarget: Sendable {
    var publishedID: String
    var ifDraftRevisionID: String?
    var ifPublishedRevisionID: String?

    init(json body: JSONValue) throws {
        guard let id = body["id"]?.stringValue, !id.isEmpty else {
            throw APIError.badRequest("The body needs \"id\": the published document's id, e.g. {\"id\": \"c-1\"}", type: "invalidRequest")
        }
        publishedID = DocumentID.published(of: id)
        ifDraftRevisionID = try Self.revision(body, "ifDraftRevisionId")
        ifPublishedRevisionID = try Self.revision(body, "ifPublishedRevisionId")
    }

    private static func revision(_ body: JSONValue, _ key: String) throws -> String? {
        guard let value = body[key], !value.isNull else { return nil }
        guard let revision = value.stringValue else {
            throw APIError.badRequest("\"\(key)\" must be a revision id (a string), found \(value.typeName)", type: "invalidRequest")
        }
        return revision
    }
}

extension APIError {
    /// A store error from an operation the client did not spell as mutations: answered without
    /// the mutation envelope, since the index of a mutation it never sent would mean nothing.
    static func operation(_ error: StoreError) -> APIError {
        var error = error
        error.mutationIndex = nil
        return store(error)
    }
}
