import GROQ

/// How a transaction is run and what its result contains (Sanity's mutate query options).
public struct TransactionOptions: Sendable {
    /// Add `documentIds` to the result.
    public var returnIds = false
    /// Add each resulting `document` to the result.
    public var returnDocuments = false
    /// Check and compute everything, write nothing.
    public var dryRun = false
    /// The id the transaction (and the revisions it makes) will have; must be new to the dataset.
    public var transactionId: String?
    /// Give objects inside arrays a `_key` when they lack one.
    public var autoGenerateArrayKeys = true
    /// Who makes the change, recorded in history and sent to listeners.
    public var author: String?
    /// What makes the change: a short label (`mutate`, `publish`, `action`, `migration`,
    /// `import`…) under which ``Dataset/commitsBySource`` counts it. Not kept in history.
    public var source = "other"
    /// Check strong references at commit; an import turns this off and checks once at the end.
    public var checkReferences = true
    /// Decides whether the author may make the transaction's changes, once they are worked out
    /// and before anything is written; `nil` allows everything.
    public var authorizer: (any TransactionAuthorizing)?
    /// Revisions that documents the mutations do not guard themselves must be at (document id
    /// → `_rev`; an absent document never matches), as publish's `ifPublishedRevisionId` asks of
    /// the published document. Checked inside the commit, against the state the transaction is
    /// worked out on (again after catching up with another process), so a change that lands
    /// after the caller's check and before the commit fails the transaction instead of being
    /// overwritten unseen.
    public var expectedRevisions: [String: String] = [:]
    /// The expected revision of a document that must still not exist at the commit.
    public static let absent = ""
    /// What a patch's or delete's selecting query may cost (depth, size, elements built).
    public var queryLimits = GROQLimits.standard
    /// When a selecting query is stopped: a server gives the caller's query time limit, so that
    /// a hostile filter cannot hold the dataset's writers for longer; `nil` waits.
    public var queryDeadline: ContinuousClock.Instant?

    public init(returnIds: Bool = false, returnDocuments: Bool = false, dryRun: Bool = false,
                transactionId: String? = nil, autoGenerateArrayKeys: Bool = true, author: String? = nil, source: String = "other")
    {
        self.source = source
        self.returnIds = returnIds
        self.returnDocuments = returnDocuments
        self.dryRun = dryRun
        self.transactionId = transactionId
        self.autoGenerateArrayKeys = autoGenerateArrayKeys
        self.author = author
    }
}

extension TransactionOptions {
    /// These options with `id` expected at `revision` (unchanged when `revision` is `nil`).
    func expecting(_ id: String, at revision: String?) -> TransactionOptions {
        guard let revision else { return self }
        var options = self
        options.expectedRevisions[id] = revision
        return options
    }
}

/// What a committed (or dry-run) transaction did, in Sanity's result shape.
public struct TransactionResult: Sendable, Equatable {
    /// One entry per affected document, in the order the mutations touched them.
    public struct Item: Sendable, Equatable {
        public var id: String
        /// `create`, `update`, `delete` or `none`.
        public var operation: String
        /// The document after the transaction (`nil` when deleted).
        public var document: JSONValue?
    }

    /// The committed transaction's id, which is also the `_rev` of every document it wrote.
    public var transactionId: String
    /// What happened to each document, in the order the mutations touched them.
    public var results: [Item]
    /// The sequence number of the committed transaction in its dataset; `nil` for a dry run.
    public var sequence: Int64?

    /// `{transactionId, results: [{id, operation}]}`, with `documentIds` and `document` as the options ask.
    public func json(_ options: TransactionOptions) -> JSONValue {
        var object: JSONObject = ["transactionId": .string(transactionId)]
        if options.returnIds {
            object["documentIds"] = .array(results.map { .string($0.id) })
        }
        object["results"] = .array(results.map { item in
            var entry: JSONObject = ["id": .string(item.id), "operation": .string(item.operation)]
            if options.returnDocuments { entry["document"] = item.document ?? .null }
            return .object(entry)
        })
        return .object(object)
    }
}
