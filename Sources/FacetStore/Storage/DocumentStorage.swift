import Foundation
import GROQ

/// A committed transaction as history keeps it: who, when, what was asked, and what resulted.
public struct CommittedTransaction: Sendable, Equatable {
    /// The document a transaction touched, and its state after it.
    public struct Effect: Sendable, Equatable {
        public var documentID: String
        /// The `_rev` before the transaction; `nil` when the document did not exist.
        public var previousRevision: String?
        /// The `_rev` after it, which is the transaction id; also set for deletions, so that a
        /// deleted state can be named.
        public var resultRevision: String
        /// The document after the transaction; `nil` when it was deleted.
        public var document: JSONValue?

        public init(documentID: String, previousRevision: String?, resultRevision: String, document: JSONValue?) {
            self.documentID = documentID
            self.previousRevision = previousRevision
            self.resultRevision = resultRevision
            self.document = document
        }
    }

    /// Position in the dataset's commit order, starting at 1.
    public var sequence: Int64
    public var id: String
    /// ISO 8601 UTC with milliseconds (see ``Timestamp``).
    public var timestamp: String
    public var author: String?
    /// The mutations as submitted (with generated ids filled in).
    public var mutations: [JSONValue]
    public var effects: [Effect]

    public init(sequence: Int64, id: String, timestamp: String, author: String?, mutations: [JSONValue], effects: [Effect]) {
        self.sequence = sequence
        self.id = id
        self.timestamp = timestamp
        self.author = author
        self.mutations = mutations
        self.effects = effects
    }
}

/// Where a document's state is read from in history.
public enum RevisionPoint: Sendable, Equatable {
    /// The state a given `_rev` names.
    case revision(String)
    /// The state at an instant (ISO 8601, compared with transaction times).
    case time(String)
    /// The last state it had, even if it is deleted now.
    case lastRevision
}

/// Which transactions a history listing returns (Sanity's history API options).
public struct HistoryFilter: Sendable, Equatable {
    /// Inclusive bounds on the transaction time, ISO 8601.
    public var fromTime: String?
    public var toTime: String?
    /// Inclusive bounds by transaction id.
    public var fromTransaction: String?
    public var toTransaction: String?
    /// Only transactions by these authors.
    public var authors: [String]?
    /// Newest first.
    public var reverse = false
    public var limit: Int?

    public init(fromTime: String? = nil, toTime: String? = nil, fromTransaction: String? = nil, toTransaction: String? = nil,
                authors: [String]? = nil, reverse: Bool = false, limit: Int? = nil)
    {
        self.fromTime = fromTime
        self.toTime = toTime
        self.fromTransaction = fromTransaction
        self.toTransaction = toTransaction
        self.authors = authors
        self.reverse = reverse
        self.limit = limit
    }
}

/// A storage backend: the set of datasets in one place (a directory of SQLite files, or a
/// PostgreSQL database). Callers use ``DocumentStore``; a backend only keeps bytes safe.
///
/// A backend must make ``DatasetStorage/append(_:)`` atomic and durable: once it returns, the
/// transaction survives a crash of the process, and a failure leaves nothing of it behind.
public protocol StorageBackend: Sendable {
    /// The names of the datasets that exist, sorted.
    func datasetNames() throws(StoreError) -> [String]
    /// Opens a dataset; `create` makes it when missing, otherwise a missing dataset is `notFound`.
    func openDataset(_ name: String, create: Bool) throws(StoreError) -> any DatasetStorage
    /// Removes a dataset and everything in it.
    func deleteDataset(_ name: String) throws(StoreError)
    /// A new dataset that nobody can see until ``StagedDataset/publish()``: how a dataset made by
    /// an import appears whole or not at all, even if the process dies while filling it.
    func stageDataset(_ name: String) throws(StoreError) -> any StagedDataset
    /// Lets go of what the backend holds beyond its datasets (a database's connections); called
    /// once, when its store closes.
    func close()
    /// The names of datasets other processes commit to, as the storage announces them (an
    /// empty name: any dataset may have changed, as after a lost connection), so that a server
    /// catches up at once instead of at its next look; `nil` for a storage that announces
    /// nothing, which is looked at on a timer alone.
    func commitAnnouncements() -> AsyncStream<String>?
    /// Takes or renews the lease `name` for `holder` until `duration` from now, unless another
    /// holder has it and it has not run out; `true` when `holder` holds it afterwards. A
    /// duration of zero gives it up. How work that must happen once among servers sharing the
    /// storage is given to one of them (see ``HeldLease``); a storage that one server uses
    /// alone grants every lease.
    func lease(_ name: String, holder: String, for duration: Duration) throws(StoreError) -> Bool
    /// Where the records that are not documents (users, keys, the audit log, the migration
    /// ledger) are kept when every server sharing this storage must share them too; `nil` for
    /// a storage on one machine, whose data directory keeps them in files of its own.
    var sharedRecords: (any RelationalDatabase)? { get }
}

