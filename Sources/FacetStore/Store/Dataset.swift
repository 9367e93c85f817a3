import Dispatch
import Foundation
import GROQ
import Synchronization

/// One named dataset: its documents, the one mutation pipeline that changes them, queries over
/// consistent snapshots, history, and listeners.
///
/// Writers take turns (commits are serialised, which is what makes `ifRevisionID` exact);
/// readers never wait: they read the snapshot current when they start.
///
/// ```swift
/// let dataset = try store.dataset("production")
/// let result = try dataset.mutate(Mutation.list(parsing: #"{"mutations": [{"create": {"_id": "c-1", "_type": "customer"}}]}"#))
/// let customers = try dataset.query("*[_type == 'customer']{_id}")
/// ```
public final class Dataset: Sendable {
    /// The dataset's name, e.g. `production`.
    public let name: String
    let storage: any DatasetStorage
    let limits: DocumentLimits
    let validator: (any DocumentValidating)?
    /// What stored documents are sealed with (exports go out sealed, imports are opened).
    public let sealing: (any DocumentSealing)?
    let observer: (any TransactionObserving)?
    private let current: Mutex<DatasetSnapshot>
    private let writer: Mutex<WriterState>
    let hub = ListenerHub()
    /// Called with each transaction of another process as this one applies it, after queries
    /// can see it and before this process's listeners hear of it: the order a client relies on
    /// (an event's client queries and finds what it announced), checked by tests through this
    /// hook rather than by timing.
    let catchUpProbe = Mutex<(@Sendable (CommittedTransaction) -> Void)?>(nil)
    /// Transactions committed since the dataset was opened, by ``TransactionOptions/source``;
    /// those read from other processes sharing the storage count under ``externalSource``.
    private let commitCounts = Mutex<[String: Int]>([:])
    /// How the documents were read when the dataset was opened: from its image, or each from
    /// storage (and why).
    public let openedFrom: DatasetOpening
    let imagePolicy: ImagePolicy
    let imageState: Mutex<ImageState>
    /// The image write under way, waited for on closing.
    let imageWrites = DispatchGroup()

    private struct WriterState {
        var compacting = false
        var closed = false
        /// Imports under way: they compact once at the end, as rebuilding the base again and
        /// again while a large file streams in would take a core away from the import.
        var bulkLoads = 0
    }

    init(name: String, storage: any DatasetStorage, limits: DocumentLimits, validator: (any DocumentValidating)? = nil,
         sealing: (any DocumentSealing)? = nil, observer: (any TransactionObserving)? = nil,
         imagePolicy: ImagePolicy = ImagePolicy()) throws(StoreError)
    {
        self.name = name
        self.storage = sealing.map { SealedDatasetStorage(inner: storage, sealing: $0, dataset: name) } ?? storage
        self.limits = limits
        self.validator = validator
        self.sealing = sealing
        self.observer = observer
        self.imagePolicy = imagePolicy
        let indexedPaths = validator?.indexedPaths ?? []
        let uniquePaths = validator?.uniquePaths ?? [:]
        let snapshot: DatasetSnapshot
        switch Self.openImage(storage: self.storage, sealing: sealing, name: name, policy: imagePolicy) {
        case .success(let image):
            let imaged = DatasetSnapshot(documents: image.documents, sequence: image.imageSequence, indexedPaths: indexedPaths,
                                         uniquePaths: uniquePaths)
            snapshot = image.changes.isEmpty ? imaged : imaged.applying(image.changes, sequence: image.sequence)
            openedFrom = .image(sequence: image.imageSequence, caughtUp: image.caughtUp)
            imageState = Mutex(ImageState(sequence: image.imageSequence))
        case .failure(let unusable):
            let (documents, sequence) = try self.storage.loadDocuments(opening: nil)
            snapshot = DatasetSnapshot(documents: documents, sequence: sequence, indexedPaths: indexedPaths, uniquePaths: uniquePaths)
            openedFrom = .documents(reason: unusable.reason)
            imageState = Mutex(ImageState())
        }
        self.current = Mutex(snapshot)
        self.writer = Mutex(WriterState(compacting: snapshot.overlay.count > Self.compactionThreshold(snapshot)))
        if writer.withLock({ $0.compacting }) {
            // What history added to an image is folded into the base as a run of commits would be.
            scheduleCompaction(of: snapshot)
        } else {
            keepImage(of: snapshot)
        }
    }

