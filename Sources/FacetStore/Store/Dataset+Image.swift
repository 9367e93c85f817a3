import Dispatch
import Foundation
import GROQ
import Synchronization

/// How a dataset was opened: from its image (see ``Dataset/openedFrom``) or from every stored
/// document.
public enum DatasetOpening: Sendable, Equatable {
    /// From the image of the transaction `sequence`, then `caughtUp` document revisions
    /// committed after it, read from history.
    case image(sequence: Int64, caughtUp: Int)
    /// From every stored document; `reason` says why no image was used.
    case documents(reason: String)
}

extension DatasetOpening: CustomStringConvertible {
    /// How a log line says it: "from its image (…)" or "every document read (…)".
    public var description: String {
        switch self {
        case .image(let sequence, let caughtUp):
            "from its image of transaction \(sequence)" + (caughtUp == 0 ? "" : ", then \(caughtUp) revisions from history")
        case .documents(let reason): "every document read (\(reason))"
        }
    }
}

/// When a dataset keeps an image of its documents, and when it writes a new one.
public struct ImagePolicy: Sendable {
    /// Whether images are read and written at all.
    public var isEnabled = true
    /// Datasets smaller than this keep no image: they open in milliseconds anyway.
    public var minimumDocuments: Int
    /// An image is rewritten once this many document revisions, or a twentieth of the
    /// documents if more, were committed after it.
    public var rewriteAfterRevisions: Int
    /// An image more than this many revisions behind, or a quarter of the documents if more, is
    /// not used: reading that much history costs more than reading the documents.
    public var maximumCatchUp: Int

    public init(minimumDocuments: Int = 2_000, rewriteAfterRevisions: Int = 1_000, maximumCatchUp: Int = 10_000) {
        self.minimumDocuments = minimumDocuments
        self.rewriteAfterRevisions = rewriteAfterRevisions
        self.maximumCatchUp = maximumCatchUp
    }

    /// No image read or written: every open reads every document.
    public static let none: ImagePolicy = {
        var policy = ImagePolicy()
        policy.isEnabled = false
        return policy
    }()

    func isStale(revisionsAfter: Int, documents: Int) -> Bool {
        revisionsAfter >= max(rewriteAfterRevisions, documents / 20)
    }

    func canCatchUp(revisionsAfter: Int, documents: Int) -> Bool {
        revisionsAfter <= max(maximumCatchUp, documents / 4)
    }
}

/// The image this process knows of, and the write under way.
struct ImageState {
    /// The sequence number of the image on disk (read or written by this process), `nil` when
    /// there is none or it was discarded.
    var sequence: Int64?
    var writing = false
}

/// What an image and the history after it hold.
struct OpenedImage {
    /// The image's documents, sorted by id.
    var documents: [JSONValue]
    var imageSequence: Int64
    /// The documents changed after the image (`nil` for a deletion), each once.
    var changes: [(id: String, document: JSONValue?)]
    /// The last transaction's sequence number.
    var sequence: Int64
    /// How many revisions the changes came from.
    var caughtUp: Int
}