extension StorageBackend {
    public var sharedRecords: (any RelationalDatabase)? { nil }
    public func close() {}
    public func commitAnnouncements() -> AsyncStream<String>? { nil }
    public func lease(_ name: String, holder: String, for duration: Duration) throws(StoreError) -> Bool { true }
}

/// A dataset being made out of sight (see ``StorageBackend/stageDataset(_:)``).
public protocol StagedDataset: Sendable {
    /// Where to write the new dataset's transactions.
    var storage: any DatasetStorage { get }
    /// Closes the storage and makes the dataset visible under its name. Throws a `conflict`,
    /// publishing nothing, when a dataset of that name appeared meanwhile.
    func publish() throws(StoreError)
    /// Closes the storage and removes what was written.
    func discard()
}

/// A transaction ready to be written: as stored (protected fields sealed), with its JSON text.
public struct PreparedTransaction: Sendable {
    /// The transaction as stored.
    public var transaction: CommittedTransaction
    /// Each effect's document as JSON text, `nil` for a deletion.
    public var bodies: [String?]
    /// The mutations as the text of one JSON array.
    public var mutations: String

    public init(transaction: CommittedTransaction, bodies: [String?], mutations: String) {
        self.transaction = transaction
        self.bodies = bodies
        self.mutations = mutations
    }
}

extension PreparedTransaction {
    /// `transaction` with its documents and mutations written out as JSON text, as it is (or
    /// with `storedMutations` in place of its mutations, when the storage keeps them in a form
    /// of its own). A large transaction (an import batch) writes its mutations and its
    /// documents on two threads: they are about the same size.
    public init(serializing transaction: CommittedTransaction, storedMutations: [JSONValue]? = nil) {
        let effects = transaction.effects
        let mutationsStored = JSONValue.array(storedMutations ?? transaction.mutations)
        guard effects.count >= 64 else {
            self.init(transaction: transaction, bodies: effects.map { $0.document?.serialized() }, mutations: mutationsStored.serialized())
            return
        }
        let (mutations, bodies) = SideBySide.run({ mutationsStored.serialized() }, { effects.map { $0.document?.serialized() } })
        self.init(transaction: transaction, bodies: bodies, mutations: mutations)
    }
}

/// Where history stands against one of its transactions (``DatasetStorage/historyMark(at:)``).
public struct HistoryMark: Sendable, Equatable {
    /// The id of the transaction with the sequence number asked about, `nil` when there is none.
    public var transactionID: String?
    /// The sequence number of the last committed transaction.
    public var lastSequence: Int64
    /// How many document revisions were written after that transaction.
    public var revisionsAfter: Int

    public init(transactionID: String?, lastSequence: Int64, revisionsAfter: Int) {
        self.transactionID = transactionID
        self.lastSequence = lastSequence
        self.revisionsAfter = revisionsAfter
    }
}

