import Dispatch
import GROQ
import HashTreeCollections
import Synchronization

/// The state of a dataset after one committed transaction, frozen: what queries read.
///
/// A snapshot never changes, so a query that runs for seconds sees one consistent state while
/// writers go on committing newer snapshots. Reads in the three perspectives come from
/// ``source(_:)``.
///
/// ```swift
/// let snapshot = dataset.snapshot
/// let result = try GROQQuery("count(*[_type == 'customer'])").evaluate(in: snapshot.source(.published))
/// ```
public final class DatasetSnapshot: Sendable {
    let base: SnapshotBase
    /// Documents changed since `base` was built, by id; `nil` marks a deletion.
    let overlay: Overlay
    /// The sequence number of the transaction that last changed each overlay entry, so that a
    /// new base built from an older snapshot knows which later changes still apply.
    let overlaySequence: TreeDictionary<String, Int64>
    /// The sequence number of the last transaction this snapshot includes (0 for an empty dataset).
    public let sequence: Int64
    /// The holders of unique fields' values, over every document.
    let uniqueValues: UniqueValues
    private let views = Mutex<[Perspective: LayeredDocuments]>([:])
    /// Views through a ``DocumentVisibility``, by perspective and view key.
    private let restrictedViews = Mutex<[String: LayeredDocuments]>([:])

    init(base: SnapshotBase, overlay: Overlay, overlaySequence: TreeDictionary<String, Int64>, sequence: Int64,
         uniqueValues: UniqueValues)
    {
        self.base = base
        self.overlay = overlay
        self.overlaySequence = overlaySequence
        self.sequence = sequence
        self.uniqueValues = uniqueValues
    }

    /// A snapshot of `documents` (unique `_id`s, sorted by them as SQLite sorts text) as of
    /// `sequence`, with a value index of each of `indexedPaths` in every view, and the holders
    /// of the values at `uniquePaths` (attribute paths by document type).
    convenience init(documents: [JSONValue], sequence: Int64, indexedPaths: [[String]] = [], uniquePaths: [String: [[String]]] = [:]) {
        // The base and the unique holders each read the documents alone: built side by side,
        // opening a dataset waits for the longer of the two rather than for both.
        let (base, uniqueValues) = SideBySide.run({ SnapshotBase(InMemoryDataset(sortedUniqueDocuments: documents), indexedPaths: indexedPaths) },
                                                  { UniqueValues(paths: uniquePaths, documents: documents) })
        self.init(base: base, overlay: [:], overlaySequence: [:], sequence: sequence, uniqueValues: uniqueValues)
    }

    /// The documents a query sees in `perspective`.
    public func source(_ perspective: Perspective) -> any DocumentSource {
        layered(perspective)
    }

    func layered(_ perspective: Perspective) -> LayeredDocuments {
        if let view = views.withLock({ $0[perspective] }) { return view }
        let view: LayeredDocuments
        switch perspective {
        case .raw:
            view = LayeredDocuments(base: base.raw, overlay: overlay, uniqueValues: uniqueValues.isEmpty ? nil : uniqueValues)
        case .published:
            var changes = Overlay()
            for (id, document) in overlay where DocumentID.isPublished(id) { changes[id] = .some(document) }
            view = LayeredDocuments(base: base.view(.published), overlay: changes)
        case .drafts:
            var changes = Overlay()
            for id in overlay.keys where !DocumentID.isVersion(id) {
                let published = DocumentID.published(of: id)
                changes[published] = .some(draftsView(of: published))
            }
            view = LayeredDocuments(base: base.view(.drafts), overlay: changes)
        }
        views.withLock { $0[perspective] = view }
        return view
    }

    func restricted(_ perspective: Perspective, _ visibility: any DocumentVisibility) -> LayeredDocuments {
        // Built by hand: interpolating the enum would describe it by reflection on every query.
        let key = perspective.rawValue + "|" + visibility.viewKey
        if let view = restrictedViews.withLock({ $0[key] }) { return view }
        let full = layered(perspective)
        var changes = Overlay()
        for (id, document) in full.overlay { changes[id] = .some(document.flatMap(visibility.present)) }
        let view = LayeredDocuments(base: base.view(perspective, visibility: visibility), overlay: changes)
        restrictedViews.withLock { views in
            if views.count >= SnapshotBase.restrictedViewLimit { views.removeAll() }
            views[key] = view
        }
        return view
    }

    /// The current document with this id (raw perspective), or `nil`.
    public func document(id: String) -> JSONValue? {
        if let entry = overlay[id] { return entry }
        return base.raw.document(id: id)
    }