    /// The state after the last committed transaction. Hold on to it to read several times
    /// from the same state.
    public var snapshot: DatasetSnapshot { current.withLock { $0 } }

    /// The source label of transactions another process committed to the same storage, seen
    /// when this one caught up with them.
    public static let externalSource = "external"

    /// How many transactions have been committed since this dataset was opened, by what made
    /// them (``TransactionOptions/source``: `mutate`, `action`, `migration`, `import`…, and
    /// ``externalSource`` for other processes'); dry runs and transactions that changed nothing
    /// are not counted.
    public var commitsBySource: [String: Int] { commitCounts.withLock { $0 } }

    private func countCommits(_ count: Int, source: String) {
        guard count > 0 else { return }
        commitCounts.withLock { $0[source, default: 0] += count }
    }

    /// The current document with this id (raw perspective), or `nil`.
    public func document(id: String) -> JSONValue? { snapshot.document(id: id) }

    /// Runs a GROQ query against the current snapshot.
    public func query(_ text: String, params: [String: JSONValue] = [:], perspective: Perspective = .raw,
                      options: EvaluationOptions = EvaluationOptions()) throws(StoreError) -> JSONValue
    {
        let parsed: GROQQuery
        do { parsed = try GROQQuery(text, params: params) } catch {
            throw StoreError(.invalid, type: "queryParseError", message: error.formatted, advice: "Fix the query at the position shown.",
                             details: ["query": .string(text)])
        }
        return try self.query(parsed, perspective: perspective, options: options)
    }

    /// Runs a parsed GROQ query against the current snapshot.
    public func query(_ query: GROQQuery, params: [String: JSONValue] = [:], perspective: Perspective = .raw,
                      options: EvaluationOptions = EvaluationOptions()) throws(StoreError) -> JSONValue
    {
        do { return try query.evaluate(in: snapshot.source(perspective), params: params, options: options) } catch {
            throw StoreError(.invalid, type: "queryError", message: error.formatted, advice: "Fix the query.",
                             details: ["query": .string(query.source)])
        }
    }

    /// Applies `mutations` as one transaction: all of them commit, or none does.
    ///
    /// Throws a ``StoreError`` naming the failing mutation (`mutationIndex`) and document.
    @discardableResult
    public func mutate(_ mutations: [Mutation], options: TransactionOptions = TransactionOptions()) throws(StoreError) -> TransactionResult {
        do { return try transact(mutations, options: options) } catch {
            observer?.refused(error, author: options.author, dataset: name)
            throw error
        }
    }

    private func transact(_ mutations: [Mutation], options: TransactionOptions) throws(StoreError) -> TransactionResult {
        guard !mutations.isEmpty else {
            throw StoreError.invalid("The transaction has no mutations", advice: "Give at least one mutation.")
        }
        if let given = options.transactionId {
            do { try DocumentID.validate(given) } catch {
                throw StoreError.invalid("Malformed transactionId \"\(given)\"", advice: "Use letters, digits, '_', '-' and '.' (at most 128).")
            }
        }
        return try writer.withLock { (state: inout WriterState) throws(StoreError) -> TransactionResult in
            guard !state.closed else {
                throw StoreError.storage("Dataset \"\(name)\" is closed", advice: "Open the store again.")
            }
            if let given = options.transactionId, try storage.containsTransaction(id: given) {
                throw StoreError.transactionIDUsed(given)
            }
            // Another process sharing the storage may have committed since this one last did:
            // then the append is refused, this process catches up, and the transaction is
            // worked out again on the newer state (its ifRevisionID checks included). A writer
            // that keeps losing that race takes the storage's write lock for its next try, so
            // that it cannot lose again; on a storage that others commit to as a rule it takes
            // the lock at once, unless it writes nothing (a dry run).
            let tries = storage.expectsConcurrentWriters && !options.dryRun ? 0 : 3
            for _ in 0..<tries {
                if let result = try attempt(mutations, options: options, state: &state) { return result }
                try catchUp()
            }
            return try attemptHoldingLock(mutations, options: options, state: &state)
        }
    }

