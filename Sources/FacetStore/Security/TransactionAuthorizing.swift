import GROQ

/// One document's change in a transaction: its state before and after (`nil` when it did not
/// exist, or no longer does).
public struct DocumentChange: Sendable, Equatable {
    public var id: String
    public var before: JSONValue?
    public var after: JSONValue?

    public init(id: String, before: JSONValue?, after: JSONValue?) {
        self.id = id
        self.before = before
        self.after = after
    }
}

/// Decides whether a transaction's author may make its changes.
///
/// The store asks after the mutations are worked out and before anything is written, so that a
/// decision sees exactly what would change, whichever mutations (or publish, or import) led to
/// it. A refusal is a ``StoreError`` of kind `forbidden` naming the type and the operation.
public protocol TransactionAuthorizing: Sendable {
    func authorize(_ changes: [DocumentChange]) throws(StoreError)
}
