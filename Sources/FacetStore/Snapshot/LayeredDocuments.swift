import GROQ
import HashTreeCollections
import Synchronization

/// Changed documents by `_id` (`nil` marks a deletion), in a persistent hash tree: a commit
/// makes a new overlay sharing all but a few nodes with the last one, so its cost does not grow
/// with the number of changes since the last compaction.
typealias Overlay = TreeDictionary<String, JSONValue?>

/// A ``DocumentSource`` made of an indexed base and the changes made since it was built.
///
/// Rebuilding the indexes of a large dataset on every commit would cost milliseconds; instead a
/// commit only adds to the overlay, and a query merges the base with the overlay the first time
/// it needs a list (the merged lists are then kept for the life of this snapshot). The store
/// folds the overlay into a new base in the background once it grows.
final class LayeredDocuments: DocumentSource {
    let base: InMemoryDataset
    /// Changed documents by `_id`; `nil` marks a deletion.
    let overlay: Overlay
    /// The holders of unique fields' values in these documents, when the view has them (the
    /// raw view and a transaction's working view of it).
    let uniqueValues: UniqueValues?
    private let merged = Mutex(MergedLists())
    private let overlayBuild = Mutex(())

    private struct MergedLists {
        var all: [JSONValue]?
        var byType: [String: [JSONValue]] = [:]
        var byReference: [String: [JSONValue]] = [:]
        /// For each referenced id, the overlay documents that reference it.
        var overlayReferences: [String: [JSONValue]]?
        /// The overlay's documents, indexed for lookups.
        var overlayDocuments: InMemoryDataset?
        /// Answers to recent index lookups, and how many documents they hold in all.
        var answers: [IndexLookup: [JSONValue]] = [:]
        var answeredDocuments = 0
    }

    /// Bounds on the answers kept per snapshot: enough for a per-row sub-query over thousands
    /// of rows and the queries that repeat it, not a copy of the dataset.
    static let maxAnswers = 4_096
    static let maxAnsweredDocuments = 262_144

    /// How many answers, and documents in them, the lookup cache holds now.
    var cachedAnswers: (answers: Int, documents: Int) {
        merged.withLock { ($0.answers.count, $0.answeredDocuments) }
    }

    init(base: InMemoryDataset, overlay: Overlay, uniqueValues: UniqueValues? = nil) {
        self.base = base
        self.overlay = overlay
        self.uniqueValues = uniqueValues
    }

    var documents: [JSONValue] {
        if overlay.isEmpty { return base.documents }
        if let all = merged.withLock({ $0.all }) { return all }
        let all = merge(base.documents, overlay.values.compactMap { $0 })
        merged.withLock { $0.all = all }
        return all
    }

    func document(id: String) -> JSONValue? {
        if let entry = overlay[id] { return entry }
        return base.document(id: id)
    }

    func documents(ofType type: String) -> [JSONValue]? {
        if overlay.isEmpty { return base.documents(ofType: type) }
        if let list = merged.withLock({ $0.byType[type] }) { return list }
        let added = overlay.values.compactMap { $0 }.filter { $0["_type"]?.stringValue == type }
        let list = merge(base.documents(ofType: type) ?? [], added)
        merged.withLock { $0.byType[type] = list }
        return list
    }

    func documents(referencing id: String) -> [JSONValue]? {
        if overlay.isEmpty { return base.documents(referencing: id) }
        if let list = merged.withLock({ $0.byReference[id] }) { return list }
        let overlayReferences = merged.withLock { $0.overlayReferences } ?? {
            var index: [String: [JSONValue]] = [:]
            for case let document? in overlay.values {
                for target in ReferenceScan.targets(in: document) { index[target, default: []].append(document) }
            }
            merged.withLock { $0.overlayReferences = index }
            return index
        }()
        let list = merge(base.documents(referencing: id) ?? [], overlayReferences[id] ?? [])
        merged.withLock { $0.byReference[id] = list }
        return list
    }

