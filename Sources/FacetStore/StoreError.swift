import GROQ
import OrderedCollections

/// Why the store refused a request: what was wrong, where, and what to do about it.
///
/// Every error has a ``Kind`` that maps onto an HTTP status, and a Sanity error `type`
/// (`documentAlreadyExistsError`, `documentRevisionIDDoesNotMatchError`, …) so that a server can
/// answer in Sanity's shape without translating messages. Nothing is written when a mutation
/// fails: the whole transaction is refused.
///
/// ```swift
/// do { try dataset.mutate([.create(["_type": "customer", "_id": "#bad"])]) }
/// catch { print(error.status, error.type, error.message) } // 400 validationError Malformed document ID …
/// ```
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The class of failure, which decides the HTTP status.
    public enum Kind: String, Sendable, Equatable {
        /// The request itself is wrong (malformed JSON, id, path, value type). HTTP 400.
        case invalid
        /// A document, revision or dataset that does not exist. HTTP 404.
        case notFound
        /// The request conflicts with what is stored (exists already, revision mismatch,
        /// references). HTTP 409.
        case conflict
        /// A document or request larger than the configured limit. HTTP 413.
        case tooLarge
        /// The author may not make this change (see ``TransactionAuthorizing``). HTTP 403.
        case forbidden
        /// The storage backend failed (disk full, file unreadable). HTTP 500.
        case storage
        /// The storage backend cannot be reached for now (a database server that is down or
        /// restarting): the request may succeed if retried later. HTTP 503.
        case unavailable
    }

    public var kind: Kind
    /// Sanity's error type, e.g. `validationError` or `documentHasExistingReferencesError`.
    public var type: String
    /// What was wrong, in one sentence naming the document or path concerned.
    public var message: String
    /// What to do about it.
    public var advice: String
    /// The position of the failing mutation in its transaction, when one failed.
    public var mutationIndex: Int?
    /// The document concerned, when there is one.
    public var documentID: String?
    /// Further machine-readable detail (`currentRevisionID`, `referencingIDs`, …).
    public var details: JSONObject

    public init(_ kind: Kind, type: String, message: String, advice: String = "",
                documentID: String? = nil, mutationIndex: Int? = nil, details: JSONObject = [:])
    {
        self.kind = kind
        self.type = type
        self.message = message
        self.advice = advice
        self.documentID = documentID
        self.mutationIndex = mutationIndex
        self.details = details
    }

    /// The HTTP status this error answers with.
    public var status: Int {
        switch kind {
        case .invalid: 400
        case .notFound: 404
        case .conflict: 409
        case .tooLarge: 413
        case .forbidden: 403
        case .storage: 500
        case .unavailable: 503
        }
    }

    public var description: String {
        var text = message
        if let index = mutationIndex { text = "mutation \(index + 1): " + text }
        if !advice.isEmpty { text += " — " + advice }
        return text
    }

    /// The same error, naming the mutation it came from.
    func at(mutation index: Int) -> StoreError {
        var copy = self
        if copy.mutationIndex == nil { copy.mutationIndex = index }
        return copy
    }

    /// Sanity's error body: `{"error": {"type": "mutationError", "description", "items": [...]}}`
    /// for mutation failures, `{"error": {"type", "description"}}` otherwise.
    public var json: JSONValue {
        var item: JSONObject = ["type": .string(type), "description": .string(message)]
        if !advice.isEmpty { item["advice"] = .string(advice) }
        if let id = documentID { item["id"] = .string(id) }
        for (key, value) in details { item[key] = value }
        guard let index = mutationIndex else { return ["error": .object(item)] }
        return [
            "error": [
                "type": "mutationError",
                "description": .string("Mutation(s) failed with 1 error(s)"),
                "items": [["error": .object(item), "index": .number(Double(index))]],
            ],
        ]
    }

    static func invalid(_ message: String, advice: String, documentID: String? = nil) -> StoreError {
        StoreError(.invalid, type: "validationError", message: message, advice: advice, documentID: documentID)
    }

    /// A failure of the storage itself, which the request did not cause.
    public static func storage(_ message: String, advice: String = "Check that the data directory is writable and the disk is not full.") -> StoreError {
        StoreError(.storage, type: "storageError", message: message, advice: advice)
    }

    /// A storage that cannot be reached for now; the same request may succeed later.
    public static func unavailable(_ message: String, advice: String = "Try again in a few seconds; the server reconnects by itself.") -> StoreError {
        StoreError(.unavailable, type: "serviceUnavailable", message: message, advice: advice)
    }

    /// Sanity's revision mismatch: `id` is at `actual` (`nil`: absent) where the writer expected
    /// `expected`.
    static func revisionMismatch(_ id: String, actual: String?, expected: String) -> StoreError {
        StoreError(.conflict, type: "documentRevisionIDDoesNotMatchError",
                   message: "Document \"\(id)\" has unexpected revision ID (\"\(actual ?? "none")\"), expected \"\(expected)\"",
                   advice: "Someone changed it since you read it: read it again, re-apply your change, and retry.", documentID: id,
                   details: ["currentRevisionID": actual.map(JSONValue.string) ?? .null, "expectedRevisionID": .string(expected)])
    }

    /// A transaction id given twice in one dataset.
    public static func transactionIDUsed(_ id: String) -> StoreError {
        StoreError(.conflict, type: "transactionIdConflictError", message: "Transaction id \"\(id)\" is already used in this dataset",
                   advice: "Give a new transactionId, or none and one is generated.")
    }
}