    /// Works out and commits one transaction while holding the storage's write lock, on the
    /// snapshot caught up under that lock.
    private func attemptHoldingLock(_ mutations: [Mutation], options: TransactionOptions, state: inout WriterState) throws(StoreError)
        -> TransactionResult
    {
        var outcome: (work: WorkedOut, start: DatasetSnapshot)?
        try storage.appendHoldingLock(after: current.withLock { $0.sequence }) { (missed) throws(StoreError) in
            apply(caughtUp: missed)
            let start = current.withLock { $0 }
            let work = try workOut(mutations, options: options, on: start)
            outcome = (work, start)
            return work.transaction
        }
        guard let outcome else { throw StoreError.storage("The storage wrote nothing and gave no reason") }
        if let committed = outcome.work.transaction {
            adopt(committed, from: outcome.start, to: outcome.work.next, source: options.source, state: &state)
        }
        return outcome.work.result
    }

    /// Works out and commits one transaction on the current snapshot; `nil` when the storage
    /// holds newer transactions than the snapshot (written by another process).
    private func attempt(_ mutations: [Mutation], options: TransactionOptions, state: inout WriterState) throws(StoreError) -> TransactionResult? {
        let start = current.withLock { $0 }
        let (result, committed, next) = try workOut(mutations, options: options, on: start)
        guard let committed else { return result }
        guard try storage.append(committed) else { return nil }
        adopt(committed, from: start, to: next, source: options.source, state: &state)
        return result
    }

    /// Makes a transaction just appended to storage the current state: counted, observed,
    /// visible to queries, then announced to listeners.
    private func adopt(_ transaction: CommittedTransaction, from start: DatasetSnapshot, to next: DatasetSnapshot, source: String,
                       state: inout WriterState)
    {
        countCommits(1, source: source)
        observer?.committed(transaction, dataset: name)
        current.withLock { $0 = next }
        publish(transaction, previousSnapshot: start)
        compactIfDue(next, state: &state)
    }

    /// What `mutations` make of `start`: the result, the transaction to commit (`nil` when it
    /// changes nothing or is a dry run) and the snapshot after it.
    fileprivate typealias WorkedOut = (result: TransactionResult, transaction: CommittedTransaction?, next: DatasetSnapshot)

    fileprivate func workOut(_ mutations: [Mutation], options: TransactionOptions,
                             on start: DatasetSnapshot) throws(StoreError) -> WorkedOut
    {
        let transactionID = options.transactionId ?? DocumentID.generate()
        let timestamp = Timestamp.string(Date())
        var work = TransactionWork(snapshot: start, transactionID: transactionID, timestamp: timestamp, options: options, limits: limits,
                                   validator: validator, sealing: sealing, dataset: name)
        try work.checkExpectedRevisions()
        for (index, mutation) in mutations.enumerated() {
            do throws(StoreError) { try work.apply(mutation) } catch { throw error.at(mutation: index) }
        }
        let effects = try work.finish()
        // A transaction that changes nothing (createIfNotExists of existing documents, a revision
        // guard alone) leaves no trace in history.
        guard !options.dryRun, !effects.isEmpty else {
            return (TransactionResult(transactionId: transactionID, results: work.results, sequence: nil), nil, start)
        }
        let sequence = start.sequence + 1
        let committed = CommittedTransaction(sequence: sequence, id: transactionID, timestamp: timestamp, author: options.author,
                                             mutations: work.mutationsJSON, effects: effects)
        let next = start.applying(effects.map { ($0.documentID, $0.document) }, sequence: sequence, applied: work.appliedState)
        return (TransactionResult(transactionId: transactionID, results: work.results, sequence: sequence), committed, next)
    }