    func documents(answering lookup: IndexLookup) -> [JSONValue]? {
        if let held = heldUniqueValues(lookup) { return held }
        // A sub-query run once per row asks the same few questions again and again (a count and
        // a sum per staff member), and so does a dashboard reloading on an unchanged snapshot.
        if let known = merged.withLock({ $0.answers[lookup] }) { return known }
        guard let answer = answer(lookup) else { return nil }
        merged.withLock { lists in
            if lists.answers.count >= Self.maxAnswers || lists.answeredDocuments + answer.count > Self.maxAnsweredDocuments {
                lists.answers.removeAll()
                lists.answeredDocuments = 0
            }
            if answer.count <= Self.maxAnsweredDocuments / 4 {
                lists.answers[lookup] = answer
                lists.answeredDocuments += answer.count
            }
        }
        return answer
    }

    /// The answer to `_type == T && field == value` for a field `T` declares unique, from the
    /// holders kept for it: what a `unique` rule asks for every document written.
    private func heldUniqueValues(_ lookup: IndexLookup) -> [JSONValue]? {
        guard let uniqueValues, case .fields(let conditions) = lookup, conditions.count == 2,
              let typeCondition = conditions.firstIndex(where: { $0.path == ["_type"] }),
              case .oneOf(let types) = conditions[typeCondition].test, types.count == 1, case .string(let type) = types[0],
              case .oneOf(let keys) = conditions[1 - typeCondition].test
        else { return nil }
        let path = conditions[1 - typeCondition].path
        var ids = Set<String>()
        for key in keys {
            guard let holders = uniqueValues.holders(type: type, path: path, value: key) else { return nil }
            ids.formUnion(holders)
        }
        return ids.sorted { $0.utf8Precedes($1) }.compactMap(document(id:))
    }

    private func answer(_ lookup: IndexLookup) -> [JSONValue]? {
        guard let found = base.documents(answering: lookup) else { return nil }
        if overlay.isEmpty { return found }
        // The overlay's documents get indexes of their own, built once per snapshot: a few
        // thousand documents, where testing each at every lookup would cost more.
        let changed = merged.withLock { $0.overlayDocuments } ?? overlayBuild.withLock { _ in
            // One build: validation asks from every core at once.
            if let built = merged.withLock({ $0.overlayDocuments }) { return built }
            let changed = InMemoryDataset(overlay.values.compactMap { $0 })
            merged.withLock { $0.overlayDocuments = changed }
            return changed
        }
        guard let added = changed.documents(answering: lookup) else { return nil }
        return merge(found, added)
    }

    /// `baseList` without the documents the overlay replaces or deletes, merged with `added`, in `_id` order.
    private func merge(_ baseList: [JSONValue], _ added: [JSONValue]) -> [JSONValue] {
        let keyed = Self.sortedByID(added.map { (id: idOf($0), document: $0) })
        var result: [JSONValue] = []
        result.reserveCapacity(baseList.count + keyed.count)
        var next = 0
        for document in baseList {
            let id = idOf(document)
            if overlay[id] != nil { continue }
            while next < keyed.count, keyed[next].id.utf8Precedes(id) {
                result.append(keyed[next].document)
                next += 1
            }
            result.append(document)
        }
        for entry in keyed[next...] { result.append(entry.document) }
        return result
    }

    private func idOf(_ document: JSONValue) -> String { document["_id"]?.stringValue ?? "" }

    /// `keyed` sorted by id; a long list (all of a large load, when its indexes are rebuilt)
    /// in two halves on two cores, then merged.
    private static func sortedByID(_ keyed: [(id: String, document: JSONValue)]) -> [(id: String, document: JSONValue)] {
        guard keyed.count >= 65_536 else { return keyed.sorted { $0.id.utf8Precedes($1.id) } }
        let middle = keyed.count / 2
        let (first, second) = SideBySide.run({ keyed[..<middle].sorted { $0.id.utf8Precedes($1.id) } },
                                             { keyed[middle...].sorted { $0.id.utf8Precedes($1.id) } })
        return DocumentOrder.merge(first, second, id: \.id)
    }
}