extension Dataset {
    /// The documents and sequence number read from `storage`'s image and the history after it,
    /// or why the image cannot be used.
    static func openImage(storage: any DatasetStorage, sealing: (any DocumentSealing)?, name: String,
                          policy: ImagePolicy) -> Result<OpenedImage, DatasetImage.Unusable>
    {
        Result { () throws(DatasetImage.Unusable) in
            guard policy.isEnabled else { throw DatasetImage.Unusable(reason: "images are turned off") }
            guard let path = storage.imagePath else { throw DatasetImage.Unusable(reason: "this storage keeps no image") }
            let header = try DatasetImage.header(at: path)
            guard header.header.dataset == name else {
                throw DatasetImage.Unusable(reason: "the image is of dataset \"\(header.header.dataset)\"")
            }
            let mark: HistoryMark
            do throws(StoreError) { mark = try storage.historyMark(at: header.header.sequence) } catch {
                throw DatasetImage.Unusable(reason: "history could not be read: \(error.message)")
            }
            guard mark.transactionID == header.header.transactionID else {
                throw DatasetImage.Unusable(reason: "the image's last transaction is not in this dataset's history")
            }
            guard policy.canCatchUp(revisionsAfter: mark.revisionsAfter, documents: header.header.documents) else {
                throw DatasetImage.Unusable(reason: "the image is \(mark.revisionsAfter) revisions behind")
            }
            let cipher: (any ImageCipher)?
            if let sealing {
                guard let keyID = header.header.keyID else { throw DatasetImage.Unusable(reason: "the image is not sealed") }
                do throws(StoreError) { cipher = try sealing.imageCipher(dataset: name, keyID: keyID) } catch {
                    throw DatasetImage.Unusable(reason: "its key could not be opened: \(error.message)")
                }
                guard cipher != nil else { throw DatasetImage.Unusable(reason: "its key was destroyed") }
            } else {
                guard header.header.keyID == nil else { throw DatasetImage.Unusable(reason: "the image is sealed and this store seals nothing") }
                cipher = nil
            }
            let documents = try DatasetImage.documents(at: path, header: header, cipher: cipher)
            let later: [CommittedTransaction]
            do throws(StoreError) { later = try storage.transactions(after: header.header.sequence, limit: nil) } catch {
                throw DatasetImage.Unusable(reason: "history could not be read: \(error.message)")
            }
            // The last revision of each document stands: applied at once, each document is
            // looked up once.
            var latest: [String: JSONValue?] = [:]
            var order: [String] = []
            var caughtUp = 0
            for transaction in later {
                for effect in transaction.effects {
                    if latest.updateValue(effect.document, forKey: effect.documentID) == nil { order.append(effect.documentID) }
                    caughtUp += 1
                }
            }
            return OpenedImage(documents: documents, imageSequence: header.header.sequence,
                               changes: order.map { ($0, latest[$0]!) }, sequence: later.last?.sequence ?? header.header.sequence,
                               caughtUp: caughtUp)
        }
    }

    /// Writes an image of `snapshot` when the one on disk is missing or stale, in the
    /// background (or before returning, with `waiting`). At most one write runs at a time.
    func keepImage(of snapshot: DatasetSnapshot, waiting: Bool = false) {
        // Checked before counting: counting a snapshot with an overlay merges it, and this runs
        // after every compaction and on closing.
        guard imagePolicy.isEnabled, let path = storage.imagePath, snapshot.sequence > 0 else { return }
        let started = imageState.withLock { state -> Bool in
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        guard started else { return }
        imageWrites.enter()
        let work: @Sendable () -> Void = { [self] in
            defer {
                imageState.withLock { $0.writing = false }
                imageWrites.leave()
            }
            let count = snapshot.count
            guard count >= imagePolicy.minimumDocuments else { return }
            do throws(StoreError) {
                if let sequence = imageState.withLock({ $0.sequence }) {
                    guard sequence < snapshot.sequence else { return }
                    let behind = try storage.historyMark(at: sequence).revisionsAfter
                    guard imagePolicy.isStale(revisionsAfter: behind, documents: count) else { return }
                }
                guard let transactionID = try storage.historyMark(at: snapshot.sequence).transactionID else { return }
                let cipher: (any ImageCipher)?
                if let sealing {
                    guard let found = try sealing.imageCipher(dataset: name, keyID: nil) else { return }
                    cipher = found
                } else {
                    cipher = nil
                }
                let header = DatasetImage.Header(dataset: name, sequence: snapshot.sequence, transactionID: transactionID,
                                                 keyID: cipher?.keyID, documents: count)
                try DatasetImage.write(snapshot.layered(.raw).documents, header: header, cipher: cipher, to: path)
                imageState.withLock { $0.sequence = snapshot.sequence }
            } catch {
                // An image is only a quicker way in: without one, the next open reads every document.
            }
        }
        if waiting {
            work()
        } else {
            DispatchQueue.global(qos: .utility).async(execute: work)
        }
    }

    /// Writes the image now if the one on disk is missing or stale (see ``ImagePolicy``), after
    /// any write under way: for a tool that wants the next open to be quick without closing
    /// the dataset first.
    public func writeImage() {
        imageWrites.wait()
        keepImage(of: snapshot, waiting: true)
    }

    /// Removes the image, so that the next open reads every document: after an erasure, whose
    /// values the image may hold (their key is destroyed too, so a copy left anywhere stays
    /// unreadable).
    public func discardImage() {
        imageWrites.wait()
        imageState.withLock { $0.sequence = nil }
        if let path = storage.imagePath { unlink(path) }
    }
}