/// One dataset's documents and history in a backend.
public protocol DatasetStorage: Sendable {
    /// Every current document and the sequence number of the last committed transaction.
    ///
    /// The documents are read in batches, and `open` (when given) changes each batch in place
    /// before the next is read: what it replaces is freed while the load goes on, so the memory
    /// it frees is reused by the next batch instead of being left in holes between documents.
    func loadDocuments(opening open: ((inout [JSONValue]) throws(StoreError) -> Void)?) throws(StoreError)
        -> (documents: [JSONValue], sequence: Int64)
    /// What writing `transaction` needs that depends on nothing stored: its protected fields
    /// sealed, its documents and mutations written out as JSON. Done apart from ``append(_:)``
    /// so that a run of transactions prepares the next while the one before is written.
    func prepare(_ transaction: CommittedTransaction) throws(StoreError) -> PreparedTransaction
    /// Writes a prepared transaction's documents and its history record, atomically and
    /// durably. Returns `false`, writing nothing, when the storage already holds a transaction
    /// with its sequence or later: another process committed first, and the caller must catch
    /// up with ``transactions(after:)`` and work the transaction out again.
    func append(_ transaction: PreparedTransaction) throws(StoreError) -> Bool
    /// Writes the transactions `body` hands to `append`, in order, as one atomic and durable
    /// unit: all of them, or (when `body` throws, or the process dies first) none. It holds the
    /// dataset's write lock throughout, and first hands `body` the transactions other writers
    /// committed after `sequence`, read under the lock, for it to work the rest out on top of:
    /// so a long import is never refused however busy the other writers are. They wait until
    /// it returns.
    func appendAll(after sequence: Int64,
                   _ body: (_ missed: [CommittedTransaction], _ append: (CommittedTransaction) throws(StoreError) -> Void) throws(StoreError) -> Void)
        throws(StoreError)
    /// Holds the dataset's write lock while `body` runs, then writes the transaction it returns
    /// (nothing when it returns `nil`), atomically and durably. `body` is handed the
    /// transactions committed after `sequence`, read under the lock: no other process can
    /// commit until this returns, so the transaction `body` works out on top of them is never
    /// refused. How a writer that keeps losing the race to other processes gets its turn.
    func appendHoldingLock(after sequence: Int64,
                           _ body: (_ missed: [CommittedTransaction]) throws(StoreError) -> CommittedTransaction?) throws(StoreError)
    /// Whether other processes commit to this storage as a rule (servers sharing a database):
    /// then a commit takes the write lock first and catches up under it
    /// (``appendHoldingLock(after:_:)``), rather than trying on its snapshot and catching up
    /// when refused, which would mostly be refused.
    var expectsConcurrentWriters: Bool { get }
    /// Whether a transaction with this id was ever committed.
    func containsTransaction(id: String) throws(StoreError) -> Bool
    /// Where this dataset's image is kept (see ``Dataset/openedFrom``); `nil` for a storage that
    /// keeps none.
    var imagePath: String? { get }
    /// Where history stands against the transaction `sequence`: its id (`nil` when there is no
    /// such transaction), the last sequence number, and how many document revisions were
    /// written after it. An image is checked against it, and kept only while it is close.
    func historyMark(at sequence: Int64) throws(StoreError) -> HistoryMark
    /// A document's state at a point of its history; `nil` when it did not exist then.
    /// Throws `notFound` when the revision is unknown.
    func document(id: String, at point: RevisionPoint) throws(StoreError) -> JSONValue?
    /// The transactions that touched any of `documentIDs` (all transactions when empty), in commit order.
    func transactions(touching documentIDs: [String], filter: HistoryFilter) throws(StoreError) -> [CommittedTransaction]
    /// The transactions committed after `sequence`, in order, at most `limit` of them (all when
    /// `nil`): how a process catches up with writes that another process made to a shared
    /// database, and how work that follows the log (webhooks) reads it in bounded steps.
    func transactions(after sequence: Int64, limit: Int?) throws(StoreError) -> [CommittedTransaction]
    /// Closes the files; later calls fail.
    func close()
}

extension DatasetStorage {
    public var expectsConcurrentWriters: Bool { false }

    /// Prepares and writes `transaction` (see ``append(_:)-(PreparedTransaction)``).
    public func append(_ transaction: CommittedTransaction) throws(StoreError) -> Bool {
        try append(prepare(transaction))
    }
}
