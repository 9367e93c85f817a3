import GROQ

/// One document's change in a transaction: its state before and after (`nil` when it did not
/// exist, or no longer does).
public struct DocumentChange: Sendable, Equatable {
    public var id: String
    public var before: JSONValue?
    public var after: JSONValue?
    /// For a draft or a release version, the published document it is a variant of, as it stood
    /// before the transaction (`nil` for a published id, or when there is none). A new draft
    /// starts from it, so a decision on the draft is a decision on changing that document.
    public var published: JSONValue?

    public init(id: String, before: JSONValue?, after: JSONValue?, published: JSONValue? = nil) {
        self.id = id
        self.before = before
        self.after = after
        self.published = published
    }
}

/// Decides whether a transaction's author may make its changes.
///
/// The store asks after the mutations are worked out and before anything is written, so that a
/// decision sees exactly what would change, whichever mutations (or publish, or import) led to
/// it. A refusal is a ``StoreError`` of kind `forbidden` naming the type and the operation.
///
/// Everything else the transaction works out on the author's behalf goes through the same
/// authorizer, so that nothing the author may not read shapes the outcome: a patch or delete by
/// query selects in ``visibility`` only, a patch is checked before it runs (its own errors would
/// describe the value it touched), and validation compares with what the author sees.
public protocol TransactionAuthorizing: Sendable {
    func authorize(_ changes: [DocumentChange]) throws(StoreError)

    /// What the author may read: the view a patch or delete by query selects from and that
    /// validation (uniqueness) compares with; `nil` when the author reads everything.
    var visibility: (any DocumentVisibility)? { get }

    /// Whether the author may run a patch naming the top-level `fields` on `document` (as it
    /// stood before the transaction, or as the transaction created it); `nil` in `fields` is a
    /// path that starts with a selector and may reach any field. Called before the patch runs.
    func authorizePatch(naming fields: [String?], of document: JSONValue, id: String) throws(StoreError)

    /// The top-level fields of `document` the author may not see, even when `document` lacks
    /// them: validation findings about them are not reported to the author.
    func hiddenFields(of document: JSONValue) -> Set<String>
}

extension TransactionAuthorizing {
    public var visibility: (any DocumentVisibility)? { nil }
    public func authorizePatch(naming fields: [String?], of document: JSONValue, id: String) throws(StoreError) {}
    public func hiddenFields(of document: JSONValue) -> Set<String> { [] }
}
