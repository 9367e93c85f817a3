import GROQ
import HashTreeCollections

/// Which documents hold each value of the fields the schema declares unique (a client's email,
/// an order's number), over the whole dataset, carried from one snapshot to the next.
///
/// A `unique` rule asks "which documents of this type hold this value?" for every document
/// written. Answered from the snapshot's indexes, that question cost a rebuild of the index of
/// every document changed since the last compaction, once per transaction: a seed or import
/// writing hundreds of thousands of documents in large transactions spent most of its time
/// there, and could not defer compaction. Kept here, a commit updates the few entries its
/// documents change (the tree shares everything else with the previous snapshot's), and the
/// question costs a lookup whatever the size of the overlay.
struct UniqueValues: Sendable {
    /// One kept (type, path) pair.
    private struct Slot: Hashable, Sendable {
        let type: String
        let path: [String]
    }

    private struct Key: Hashable, Sendable {
        let slot: Int32
        let value: FieldKey
    }

    /// The kept paths of each type, with their slot numbers.
    private let pathsByType: [String: [(path: [String], slot: Int32)]]
    private let slots: [Slot: Int32]
    /// The ids of the documents holding each value.
    private var holders: TreeDictionary<Key, Holders>
    /// How many commits these values have been carried through since they were built from
    /// every document: what shows that a commit updates them instead of building them again.
    private(set) var commitsCarried = 0

    /// Most values have one holder (that is what the rule asks for): kept without an array.
    private enum Holders: Sendable {
        case one(String)
        case several([String])

        var ids: [String] {
            switch self {
            case .one(let id): [id]
            case .several(let ids): ids
            }
        }

        func adding(_ id: String) -> Holders { .several(ids + [id]) }

        /// Without `id`; `nil` when no holder is left.
        func removing(_ id: String) -> Holders? {
            let left = ids.filter { $0 != id }
            return left.count > 1 ? .several(left) : left.first.map(Holders.one)
        }
    }

    /// The values at `paths` (attribute paths by document type) of every one of `documents`.
    init(paths: [String: [[String]]], documents: [JSONValue]) {
        var pathsByType: [String: [(path: [String], slot: Int32)]] = [:]
        var slots: [Slot: Int32] = [:]
        for (type, typePaths) in paths.sorted(by: { $0.key < $1.key }) {
            for path in typePaths where slots[Slot(type: type, path: path)] == nil {
                let slot = Int32(slots.count)
                slots[Slot(type: type, path: path)] = slot
                pathsByType[type, default: []].append((path, slot))
            }
        }
        self.pathsByType = pathsByType
        self.slots = slots
        holders = [:]
        guard !slots.isEmpty else { return }
        for document in documents {
            guard let id = document["_id"]?.stringValue else { continue }
            for key in keys(of: document) { holders[key] = holders[key]?.adding(id) ?? .one(id) }
        }
    }

    /// Whether no path is kept (the schema declares no unique field).
    var isEmpty: Bool { slots.isEmpty }

    /// These values after `changes`: each document's state before and after, by id.
    func applying(_ changes: some Sequence<(id: String, before: JSONValue?, after: JSONValue?)>) -> UniqueValues {
        guard !slots.isEmpty else { return self }
        var next = self
        next.commitsCarried += 1
        for change in changes {
            let removed = change.before.map(keys(of:)) ?? []
            let added = change.after.map(keys(of:)) ?? []
            guard removed != added else { continue }
            for key in removed { next.holders[key] = next.holders[key]?.removing(change.id) }
            for key in added { next.holders[key] = next.holders[key]?.adding(change.id) ?? .one(change.id) }
        }
        return next
    }

    /// The ids of the documents of `type` whose value at `path` has the key `value`; `nil`
    /// when that field is not one kept here.
    func holders(type: String, path: [String], value: FieldKey) -> [String]? {
        guard let slot = slots[Slot(type: type, path: path)] else { return nil }
        return holders[Key(slot: slot, value: value)]?.ids ?? []
    }

    /// The keys `document` holds at the paths kept for its type.
    private func keys(of document: JSONValue) -> [Key] {
        guard let type = document["_type"]?.stringValue, let paths = pathsByType[type] else { return [] }
        var keys: [Key] = []
        for (path, slot) in paths {
            var value: JSONValue? = document
            for name in path {
                guard case .object(let object)? = value else { value = nil; break }
                value = object[name]
            }
            if let value, let key = FieldKey(value) { keys.append(Key(slot: slot, value: key)) }
        }
        return keys
    }
}
