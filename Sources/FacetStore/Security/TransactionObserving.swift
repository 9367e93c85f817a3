/// Told about every transaction a dataset commits or refuses, whoever asked for it (HTTP, the
/// command line, an action, a migration): where an audit log hooks into the one mutation pipeline.
///
/// Calls arrive on the committing thread while the dataset's writer lock is held, in commit
/// order; an observer should record and return quickly.
public protocol TransactionObserving: Sendable {
    /// `transaction` is durable in `dataset` (its documents as the store's snapshot holds them).
    func committed(_ transaction: CommittedTransaction, dataset: String)

    /// A transaction by `author` was refused with `error` and nothing was written.
    func refused(_ error: StoreError, author: String?, dataset: String)
}
