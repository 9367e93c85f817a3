import Dispatch
import Foundation
import GROQ
import Synchronization

/// How documents are protected at rest: what the store writes in place of a document, and how it
/// reads it back.
///
/// The store applies a sealing at its storage boundary, so that the database file and its
/// history never hold what the sealing hides (FacetSecurity encrypts sensitive fields with
/// it), while snapshots, queries and validation work on the opened documents. Exports go out
/// sealed and imports are opened, so an export holds no more than the database file does.
public protocol DocumentSealing: Sendable {
    /// `document` as it is stored in `dataset`.
    func seal(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue

    /// A stored document opened again. A value that can no longer be opened (its key was
    /// destroyed) is left out rather than failing the read: that is what erasure means.
    /// It takes the document, so that an implementation holding its only reference opens the
    /// fields in place rather than copying it.
    func unseal(_ document: consuming JSONValue, dataset: String) throws(StoreError) -> JSONValue

    /// Many stored documents opened in place, as ``unseal(_:dataset:)`` opens each: what a
    /// dataset being loaded asks for, a batch at a time, so that a sealing can prepare at once
    /// what the documents share (their keys) and open them on every core.
    func unsealAll(_ documents: inout [JSONValue], dataset: String) throws(StoreError)

    /// A submitted mutation as history keeps it (history records what was asked, and must not
    /// keep a value the documents themselves only keep sealed).
    func sealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue

    /// A mutation from history opened again: what ``sealMutation(_:dataset:)`` sealed, as it was
    /// submitted (a value whose key was destroyed is left out, as ``unseal(_:dataset:)`` leaves
    /// it out of a document).
    func unsealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue

    /// `transaction` as the storage keeps it: each document as ``seal(_:dataset:)`` seals it and
    /// each mutation as ``sealMutation(_:dataset:)`` does. The store calls this once per commit,
    /// so that a sealing can do once what every document would otherwise repeat (make the new
    /// keys, look at the key state) and share the rest between the cores.
    func sealTransaction(_ transaction: CommittedTransaction, dataset: String) throws(StoreError) -> CommittedTransaction

    /// A document about to be written, with the sealed values a client sent back (from an
    /// export, say) opened: what validation checks and what this process keeps in memory is the
    /// same plain document a restart reads back. A value that does not belong where it is written
    /// is refused.
    func openSubmitted(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue

    /// What seals `dataset`'s image (its documents opened, kept beside it so that the next open
    /// is quick): with `keyID` `nil`, the key for a new image, made on first use; otherwise the
    /// key `keyID` an image names, or `nil` when that key is gone (destroyed by an erasure,
    /// which must make every image that held the erased values unreadable). A sealing that
    /// returns `nil` for a new image keeps the store from writing any.
    func imageCipher(dataset: String, keyID: String?) throws(StoreError) -> (any ImageCipher)?
}

extension DocumentSealing {
    /// Opens each document on every core.
    public func unsealAll(_ documents: inout [JSONValue], dataset: String) throws(StoreError) {
        try EveryCore.transform(&documents) { (_, document) throws(StoreError) in try unseal(document, dataset: dataset) }
    }

    /// No image: a sealing that does not say how to seal one keeps the store from writing its
    /// documents opened anywhere.
    public func imageCipher(dataset: String, keyID: String?) throws(StoreError) -> (any ImageCipher)? { nil }

    /// Opens nothing.
    public func openSubmitted(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue { document }

    /// Seals the documents, then the mutations, one by one.
    public func sealTransaction(_ transaction: CommittedTransaction, dataset: String) throws(StoreError) -> CommittedTransaction {
        var sealed = transaction
        for index in sealed.effects.indices {
            if let document = sealed.effects[index].document {
                sealed.effects[index].document = try seal(document, dataset: dataset)
            }
        }
        for index in sealed.mutations.indices {
            sealed.mutations[index] = try sealMutation(sealed.mutations[index], dataset: dataset)
        }
        return sealed
    }
}

/// A dataset's storage seen through a sealing: writes are sealed, reads opened.
struct SealedDatasetStorage: DatasetStorage {
    let inner: any DatasetStorage
    let sealing: any DocumentSealing
    let dataset: String

    func loadDocuments(opening open: ((inout [JSONValue]) throws(StoreError) -> Void)?) throws(StoreError)
        -> (documents: [JSONValue], sequence: Int64)
    {
        let (sealing, dataset) = (sealing, dataset)
        return try inner.loadDocuments { (batch) throws(StoreError) in
            // A data key per client and a decryption per sealed field make opening the largest
            // part of loading a dataset.
            try sealing.unsealAll(&batch, dataset: dataset)
            try open?(&batch)
        }
    }

    func prepare(_ transaction: CommittedTransaction) throws(StoreError) -> PreparedTransaction {
        try inner.prepare(sealed(transaction))
    }

    func append(_ transaction: PreparedTransaction) throws(StoreError) -> Bool {
        try inner.append(transaction)
    }

    func appendAll(after sequence: Int64,
                   _ body: (_ missed: [CommittedTransaction], _ append: (CommittedTransaction) throws(StoreError) -> Void) throws(StoreError) -> Void)
        throws(StoreError)
    {
        try inner.appendAll(after: sequence) { (missed, append) throws(StoreError) in
            // `body` only calls it while `appendAll` runs, as the one caller of both.
            try withoutActuallyEscaping(append) { (append) throws(StoreError) in
                try body(opened(missed)) { (transaction) throws(StoreError) in try append(sealed(transaction)) }
            }
        }
    }

    func appendHoldingLock(after sequence: Int64,
                           _ body: (_ missed: [CommittedTransaction]) throws(StoreError) -> CommittedTransaction?) throws(StoreError)
    {
        try inner.appendHoldingLock(after: sequence) { (missed) throws(StoreError) in
            try body(opened(missed)).map { (transaction) throws(StoreError) in try sealed(transaction) }
        }
    }

    private func sealed(_ transaction: CommittedTransaction) throws(StoreError) -> CommittedTransaction {
        try sealing.sealTransaction(transaction, dataset: dataset)
    }

    func containsTransaction(id: String) throws(StoreError) -> Bool { try inner.containsTransaction(id: id) }

    var expectsConcurrentWriters: Bool { inner.expectsConcurrentWriters }

    var imagePath: String? { inner.imagePath }

    func historyMark(at sequence: Int64) throws(StoreError) -> HistoryMark { try inner.historyMark(at: sequence) }

    func document(id: String, at point: RevisionPoint) throws(StoreError) -> JSONValue? {
        guard let document = try inner.document(id: id, at: point) else { return nil }
        return try sealing.unseal(document, dataset: dataset)
    }

    func transactions(touching documentIDs: [String], filter: HistoryFilter) throws(StoreError) -> [CommittedTransaction] {
        try opened(inner.transactions(touching: documentIDs, filter: filter))
    }

    func transactions(after sequence: Int64, limit: Int?) throws(StoreError) -> [CommittedTransaction] {
        try opened(inner.transactions(after: sequence, limit: limit))
    }

    /// Transactions as they were committed: their documents and mutations opened, so that no
    /// reader of history (the history API, a listener resuming, another process catching up)
    /// ever meets a sealed value.
    private func opened(_ transactions: [CommittedTransaction]) throws(StoreError) -> [CommittedTransaction] {
        var result = transactions
        for t in result.indices {
            for m in result[t].mutations.indices {
                result[t].mutations[m] = try sealing.unsealMutation(result[t].mutations[m], dataset: dataset)
            }
            for e in result[t].effects.indices {
                if let document = result[t].effects[e].document {
                    result[t].effects[e].document = try sealing.unseal(document, dataset: dataset)
                }
            }
        }
        return result
    }

    func close() { inner.close() }
}
