import GROQ

/// A dataset moved whole, with its history, from one backend to another: from a data directory
/// into PostgreSQL when a house outgrows one machine, and back.
///
/// The copy is written out of sight (``StorageBackend/stageDataset(_:)``) in one atomic unit,
/// checked against the source — the number of documents and transactions, and checksums of
/// both — and only then given its name: a copy that does not match, or a process killed
/// midway, leaves nothing behind. Values are copied as stored, sealed fields still sealed by the
/// data directory's keys.
///
/// ```swift
/// let report = try DatasetCopy.copy("production", from: SQLiteBackend(directory: "./facet-data"), to: postgres)
/// print(report.documents, report.transactions, report.checksum)
/// ```
public enum DatasetCopy {
    /// What was copied, and the checksums both sides agree on.
    public struct Report: Sendable, Equatable {
        public var documents: Int
        public var transactions: Int
        /// FNV-1a (64 bits) over every current document's JSON, in id order.
        public var documentChecksum: UInt64
        /// FNV-1a (64 bits) over every transaction's id, time, author, mutations and effects, in order.
        public var historyChecksum: UInt64

        /// Both checksums in hexadecimal, as printed.
        public var checksum: String {
            String(documentChecksum, radix: 16) + "-" + String(historyChecksum, radix: 16)
        }
    }

    /// Transactions read from the source per step.
    static let chunk = 500

    /// Copies dataset `name` of `source` into `target` as `targetName` (the same name by
    /// default). Throws `datasetExistsError` when the target has that name already.
    public static func copy(_ name: String, from source: any StorageBackend, to target: any StorageBackend,
                            as targetName: String? = nil) throws(StoreError) -> Report
    {
        let targetName = targetName ?? name
        if try target.datasetNames().contains(targetName) {
            throw StoreError(.conflict, type: "datasetExistsError", message: "The target already has a dataset \"\(targetName)\"",
                             advice: "Delete it there first, or copy under another name.")
        }
        let from = try source.openDataset(name, create: false)
        defer { from.close() }
        let staged = try target.stageDataset(targetName)
        do throws(StoreError) {
            var written = HistoryDigest()
            try staged.storage.appendAll(after: 0) { (missed, append) throws(StoreError) in
                guard missed.isEmpty else { throw StoreError.storage("The staged copy of \"\(targetName)\" was written to meanwhile") }
                try eachTransaction(of: from) { (transaction) throws(StoreError) in
                    written.add(transaction)
                    try append(transaction)
                }
            }
            var read = HistoryDigest()
            try eachTransaction(of: staged.storage) { (transaction) throws(StoreError) in read.add(transaction) }
            let sourceDocuments = try documentDigest(of: from)
            let copiedDocuments = try documentDigest(of: staged.storage)
            guard read == written, copiedDocuments == sourceDocuments else {
                throw StoreError.storage(
                    "The copy of \"\(name)\" does not match its source: \(copiedDocuments.count) documents and \(read.count) transactions "
                        + "against \(sourceDocuments.count) and \(written.count); nothing was kept",
                    advice: "Check that nothing else writes to the target, and try again.")
            }
            try staged.publish()
            return Report(documents: sourceDocuments.count, transactions: written.count, documentChecksum: sourceDocuments.hash,
                          historyChecksum: written.hash)
        } catch {
            staged.discard()
            throw error
        }
    }

    /// Hands each transaction of `storage` to `body`, in order, a chunk at a time.
    private static func eachTransaction(of storage: any DatasetStorage,
                                        _ body: (CommittedTransaction) throws(StoreError) -> Void) throws(StoreError)
    {
        var last: String?
        while true {
            // `fromTransaction` is inclusive: the chunk starts again at the last one handed out.
            var batch = try storage.transactions(touching: [], filter: HistoryFilter(fromTransaction: last, limit: chunk + (last == nil ? 0 : 1)))
            if last != nil, !batch.isEmpty { batch.removeFirst() }
            for transaction in batch { try body(transaction) }
            guard batch.count == chunk, let next = batch.last?.id else { return }
            last = next
        }
    }

    private static func documentDigest(of storage: any DatasetStorage) throws(StoreError) -> Digest {
        var digest = Digest()
        let documents = try storage.loadDocuments(opening: nil).documents
        for document in documents { digest.add(document.serialized()) }
        return digest
    }

    /// A count and an FNV-1a hash of text, in the order it was added.
    struct Digest: Equatable {
        var count = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ text: String) {
            count += 1
            mix(text)
        }

        mutating func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01B3
            }
            // A separator, so that "ab" + "c" and "a" + "bc" differ.
            hash ^= 0xFF
            hash = hash &* 0x0000_0100_0000_01B3
        }
    }

    /// A ``Digest`` of transactions: what history holds of each, effects in document order.
    struct HistoryDigest: Equatable {
        private var digest = Digest()
        var count: Int { digest.count }
        var hash: UInt64 { digest.hash }

        mutating func add(_ transaction: CommittedTransaction) {
            digest.add(String(transaction.sequence))
            for text in [transaction.id, transaction.timestamp, transaction.author ?? "", JSONValue.array(transaction.mutations).serialized()] {
                digest.mix(text)
            }
            for effect in transaction.effects.sorted(by: { $0.documentID.utf8Precedes($1.documentID) }) {
                for text in [effect.documentID, effect.previousRevision ?? "", effect.resultRevision, effect.document?.serialized() ?? ""] {
                    digest.mix(text)
                }
            }
        }
    }
}
