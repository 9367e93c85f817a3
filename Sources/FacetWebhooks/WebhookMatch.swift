import FacetStore
import Foundation
import GROQ

/// What one hook makes of one document change: whether it fires, and the body it sends.
///
/// The filter and projection are evaluated as Sanity's delta GROQ is: over the document as it
/// is after the change (before it, for a deletion), with `before()`, `after()`,
/// `delta::changedAny(…)`, `delta::changedOnly(…)` and `delta::operation()` reading the change.
///
/// ```swift
/// let match = try WebhookMatch(hook: hook)
/// if let body = try match.body(documentID: "order-1", before: old, after: new) { send(body) }
/// ```
public struct WebhookMatch: Sendable {
    public let hook: Webhook
    private let query: GROQQuery
    /// How long one evaluation may take: a hook's filter runs on one document, so this only
    /// stops a pathological one from holding up every other hook.
    static let timeLimit = Duration.seconds(1)

    public init(hook: Webhook) throws(WebhookError) {
        self.hook = hook
        let filter = "*[" + (hook.filter.map { "(\($0))" } ?? "true") + "]"
        let limits = GROQLimits(maxElements: 2_000_000)
        do { _ = try GROQQuery(filter, limits: limits) } catch {
            throw WebhookError(.invalid, "The hook's filter is not valid GROQ: \(error.message)", field: "filter",
                               advice: "Write the inside of *[…], such as _type == 'order' && delta::changedAny(status).")
        }
        if let projection = hook.projection, !projection.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{") {
            throw WebhookError(.invalid, "The hook's projection must be an object projection starting with {", field: "projection",
                               advice: "Write it as {_id, status, \"total\": total}.")
        }
        do { query = try GROQQuery(filter + (hook.projection.map { "\n" + $0 } ?? ""), limits: limits) } catch {
            throw WebhookError(.invalid, "The hook's projection is not valid GROQ: \(error.message)", field: "projection",
                               advice: "Write an object projection, such as {_id, status}.")
        }
    }

    /// Whether the hook is interested in changes to this document id at all.
    public func watches(documentID: String) -> Bool {
        hook.includeDrafts || !(DocumentID.isDraft(documentID) || documentID.hasPrefix("versions."))
    }

    /// The body the hook sends for the change of `documentID` from `before` to `after`, or
    /// `nil` when the hook does not fire for it.
    public func body(documentID: String, before: JSONValue?, after: JSONValue?) throws(WebhookError) -> JSONValue? {
        guard watches(documentID: documentID), let operation = Webhook.Operation(before: before, after: after),
              hook.on.contains(operation), let document = after ?? before
        else { return nil }
        let options = EvaluationOptions(before: before, after: after, deadline: .now + Self.timeLimit)
        let result: JSONValue
        do { result = try query.evaluate(in: InMemoryDataset([document]), options: options) } catch {
            throw WebhookError(.invalid, "The hook's filter or projection failed on \(documentID): \(error.message)", field: "filter")
        }
        guard case .array(let items) = result, let first = items.first else { return nil }
        return first
    }
}