    /// How many documents the snapshot holds (all perspectives together).
    public var count: Int { layered(.raw).documents.count }

    /// What the drafts perspective shows under a published id: the draft if there is one, else
    /// the published document, with `_id` the published id and `_originalId` the stored one.
    func draftsView(of publishedID: String) -> JSONValue? {
        if let draft = document(id: DocumentID.draft(of: publishedID)) { return SnapshotBase.presented(draft, as: publishedID) }
        if let published = document(id: publishedID) { return SnapshotBase.presented(published, as: publishedID) }
        return nil
    }

    /// The snapshot after a transaction that changed `changes` and got `sequence`. `applied` is
    /// this snapshot's overlay and unique holders with exactly `changes` applied, when the
    /// transaction already made them (its validation does).
    func applying(_ changes: [(id: String, document: JSONValue?)], sequence: Int64,
                  applied: (overlay: Overlay, uniqueValues: UniqueValues)? = nil) -> DatasetSnapshot
    {
        var overlaySequence = self.overlaySequence
        for change in changes { overlaySequence[change.id] = sequence }
        if let applied {
            return DatasetSnapshot(base: base, overlay: applied.overlay, overlaySequence: overlaySequence, sequence: sequence,
                                   uniqueValues: applied.uniqueValues)
        }
        var overlay = self.overlay
        for change in changes { overlay[change.id] = .some(change.document) }
        let uniqueValues = self.uniqueValues.applying(changes.lazy.map { ($0.id, self.document(id: $0.id), $0.document) })
        return DatasetSnapshot(base: base, overlay: overlay, overlaySequence: overlaySequence, sequence: sequence, uniqueValues: uniqueValues)
    }

    /// This snapshot's documents folded into a new base, with the same views prepared as the
    /// current base has (so the first query after a swap does not pay for them).
    func compactedBase() -> SnapshotBase {
        let next = SnapshotBase(InMemoryDataset(sortedUniqueDocuments: layered(.raw).documents), sequence: sequence,
                                indexedPaths: base.indexedPaths)
        for perspective in base.preparedViews + [.raw] {
            let view = next.view(perspective)
            for path in base.view(perspective).indexedPaths { view.prepareIndex(path) }
        }
        return next
    }

    /// This snapshot rebased onto `newBase`, which was built from the snapshot at `newBase.sequence`:
    /// only changes committed after that stay in the overlay.
    func rebased(onto newBase: SnapshotBase) -> DatasetSnapshot {
        var overlay = Overlay()
        var overlaySequence = TreeDictionary<String, Int64>()
        for (id, changed) in self.overlaySequence where changed > newBase.sequence {
            overlay[id] = self.overlay[id]
            overlaySequence[id] = changed
        }
        return DatasetSnapshot(base: newBase, overlay: overlay, overlaySequence: overlaySequence, sequence: sequence,
                               uniqueValues: uniqueValues)
    }
}

/// The indexed part of a snapshot, shared by every snapshot until the next compaction, with its
/// published and drafts views built the first time they are asked for.
final class SnapshotBase: Sendable {
    let raw: InMemoryDataset
    /// The sequence number of the snapshot this base was built from.
    let sequence: Int64
    private let views = Mutex<[Perspective: InMemoryDataset]>([:])
    private let building = Mutex(())
    private let restrictedViews = Mutex<[String: InMemoryDataset]>([:])
    /// How many restricted views a base or snapshot keeps: one per role, and per user for rules
    /// that depend on who asks; past this they are built again on demand.
    static let restrictedViewLimit = 64

    /// The paths the schema declares indexed, prepared in every view when it is built.
    let indexedPaths: [[String]]

    init(_ raw: InMemoryDataset, sequence: Int64 = 0, indexedPaths: [[String]] = []) {
        self.raw = raw
        self.sequence = sequence
        self.indexedPaths = indexedPaths
        prepareDeclared(raw)
    }

    private func prepareDeclared(_ view: InMemoryDataset) {
        // Each index reads the documents alone: side by side they take the time of the longest.
        let paths = indexedPaths
        DispatchQueue.concurrentPerform(iterations: paths.count) { view.prepareIndex(.values(paths[$0]), declared: true) }
    }

    var preparedViews: [Perspective] { views.withLock { Array($0.keys) } }

    func view(_ perspective: Perspective) -> InMemoryDataset {
        if perspective == .raw { return raw }
        if let view = views.withLock({ $0[perspective] }) { return view }
        // One build at a time: a query that asks for a view while it is being built (by the
        // server's warm-up, or another query) waits for it rather than building a second copy.
        return building.withLock { _ in
            if let view = views.withLock({ $0[perspective] }) { return view }
            return build(perspective)
        }
    }

