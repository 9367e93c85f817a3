/// The documents a query runs over: what `*` yields, and the lookups that let the evaluator
/// answer `_id`, `_type`, `->` and `references()` without scanning.
///
/// A store implements this over its snapshot; ``InMemoryDataset`` implements it over an array.
/// Sources are objects: an evaluation holds one reference to its source for its whole run
/// instead of counting a reference at every lookup.
public protocol DocumentSource: AnyObject, Sendable {
    /// Every document, in the order `*` yields them (by `_id`).
    var documents: [JSONValue] { get }
    /// The document with this `_id`, used by `->`.
    func document(id: String) -> JSONValue?
    /// The documents of one `_type`, in `*` order; `nil` when the source keeps no such index.
    func documents(ofType type: String) -> [JSONValue]?
    /// The documents that hold a reference (`_ref`) to `id` anywhere, in `*` order; `nil` when
    /// the source keeps no such index.
    func documents(referencing id: String) -> [JSONValue]?
    /// The documents answering `lookup`, in `*` order; `nil` when the source keeps no index
    /// for it (the evaluator then tests every document).
    func documents(answering lookup: IndexLookup) -> [JSONValue]?
}

extension DocumentSource {
    public func documents(answering lookup: IndexLookup) -> [JSONValue]? {
        nil
    }
}

/// Documents held in memory, sorted by `_id`, with indexes on `_id`, `_type` and references.
///
/// A class, so that the evaluator reaches it through one reference rather than copying its
/// indexes at every lookup; it is immutable, hence `Sendable`.
///
/// ```swift
/// let dataset = InMemoryDataset([
///     ["_id": "c-1", "_type": "customer", "name": "Ada"],
///     ["_id": "o-1", "_type": "order", "customer": ["_ref": "c-1"]],
/// ])
/// let result = try GROQQuery("*[_type == 'order']{customer->name}").evaluate(in: dataset)
/// ```
public final class InMemoryDataset: DocumentSource {
    public let documents: [JSONValue]
    /// Positions in `documents`: an `Int32` where a copy of the value took 24 bytes.
    private let byID: [String: Int32]
    private let byType: [String: [JSONValue]]
    /// Positions in `documents`, as `byID`: a reference list is read a few documents at a time,
    /// and the dataset holds several references per document.
    private let byReference: [String: [Int32]]
    /// Token and value indexes, each built the first time a lookup reads its path.
    private let lazyIndexes = LazyIndexes()

    /// Documents with the same `_id` keep only the last one, as importing them one after the
    /// other would (each replaces the one before).
    public convenience init(_ documents: [JSONValue]) {
        var lastIndexOfID: [String: Int] = [:]
        for (index, doc) in documents.enumerated() {
            if let id = doc["_id"]?.stringValue { lastIndexOfID[id] = index }
        }
        let unique = documents.enumerated().filter { index, doc in
            guard let id = doc["_id"]?.stringValue else { return true }
            return lastIndexOfID[id] == index
        }.map(\.element)
        let sorted = unique.enumerated().sorted { a, b in
            let ia = a.element["_id"]?.stringValue, ib = b.element["_id"]?.stringValue
            switch (ia, ib) {
            case let (x?, y?): return x == y ? a.offset < b.offset : x.utf8Precedes(y)
            case (nil, _?): return false
            case (_?, nil): return true
            case (nil, nil): return a.offset < b.offset
            }
        }.map(\.element)
        self.init(indexing: sorted)
    }

    /// Documents that are already unique by `_id` and sorted by it (UTF-8 order), as a store's
    /// snapshot hands them over: indexing them skips the de-duplication and the sort.
    public convenience init(sortedUniqueDocuments documents: [JSONValue]) {
        self.init(indexing: documents)
    }

    private init(indexing sorted: [JSONValue]) {
        // The reference index (a walk of every document) and the id and type indexes are
        // built side by side for a large dataset: a store rebuilds them after a large load.
        let ((byID, byType), byReference) = ParallelMap.chunkCount(for: sorted.count) > 1
            ? SideBySide.run({ Self.idAndTypeIndexes(sorted) }, { Self.referenceIndex(sorted) })
            : (Self.idAndTypeIndexes(sorted), Self.referenceIndex(sorted))
        self.documents = sorted
        self.byID = byID
        self.byType = byType
        self.byReference = byReference
    }

    /// Positions by `_id` (the first of a repeated one) and documents by `_type`.
    private static func idAndTypeIndexes(_ sorted: [JSONValue]) -> ([String: Int32], [String: [JSONValue]]) {
        var ids: [String: Int32] = Dictionary(minimumCapacity: sorted.count)
        var types: [String: [JSONValue]] = [:]
        for (position, doc) in sorted.enumerated() {
            guard case .object(let object) = doc else { continue }
            if case .string(let id)? = object["_id"], ids[id] == nil { ids[id] = Int32(position) }
            if case .string(let type)? = object["_type"] { types[type, default: []].append(doc) }
        }
        // Grown by appending, each list kept up to twice the room it needed, for the life of
        // the view: copied to its size, they take a third less.
        return (ids, types.mapValues(fitted))
    }

    /// The positions of the documents referencing each id.
    private static func referenceIndex(_ sorted: [JSONValue]) -> [String: [Int32]] {
        var index: [String: [Int32]] = [:]
        var refs: [String] = []
        for (position, doc) in sorted.enumerated() {
            refs.removeAll(keepingCapacity: true)
            appendReferences(doc, to: &refs)
            for (offset, ref) in refs.enumerated() where !refs[..<offset].contains(ref) {
                index[ref, default: []].append(Int32(position))
            }
        }
        return index.mapValues(fitted)
    }