    /// Applies each batch `nextBatch` hands out as a transaction of its own, in order, as
    /// ``mutate(_:options:)`` called once per batch would: each is durable when `committed`
    /// hears of it, and a refused batch ends the run with the batches before it committed and
    /// none after it run. What this adds is overlap, three batches at a time: while one
    /// batch's rows are written to storage, the next is prepared for storage (its fields sealed,
    /// its JSON written out) and the one after it is worked out, each on the state the one
    /// before leaves. If another process commits meanwhile, the write is refused, this process
    /// catches up, and the batches ahead are worked out again on the newer state.
    ///
    /// For long runs of large batches (a seed). Other writers in this process wait until it
    /// returns; queries read each state as it is committed.
    public func mutateEach(_ nextBatch: () throws(StoreError) -> [Mutation]?, options: TransactionOptions = TransactionOptions(),
                           committed: (TransactionResult) -> Void = { _ in }) throws(StoreError)
    {
        guard options.transactionId == nil else {
            throw StoreError.invalid("Several transactions cannot take one transactionId", advice: "Leave transactionId out.")
        }
        do throws(StoreError) {
            try writer.withLock { (state: inout WriterState) throws(StoreError) in
                guard !state.closed else {
                    throw StoreError.storage("Dataset \"\(name)\" is closed", advice: "Open the store again.")
                }
                var batch = try nextNonEmpty(nextBatch)
                var ahead: Speculation?
                while let mutations = batch {
                    let upcoming: [Mutation]?
                    do throws(StoreError) { upcoming = try nextNonEmpty(nextBatch) } catch {
                        // Nothing is left running once the run ends.
                        ahead?.finish()
                        throw error
                    }
                    var attempts = 0
                    while true {
                        let start = current.withLock { $0 }
                        // The work done beside the last write holds while nothing else changed
                        // the state since (another process, or a compaction's new base).
                        let work: WorkedOut
                        var preparing: Speculation?
                        if let ahead, ahead.start === start {
                            switch ahead.workedOut {
                            case .success(let found): work = found
                            case .failure(let error):
                                ahead.finish()
                                throw error
                            }
                            preparing = ahead
                        } else {
                            ahead?.finish()
                            work = try workOut(mutations, options: options, on: start)
                        }
                        ahead = nil
                        guard let transaction = work.transaction else {
                            preparing?.finish()
                            committed(work.result)
                            break
                        }
                        // The next batch is worked out while this one is still being prepared
                        // and then written.
                        let speculation = upcoming.map { Speculation(of: $0, on: work.next, options: options, dataset: self) }
                        let appended: Bool
                        do throws(StoreError) {
                            var prepared: PreparedTransaction?
                            if let preparing {
                                switch preparing.prepared {
                                case .success(let found): prepared = found
                                case .failure(let error): throw error
                                }
                            }
                            if prepared == nil { prepared = try storage.prepare(transaction) }
                            appended = try storage.append(prepared!)
                        } catch {
                            speculation?.finish()
                            throw error
                        }
                        if appended {
                            adopt(transaction, from: start, to: work.next, source: options.source, state: &state)
                            committed(work.result)
                            ahead = speculation
                            break
                        }
                        speculation?.finish()
                        try catchUp()
                        attempts += 1
                        // As for one transaction: a batch that keeps losing the race to other
                        // processes is committed holding the storage's write lock.
                        if attempts >= 3 {
                            committed(try attemptHoldingLock(mutations, options: options, state: &state))
                            break
                        }
                    }
                    batch = upcoming
                }
            }
        } catch {
            observer?.refused(error, author: options.author, dataset: name)
            throw error
        }
    }

    private func nextNonEmpty(_ nextBatch: () throws(StoreError) -> [Mutation]?) throws(StoreError) -> [Mutation]? {
        while let batch = try nextBatch() {
            if !batch.isEmpty { return batch }
        }
        return nil
    }

    private func compactIfDue(_ next: DatasetSnapshot, state: inout WriterState) {
        if !state.compacting, state.bulkLoads == 0, next.overlay.count > Self.compactionThreshold(next) {
            state.compacting = true
            scheduleCompaction(of: next)
        }
    }

