import Synchronization

/// A question a ``DocumentSource`` may answer from an index it builds the first time it is
/// asked, instead of the evaluator testing every document.
///
/// ```swift
/// // The clients in one segment, without reading the others:
/// let vip = dataset.documents(answering: .fields([FieldCondition(path: ["segment"], keys: [.string("vip")])]))
/// ```
public enum IndexLookup: Hashable, Sendable {
    /// The documents in which every one of `prefixes` (folded UTF-8, as `match` folds text)
    /// starts some token of the text at one of `paths`: the candidates of a `match` over those
    /// paths. An answer may hold more documents than match, never fewer.
    case tokens(prefixes: [[UInt8]], paths: [[String]])
    /// The documents meeting every condition (`_type == "order" && status in ["paid",
    /// "shipped"]`), as `==` and `in` compare: exact.
    case fields([FieldCondition])
}

/// A field's value is a string, number or boolean equal to one of `keys`.
public struct FieldCondition: Hashable, Sendable {
    /// Attribute names from the document down (`["address", "city"]`).
    public let path: [String]
    public let keys: [FieldKey]

    public init(path: [String], keys: [FieldKey]) {
        self.path = path
        self.keys = keys
    }
}

/// An index a source builds on demand: the tokens or the values found at one path.
public enum IndexedPath: Hashable, Sendable {
    case tokens([String])
    case values([String])
}

/// A string, number or boolean as `==` compares it (`1 == 1.0`), usable as a dictionary key.
public enum FieldKey: Hashable, Sendable {
    case string(String)
    case number(Double)
    case bool(Bool)

    /// The key of a JSON scalar other than null; `nil` for null, arrays and objects, which no
    /// value index holds.
    public init?(_ json: JSONValue) {
        switch json {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(n)
        case .bool(let b): self = .bool(b)
        default: return nil
        }
    }

    /// The key of a value as the evaluator holds it; `nil` for date-times, which equal no
    /// stored string.
    init?(_ value: Value) {
        switch value {
        case .string(let s): self = .string(s)
        case .number(let n): self = .number(n)
        case .bool(let b): self = .bool(b)
        default: return nil
        }
    }
}

/// The positions of the documents holding each string, number or boolean found at one path.
final class FieldIndex: Sendable {
    private let positions: [FieldKey: [Int32]]

    init(_ documents: [JSONValue], path: [String]) {
        var positions: [FieldKey: [Int32]] = [:]
        for (position, document) in documents.enumerated() {
            guard let value = TokenIndex.value(of: document, at: path), let key = FieldKey(value) else { continue }
            positions[key, default: []].append(Int32(position))
        }
        self.positions = positions
    }

    /// How many documents hold any of `keys` (each document holds one value, so no repeats).
    func count(of keys: [FieldKey]) -> Int {
        Set(keys).reduce(0) { $0 + (positions[$1]?.count ?? 0) }
    }

    /// The positions holding any of `keys`, ascending.
    func positions(of keys: [FieldKey]) -> [Int32] {
        var found: [Int32] = []
        var seen = Set<FieldKey>()
        for key in keys where seen.insert(key).inserted {
            if let list = positions[key] { found.append(contentsOf: list) }
        }
        if seen.count > 1 { found.sort() }
        return found
    }
}

/// The indexes an ``InMemoryDataset`` builds the first time a lookup needs them, kept for the
/// life of the dataset (a store's snapshot base, until its next compaction).
final class LazyIndexes: Sendable {
    private struct Built {
        /// `nil` marks a path too large to index.
        var tokens: [[String]: TokenIndex?] = [:]
        var values: [[String]: FieldIndex] = [:]
    }
    private let built = Mutex(Built())
    /// How many value and token indexes one dataset keeps: each costs a few bytes per
    /// document, and queries naming a new field every time must not grow memory without end
    /// (past the bound, such conditions are scanned).
    static let maxValueIndexes = 16
    static let maxTokenIndexes = 16