    /// `documents`, each in the place of `layout`'s document with the same `_id` and the same
    /// references (a view that only adds members, such as `_originalId`, to every document):
    /// the id and reference indexes are `layout`'s, shared rather than built again. `nil` when
    /// the ids do not line up.
    public init?(documents: [JSONValue], sharingPositionsWith layout: InMemoryDataset) {
        guard documents.count == layout.documents.count else { return nil }
        var byType: [String: [JSONValue]] = [:]
        for (document, laidOut) in zip(documents, layout.documents) {
            guard case .object(let object) = document, case .string(let id)? = object["_id"], id == laidOut["_id"]?.stringValue else { return nil }
            if case .string(let type)? = object["_type"] { byType[type, default: []].append(document) }
        }
        self.documents = documents
        byID = layout.byID
        byReference = layout.byReference
        self.byType = byType.mapValues(Self.fitted)
    }

    /// `list` in an allocation of its own size.
    private static func fitted<Element>(_ list: [Element]) -> [Element] {
        guard list.capacity > list.count else { return list }
        return [Element](unsafeUninitializedCapacity: list.count) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: list)
        }
    }

    /// Appends the `_ref` of every reference in `value`, repeats included: a document holds few
    /// references, so a linear check for repeats is cheaper than hashing each into a set.
    static func appendReferences(_ value: JSONValue, to refs: inout [String]) {
        switch value {
        case .array(let items):
            for item in items { appendReferences(item, to: &refs) }
        case .object(let object):
            if case .string(let ref)? = object["_ref"] { refs.append(ref) }
            for member in object.values {
                switch member {
                case .array, .object: appendReferences(member, to: &refs)
                default: break
                }
            }
        default:
            break
        }
    }

    /// Adds to `refs` the `_ref` of every reference anywhere in `value`.
    public static func collectReferences(_ value: JSONValue, into refs: inout Set<String>) {
        switch value {
        case .array(let items):
            for item in items { collectReferences(item, into: &refs) }
        case .object(let object):
            if case .string(let ref)? = object["_ref"] { refs.insert(ref) }
            for (_, member) in object { collectReferences(member, into: &refs) }
        default:
            break
        }
    }

    public func document(id: String) -> JSONValue? {
        byID[id].map { documents[Int($0)] }
    }

    public func documents(ofType type: String) -> [JSONValue]? {
        byType[type] ?? []
    }

    public func documents(referencing id: String) -> [JSONValue]? {
        byReference[id].map { $0.map { documents[Int($0)] } } ?? []
    }

    public func documents(answering lookup: IndexLookup) -> [JSONValue]? {
        lazyIndexes.positions(answering: lookup, in: documents).map { $0.map { documents[Int($0)] } }
    }

    /// How many value indexes a source builds by itself, for the fields queries filter on; those
    /// the schema declares are kept beyond it.
    public static let maxBuiltValueIndexes = LazyIndexes.maxValueIndexes

    /// The indexes built so far, so that a rebuilt source can build them ahead of its first query.
    public var indexedPaths: [IndexedPath] { lazyIndexes.paths }

    /// Builds the index of `path` now rather than at the first lookup that reads it. A
    /// `declared` index (one the schema asks for) is kept beyond the bound on the value indexes
    /// a dataset builds by itself.
    public func prepareIndex(_ path: IndexedPath, declared: Bool = false) {
        lazyIndexes.prepare(path, in: documents, declared: declared)
    }
}

/// The order `*` yields documents in: by `_id`, compared as UTF-8 bytes.
public enum DocumentOrder {
    /// Two lists, each in `*` order, as one list in `*` order.
    public static func merge(_ first: [JSONValue], _ second: [JSONValue]) -> [JSONValue] {
        merge(first, second) { $0["_id"]?.stringValue ?? "" }
    }

    /// Two lists sorted by `id` (UTF-8 order) merged into one; of equal ids, `first`'s come first.
    public static func merge<Element>(_ first: [Element], _ second: [Element], id: (Element) -> String) -> [Element] {
        var result: [Element] = []
        result.reserveCapacity(first.count + second.count)
        var i = 0, j = 0
        while i < first.count, j < second.count {
            if id(second[j]).utf8Precedes(id(first[i])) {
                result.append(second[j]); j += 1
            } else {
                result.append(first[i]); i += 1
            }
        }
        result.append(contentsOf: first[i...])
        result.append(contentsOf: second[j...])
        return result
    }

    /// The documents of either list, each once, in `*` order; both lists are in `*` order.
    /// `nil` when a document has no string `_id`, which leaves nothing to merge by.
    public static func union(_ first: [JSONValue], _ second: [JSONValue]) -> [JSONValue]? {
        var result: [JSONValue] = []
        result.reserveCapacity(max(first.count, second.count))
        var i = 0, j = 0
        while i < first.count, j < second.count {
            guard let a = first[i]["_id"]?.stringValue, let b = second[j]["_id"]?.stringValue else { return nil }
            if a.utf8.elementsEqual(b.utf8) {
                result.append(first[i]); i += 1; j += 1
            } else if b.utf8Precedes(a) {
                result.append(second[j]); j += 1
            } else {
                result.append(first[i]); i += 1
            }
        }
        let rest = first[i...] + second[j...]
        guard rest.allSatisfy({ $0["_id"]?.stringValue != nil }) else { return nil }
        result.append(contentsOf: rest)
        return result
    }
}

/// A source whose filters are evaluated document by document by the evaluator alone, without
/// the field checks a scan otherwise reads straight from each document: the plain reference
/// that plans and checks are tested against.
protocol EvaluatedByScan: DocumentSource {}