    /// Commits the transactions that `nextBatch` hands out, one after another, as one unit: they
    /// become durable and visible together, or (when a batch is refused, `nextBatch` throws, or
    /// the process dies first) none of them does. Each keeps its own place in history.
    ///
    /// This is how an import is all or nothing. Other writers, in this process and in others
    /// sharing the storage, wait until it returns; queries read the state before it meanwhile.
    /// `committed` is told of each transaction's result as it is worked out, before the unit is
    /// durable.
    public func commitAll(_ nextBatch: () throws(StoreError) -> [Mutation]?, options: TransactionOptions = TransactionOptions(),
                          committed: (TransactionResult) -> Void = { _ in }) throws(StoreError)
    {
        guard options.transactionId == nil else {
            throw StoreError.invalid("A unit of several transactions cannot take one transactionId", advice: "Leave transactionId out.")
        }
        do {
            try writer.withLock { (state: inout WriterState) throws(StoreError) in
                guard !state.closed else {
                    throw StoreError.storage("Dataset \"\(name)\" is closed", advice: "Open the store again.")
                }
                var working = current.withLock { $0 }
                var notices: [CommitNotice] = []
                var transactions: [CommittedTransaction] = []
                let listening = hub.count > 0
                try storage.appendAll(after: working.sequence) { (missed, append) throws(StoreError) in
                    // What other processes committed since this snapshot, read under the lock:
                    // the import is worked out on top of it, and no one can commit meanwhile.
                    apply(caughtUp: missed)
                    working = current.withLock { $0 }
                    while let batch = try nextBatch() {
                        guard !batch.isEmpty else { continue }
                        let (result, transaction, next) = try workOut(batch, options: options, on: working)
                        if let transaction {
                            try append(transaction)
                            transactions.append(transaction)
                            if listening { notices.append(notice(of: transaction, previousSnapshot: working)) }
                            working = next
                        }
                        committed(result)
                    }
                }
                countCommits(transactions.count, source: options.source)
                for transaction in transactions { observer?.committed(transaction, dataset: name) }
                current.withLock { $0 = working }
                for notice in notices { hub.publish(notice) }
                compactIfDue(working, state: &state)
            }
        } catch {
            observer?.refused(error, author: options.author, dataset: name)
            throw error
        }
    }

    private func publish(_ transaction: CommittedTransaction, previousSnapshot: DatasetSnapshot) {
        guard hub.count > 0 else { return }
        hub.publish(notice(of: transaction, previousSnapshot: previousSnapshot))
    }

    private func notice(of transaction: CommittedTransaction, previousSnapshot: DatasetSnapshot) -> CommitNotice {
        var previous: [String: JSONValue] = [:]
        for effect in transaction.effects { previous[effect.documentID] = previousSnapshot.document(id: effect.documentID) }
        return CommitNotice(transaction: transaction, previous: previous)
    }

    /// Applies the transactions other processes committed since the current snapshot, and tells
    /// this process's listeners about them. Called with the writer lock held.
    private func catchUp() throws(StoreError) {
        apply(caughtUp: try storage.transactions(after: current.withLock { $0.sequence }, limit: nil))
    }

    /// Applies transactions another process committed, in order, as ``catchUp()`` finds them.
    private func apply(caughtUp transactions: [CommittedTransaction]) {
        var snapshot = current.withLock { $0 }
        for transaction in transactions where transaction.sequence > snapshot.sequence {
            let next = snapshot.applying(transaction.effects.map { ($0.documentID, $0.document) }, sequence: transaction.sequence)
            // Queries see the change before listeners hear of it: a client that queries when the
            // event arrives must find what the event announced.
            current.withLock { $0 = next }
            countCommits(1, source: Self.externalSource)
            catchUpProbe.withLock { $0 }?(transaction)
            publish(transaction, previousSnapshot: snapshot)
            snapshot = next
        }
    }

    /// Catches up with transactions that other processes sharing the storage committed. Writes
    /// do this by themselves; a long-lived reader calls it to see them.
    public func refresh() throws(StoreError) {
        try writer.withLock { (_: inout WriterState) throws(StoreError) in try catchUp() }
    }

    /// How many changed documents a snapshot may carry on top of its base before the base is
    /// rebuilt: small enough that copying the overlay on a commit stays cheap, large enough that
    /// rebuilding (linear in the dataset) is rare.
    private static func compactionThreshold(_ snapshot: DatasetSnapshot) -> Int {
        max(1_024, min(snapshot.base.raw.documents.count / 16, 4_096))
    }

    private func scheduleCompaction(of snapshot: DatasetSnapshot) {
        DispatchQueue.global(qos: .utility).async { [self] in
            compact(snapshot)
        }
    }

    /// Folds `snapshot`'s overlay into a new base, then moves the current snapshot onto it.
    private func compact(_ snapshot: DatasetSnapshot) {
        let base = snapshot.compactedBase()
        writer.withLock { state in
            // A `compact()` may have finished meanwhile on a newer base: rebasing onto this older
            // one would drop from memory what changed between the two.
            current.withLock { if $0.base.sequence <= base.sequence { $0 = $0.rebased(onto: base) } }
            state.compacting = false
        }
        keepImage(of: self.snapshot)
    }