    /// The positions in `documents` answering `lookup`, ascending; `nil` when an index it needs
    /// cannot be built.
    func positions(answering lookup: IndexLookup, in documents: [JSONValue]) -> [Int32]? {
        switch lookup {
        case .fields(let conditions):
            // From the most selective condition's positions: intersected with a list of similar
            // size, or checked against a much longer one by reading each document, so that an
            // inner query run once per outer row costs what its few matches cost, not what the
            // whole of `_type == "order"` would.
            var counted: [(condition: FieldCondition, index: FieldIndex, count: Int)] = []
            for condition in conditions {
                guard let index = valueIndex(condition.path, documents) else { return nil }
                counted.append((condition, index, index.count(of: condition.keys)))
            }
            counted.sort { $0.count < $1.count }
            guard let first = counted.first else { return nil }
            var result = first.index.positions(of: first.condition.keys)
            for other in counted.dropFirst() where !result.isEmpty {
                if other.count <= result.count * 16 {
                    result = Self.intersection(result, other.index.positions(of: other.condition.keys))
                } else {
                    let keys = Set(other.condition.keys)
                    result = result.filter { position in
                        TokenIndex.value(of: documents[Int(position)], at: other.condition.path).flatMap(FieldKey.init).map(keys.contains) ?? false
                    }
                }
            }
            return result
        case .tokens(let prefixes, let paths):
            guard !prefixes.isEmpty else { return nil }
            var indexes: [TokenIndex] = []
            for path in paths {
                guard let index = tokenIndex(path, documents) else { return nil }
                indexes.append(index)
            }
            var candidates: [Int32]? = nil
            for prefix in prefixes {
                var holding = indexes.reduce(into: [Int32]()) { $0.append(contentsOf: $1.positions(startingWith: prefix)) }
                if indexes.count > 1 { holding = Array(Set(holding)).sorted() }
                candidates = candidates.map { Self.intersection($0, holding) } ?? holding
                if candidates!.isEmpty { break }
            }
            return candidates
        }
    }

    /// The indexes built so far.
    var paths: [IndexedPath] {
        built.withLock { built in
            built.tokens.compactMap { $0.value == nil ? nil : IndexedPath.tokens($0.key) } + built.values.keys.map(IndexedPath.values)
        }
    }

    /// Builds the index of `path` now rather than at the first lookup that reads it.
    func prepare(_ path: IndexedPath, in documents: [JSONValue]) {
        switch path {
        case .tokens(let path): _ = tokenIndex(path, documents)
        case .values(let path): _ = valueIndex(path, documents)
        }
    }

    private func tokenIndex(_ path: [String], _ documents: [JSONValue]) -> TokenIndex? {
        let known = built.withLock { built -> TokenIndex?? in
            if let index = built.tokens[path] { return .some(index) }
            return built.tokens.count >= Self.maxTokenIndexes ? .some(nil) : nil
        }
        if let known { return known }
        // Built outside the lock: a lookup of another path need not wait for this one.
        let index = TokenIndex(documents, path: path)
        built.withLock { $0.tokens[path] = .some(index) }
        return index
    }

    private func valueIndex(_ path: [String], _ documents: [JSONValue]) -> FieldIndex? {
        let known = built.withLock { built -> FieldIndex?? in
            if let index = built.values[path] { return .some(index) }
            return built.values.count >= Self.maxValueIndexes ? .some(nil) : nil
        }
        if let known { return known }
        let index = FieldIndex(documents, path: path)
        built.withLock { $0.values[path] = index }
        return index
    }

    private static func intersection(_ a: [Int32], _ b: [Int32]) -> [Int32] {
        var result: [Int32] = []
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { i += 1 } else if b[j] < a[i] { j += 1 } else { result.append(a[i]); i += 1; j += 1 }
        }
        return result
    }
}