    private func build(_ perspective: Perspective) -> InMemoryDataset {
        let view: InMemoryDataset
        switch perspective {
        case .raw, .published:
            let published = raw.documents.filter { DocumentID.isPublished($0["_id"]?.stringValue ?? "") }
            // A dataset without drafts or versions (an import, a seed) shows the same documents
            // published as raw: the raw view serves both, rather than a second set of indexes.
            guard published.count < raw.documents.count else {
                views.withLock { $0[perspective] = raw }
                return raw
            }
            view = InMemoryDataset(sortedUniqueDocuments: published)
        case .drafts:
            let shown = Self.draftsView(of: raw)
            // Without drafts or versions, each document is shown in its own place under its own
            // id, with `_originalId` added: the raw view's id and reference indexes serve as they are.
            let onlyPublished = shown.count == raw.documents.count
                && raw.documents.allSatisfy { DocumentID.isPublished($0["_id"]?.stringValue ?? "") }
            view = (onlyPublished ? InMemoryDataset(documents: shown, sharingPositionsWith: raw) : nil)
                ?? InMemoryDataset(sortedUniqueDocuments: shown)
        }
        prepareDeclared(view)
        views.withLock { $0[perspective] = view }
        return view
    }

    /// `view(perspective)` as `visibility` shows it, built once.
    func view(_ perspective: Perspective, visibility: any DocumentVisibility) -> InMemoryDataset {
        // Built by hand: interpolating the enum would describe it by reflection on every query.
        let key = perspective.rawValue + "|" + visibility.viewKey
        if let view = restrictedViews.withLock({ $0[key] }) { return view }
        let full = view(perspective)
        let shown = full.documents.compactMap(visibility.present)
        // Filtering keeps the order, and every view is sorted by the ids it shows.
        let view = InMemoryDataset(sortedUniqueDocuments: shown)
        prepareDeclared(view)
        restrictedViews.withLock { views in
            if views.count >= Self.restrictedViewLimit { views.removeAll() }
            views[key] = view
        }
        return view
    }

    /// What the drafts perspective shows of `raw`, sorted by the ids shown, without sorting:
    /// the raw documents are sorted by id already, so each published document (or its draft)
    /// keeps its place, and only the drafts of documents never published are sorted and
    /// merged in. (Sorting a million presented documents took most of the half minute the
    /// first drafts query spent building the view.)
    static func draftsView(of raw: InMemoryDataset) -> [JSONValue] {
        var drafts: [String: JSONValue] = [:]
        for document in raw.documents {
            if let id = document["_id"]?.stringValue, DocumentID.isDraft(id) { drafts[DocumentID.published(of: id)] = document }
        }
        let unpublished = drafts.filter { raw.document(id: $0.key) == nil }
            .sorted { $0.key.utf8Precedes($1.key) }
        var shown: [JSONValue] = []
        shown.reserveCapacity(raw.documents.count - drafts.count + unpublished.count)
        var next = 0
        for document in raw.documents {
            guard let id = document["_id"]?.stringValue, DocumentID.isPublished(id) else { continue }
            while next < unpublished.count, unpublished[next].key.utf8Precedes(id) {
                shown.append(presented(unpublished[next].value, as: unpublished[next].key))
                next += 1
            }
            shown.append(presented(drafts[id] ?? document, as: id))
        }
        for (id, draft) in unpublished[next...] { shown.append(presented(draft, as: id)) }
        return shown
    }

    /// `document` under `publishedID`, with `_originalId` keeping its stored id.
    static func presented(_ document: JSONValue, as publishedID: String) -> JSONValue {
        guard case .object(let object) = document, let id = object["_id"]?.stringValue else { return document }
        // A published document shown as itself shares its members with the stored one: the
        // drafts view of a dataset then costs a few bytes per document, not a copy of each.
        if id == publishedID, object["_originalId"] == nil { return .object(object.appending("_originalId", .string(id))) }
        // Built with exactly the room it needs: adding a key to a shared object would copy it
        // with room to grow, which a view of every document in the dataset pays for in full.
        var shown = JSONObject(minimumCapacity: object.count + 1)
        for (key, value) in object {
            shown[key] = key == "_id" ? .string(publishedID) : key == "_originalId" ? .string(id) : value
        }
        if object["_originalId"] == nil { shown["_originalId"] = .string(id) }
        return .object(shown)
    }
}