    /// Runs `body` with background compaction paused, then compacts once: for work that changes
    /// much of the dataset in many transactions (an import, a migration), where rebuilding the
    /// indexes every few thousand documents would cost more than the writes themselves.
    /// Queries meanwhile read the growing overlay on top of the old indexes.
    public func bulkLoad<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        writer.withLock { $0.bulkLoads += 1 }
        defer {
            writer.withLock { $0.bulkLoads -= 1 }
            compact()
        }
        return try body()
    }

    /// ``bulkLoad(_:)`` for asynchronous work (an analytics run writing a document per client
    /// through an action's pipeline).
    public func bulkLoad<Result>(_ body: () async throws -> Result) async rethrows -> Result {
        writer.withLock { $0.bulkLoads += 1 }
        defer {
            writer.withLock { $0.bulkLoads -= 1 }
            compact()
        }
        return try await body()
    }

    /// Builds the indexes from the current state now, instead of in the background later: after
    /// an import, so that the first queries do not merge a large overlay.
    public func compact() {
        writer.withLock { state in
            let snapshot = current.withLock { $0 }
            guard !snapshot.overlay.isEmpty else { return }
            // The documents are merged once, then the image is written from them on every core
            // while the indexes, most of which one thread builds, are built here: side by side,
            // a large load's last step takes the longer of the two rather than both.
            _ = snapshot.layered(.raw).documents
            keepImage(of: snapshot)
            let base = snapshot.compactedBase()
            current.withLock { $0 = $0.rebased(onto: base) }
        }
        keepImage(of: snapshot)
    }

    /// Subscribes to changes of the documents `query`'s filter matches (e.g. `*[_type == "customer"]`).
    public func listen(_ query: String, params: [String: JSONValue] = [:], options: ListenOptions = ListenOptions()) throws(StoreError) -> ListenerSubscription {
        let filter: GROQQuery
        do { filter = try GROQQuery(query, params: params) } catch {
            throw StoreError(.invalid, type: "queryParseError", message: error.formatted, advice: "Fix the listener's query at the position shown.")
        }
        let subscription = ListenerSubscription(filter: filter, params: params, options: options) { [hub] subscription in
            hub.remove(subscription)
        }
        hub.add(subscription)
        return subscription
    }

    /// How many subscriptions are open.
    public var listenerCount: Int { hub.count }

    /// Closes the file; later writes fail, open subscriptions end.
    func close() {
        imageWrites.wait()
        if !writer.withLock({ $0.closed }) { keepImage(of: snapshot, waiting: true) }
        writer.withLock { state in
            state.closed = true
            storage.close()
        }
        hub.closeAll()
    }
}

/// A batch worked out on another thread while the batch before it is written to storage.
private final class Speculation: Sendable {
    /// The state it was worked out on.
    let start: DatasetSnapshot
    private let worked = DispatchSemaphore(value: 0)
    private let preparedSignal = DispatchSemaphore(value: 0)
    private let work = Mutex<Result<Dataset.WorkedOut, StoreError>?>(nil)
    private let preparation = Mutex<Result<PreparedTransaction?, StoreError>?>(nil)

    init(of mutations: [Mutation], on start: DatasetSnapshot, options: TransactionOptions, dataset: Dataset) {
        self.start = start
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            let outcome = Result { () throws(StoreError) in try dataset.workOut(mutations, options: options, on: start) }
            work.withLock { $0 = outcome }
            worked.signal()
            // Prepared once the work is handed over, so that the batch after it is worked out
            // meanwhile. Sealing depends on no stored state: a speculation dropped because
            // another process committed first leaves at most data keys made ahead of their use.
            let prepared = Result { () throws(StoreError) -> PreparedTransaction? in
                guard case .success(let work) = outcome, let transaction = work.transaction else { return nil }
                return try dataset.storage.prepare(transaction)
            }
            preparation.withLock { $0 = prepared }
            preparedSignal.signal()
        }
    }

    /// What the mutations make of the state, once worked out.
    var workedOut: Result<Dataset.WorkedOut, StoreError> {
        worked.wait()
        worked.signal()
        return work.withLock { $0! }
    }

    /// The transaction prepared for storage (`nil` when there is none to write), once it is.
    var prepared: Result<PreparedTransaction?, StoreError> {
        preparedSignal.wait()
        preparedSignal.signal()
        return preparation.withLock { $0! }
    }

    /// Waits until nothing of it runs any more: no work is left behind when a run ends.
    func finish() {
        _ = prepared
    }
}
