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

/// What the value at `path` must be: one of some keys (`==`, `in`), or between bounds (`<`, `<=`,
/// `>`, `>=`, `in a..b`).
public struct FieldCondition: Hashable, Sendable {
    /// Attribute names from the document down (`["address", "city"]`).
    public let path: [String]
    public let test: FieldTest

    public init(path: [String], test: FieldTest) {
        self.path = path
        self.test = test
    }

    /// The value equals one of `keys`.
    public init(path: [String], keys: [FieldKey]) {
        self.init(path: path, test: .oneOf(keys))
    }

    /// Whether `document`'s value at the path passes.
    ///
    /// The path is read in place: a scan of every document spends most of its time here, and
    /// copying each object on the way down (retaining its storage, then releasing it) cost more
    /// than the test itself.
    func passes(_ document: JSONValue) -> Bool {
        test.passes(in: document, at: path[...])
    }

    /// A copy that shares no storage with this one, for a thread to test with alone: threads
    /// sharing one copy would contend for its reference counts on every document.
    func privateCopy() -> FieldCondition {
        let test: FieldTest = switch self.test {
        case .oneOf(let keys): .oneOf(keys.map { $0.privateCopy() })
        case .range(let lower, let upper):
            .range(lower: lower.map { RangeBound($0.key.privateCopy(), inclusive: $0.inclusive) },
                   upper: upper.map { RangeBound($0.key.privateCopy(), inclusive: $0.inclusive) })
        }
        return FieldCondition(path: path.map { String(decoding: Array($0.utf8), as: UTF8.self) }, test: test)
    }
}

/// A test of one field's value, as GROQ's operators make it.
public enum FieldTest: Hashable, Sendable {
    /// A string, number or boolean equal to one of the keys.
    case oneOf([FieldKey])
    /// A value of the bounds' kind (numbers with numbers, strings with strings, compared by
    /// UTF-16 code unit) between them; a missing bound is open. Values of another kind do not
    /// compare, so they never match; nor does anything when the bounds are of different kinds.
    /// Bounds are numbers or strings.
    case range(lower: RangeBound?, upper: RangeBound?)
}

extension FieldTest {
    var isRange: Bool {
        if case .range = self { return true }
        return false
    }

    /// 0 for a range of numbers, 1 for strings; `nil` for keys or mixed bounds.
    var rangeKind: Int? {
        guard case .range(let lower, let upper) = self else { return nil }
        let kinds = [lower?.key, upper?.key].compactMap { key -> Int? in
            switch key {
            case .number?: 0
            case .string?: 1
            default: nil
            }
        }
        return Set(kinds).count == 1 ? kinds[0] : nil
    }

    /// Whether the value at `path` below `value` passes; a missing member does not.
    func passes(in value: JSONValue, at path: ArraySlice<String>) -> Bool {
        guard let name = path.first else { return passes(value) }
        guard case .object(let object) = value, let position = object.index(forKey: name) else { return false }
        return object.withValue(at: position) { passes(in: $0, at: path.dropFirst()) }
    }

    /// Whether a document's value passes, as the evaluator's `==`, `in` and comparisons decide.
    func passes(_ value: JSONValue?) -> Bool {
        guard let value, let key = FieldKey(value) else { return false }
        switch self {
        case .oneOf(let keys): return keys.contains(key)
        case .range(let lower, let upper):
            if let lower, !lower.admits(key, asLower: true) { return false }
            if let upper, !upper.admits(key, asLower: false) { return false }
            return lower != nil || upper != nil
        }
    }
}

/// One end of a ``FieldTest/range(lower:upper:)``.
public struct RangeBound: Hashable, Sendable {
    public let key: FieldKey
    /// Whether the bound itself is inside the range (`>=`, `<=`).
    public let inclusive: Bool

    public init(_ key: FieldKey, inclusive: Bool) {
        self.key = key
        self.inclusive = inclusive
    }

    /// Whether `value` is on the inside of this bound: a value of another kind is not.
    func admits(_ value: FieldKey, asLower: Bool) -> Bool {
        let order: Int
        switch (value, key) {
        case (.number(let v), .number(let b)): order = v < b ? -1 : (v > b ? 1 : 0)
        case (.string(let v), .string(let b)): order = Ordering.compareStrings(v, b)
        default: return false
        }
        if order == 0 { return inclusive }
        return asLower ? order > 0 : order < 0
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

    /// The same key in storage of its own.
    func privateCopy() -> FieldKey {
        if case .string(let s) = self { return .string(String(decoding: Array(s.utf8), as: UTF8.self)) }
        return self
    }

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

/// The positions of the documents holding each string, number or boolean found at one path,
/// and, from the first range asked of it, the numbers and the strings in order.
final class FieldIndex: Sendable {
    private let positions: [FieldKey: [Int32]]
    private let documents: [JSONValue]
    private let path: [String]
    private let orders = Mutex<(numbers: OrderedKeys<Double>?, strings: OrderedKeys<String>?)>((nil, nil))

    init(_ documents: [JSONValue], path: [String]) {
        var positions: [FieldKey: [Int32]] = [:]
        for (position, document) in documents.enumerated() {
            guard let value = TokenIndex.value(of: document, at: path), let key = FieldKey(value) else { continue }
            positions[key, default: []].append(Int32(position))
        }
        self.positions = positions
        self.documents = documents
        self.path = path
    }

    /// How many documents pass `test` (each document holds one value, so no repeats); for a
    /// range of strings, an estimate that may count a few too many.
    func count(of test: FieldTest) -> Int {
        switch test {
        case .oneOf(let keys) where keys.count == 1: return positions[keys[0]]?.count ?? 0
        case .oneOf(let keys): return Set(keys).reduce(0) { $0 + (positions[$1]?.count ?? 0) }
        case .range(let lower, let upper): return rangeSlice(lower, upper)?.count ?? 0
        }
    }

    /// The positions passing `test`, ascending.
    func positions(of test: FieldTest) -> [Int32] {
        switch test {
        case .oneOf(let keys) where keys.count == 1:
            // The index's own list, shared, not copied.
            return positions[keys[0]] ?? []
        case .oneOf(let keys):
            var found: [Int32] = []
            var seen = Set<FieldKey>()
            for key in keys where seen.insert(key).inserted {
                if let list = positions[key] { found.append(contentsOf: list) }
            }
            if seen.count > 1 { found.sort() }
            return found
        case .range(let lower, let upper):
            guard let slice = rangeSlice(lower, upper) else { return [] }
            guard test.rangeKind == 1 else { return slice.positions(documentCount: documents.count) }
            // Strings are ordered by UTF-16 code unit, but `<` also takes canonically equivalent
            // strings ("é", "e\u{301}") as equal, wherever their code units sort: add the
            // documents equivalent to a bound, then check every candidate as `<` does.
            var candidates = slice.positions(documentCount: documents.count)
            let equivalents = [lower, upper].compactMap { $0.flatMap { positions[$0.key] } }.filter { !$0.isEmpty }
            if !equivalents.isEmpty { candidates = Array(Set(candidates + equivalents.joined())).sorted() }
            return candidates.filter { test.passes(in: documents[Int($0)], at: path[...]) }
        }
    }

    /// The keys of the range's kind between its bounds (inclusive), built on first use; `nil`
    /// when the bounds are of different kinds (no value is both) or not numbers or strings (the
    /// planner asks for no others).
    private func rangeSlice(_ lower: RangeBound?, _ upper: RangeBound?) -> KeyRange? {
        switch (lower?.key, upper?.key) {
        case (.number(let l)?, .number(let u)?): return numbers.range(l, lower!.inclusive, u, upper!.inclusive)
        case (.number(let l)?, nil): return numbers.range(l, lower!.inclusive, nil, false)
        case (nil, .number(let u)?): return numbers.range(nil, false, u, upper!.inclusive)
        case (.string(let l)?, .string(let u)?): return strings.range(l, true, u, true)
        case (.string(let l)?, nil): return strings.range(l, true, nil, false)
        case (nil, .string(let u)?): return strings.range(nil, false, u, true)
        default: return nil
        }
    }

    private var numbers: OrderedKeys<Double> {
        if let built = orders.withLock({ $0.numbers }) { return built }
        var entries: [(Double, [Int32])] = []
        for case (.number(let n), let list) in positions { entries.append((n, list)) }
        let built = OrderedKeys(entries) { $0 < $1 }
        orders.withLock { $0.numbers = built }
        return built
    }

    /// Grouped by exact code units (a dictionary keyed by `String` would merge canonically
    /// equivalent spellings, whose code units sort apart).
    private var strings: OrderedKeys<String> {
        if let built = orders.withLock({ $0.strings }) { return built }
        var groups: [ExactString: [Int32]] = [:]
        for (position, document) in documents.enumerated() {
            guard case .string(let text)? = TokenIndex.value(of: document, at: path) else { continue }
            groups[ExactString(text), default: []].append(Int32(position))
        }
        let built = OrderedKeys(groups.map { ($0.key.text, $0.value) }) { $0.utf16.lexicographicallyPrecedes($1.utf16) }
        orders.withLock { $0.strings = built }
        return built
    }
}

/// A string compared and hashed by its code units, not by canonical equivalence.
private struct ExactString: Hashable {
    let text: String
    init(_ text: String) { self.text = text }
    static func == (a: ExactString, b: ExactString) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }
    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

/// Some consecutive keys of an ``OrderedKeys``: their position lists and how many positions
/// they hold.
struct KeyRange {
    let lists: ArraySlice<[Int32]>
    let count: Int

    /// The positions, ascending: sorted when few, marked in one pass over the dataset when
    /// many (cheaper than sorting most of it).
    func positions(documentCount: Int) -> [Int32] {
        if lists.count <= 1 { return lists.first ?? [] }
        if count * 8 < documentCount {
            return lists.flatMap { $0 }.sorted()
        }
        var marked = [Bool](repeating: false, count: documentCount)
        for list in lists { for position in list { marked[Int(position)] = true } }
        var found: [Int32] = []
        found.reserveCapacity(count)
        for (position, isMarked) in marked.enumerated() where isMarked { found.append(Int32(position)) }
        return found
    }
}

/// The distinct keys of one kind in ascending order, each with the positions holding it, and
/// the running count of positions so that a range is counted without reading its lists.
struct OrderedKeys<Key>: Sendable where Key: Sendable {
    private let keys: [Key]
    private let lists: [[Int32]]
    /// `runningCounts[i]` positions are held by the keys before `i`.
    private let runningCounts: [Int]
    private let less: @Sendable (Key, Key) -> Bool

    init(_ entries: [(Key, [Int32])], less: @escaping @Sendable (Key, Key) -> Bool) {
        let sorted = entries.sorted { less($0.0, $1.0) }
        keys = sorted.map(\.0)
        lists = sorted.map(\.1)
        var running = [0]
        running.reserveCapacity(sorted.count + 1)
        for entry in sorted { running.append(running.last! + entry.1.count) }
        runningCounts = running
        self.less = less
    }

    /// The keys above `lower` (or from it, when inclusive) and below `upper` (or up to it).
    func range(_ lower: Key?, _ lowerInclusive: Bool, _ upper: Key?, _ upperInclusive: Bool) -> KeyRange {
        // The first key not below the lower bound (inclusive) or above it (exclusive).
        let from = lower.map { bound in firstIndex { lowerInclusive ? !less($0, bound) : less(bound, $0) } } ?? 0
        let to = upper.map { bound in firstIndex { upperInclusive ? less(bound, $0) : !less($0, bound) } } ?? keys.count
        guard from < to else { return KeyRange(lists: [], count: 0) }
        return KeyRange(lists: lists[from..<to], count: runningCounts[to] - runningCounts[from])
    }

    /// The first index whose key satisfies `isPast`, which is false then true along the keys.
    private func firstIndex(where isPast: (Key) -> Bool) -> Int {
        var low = 0, high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if isPast(keys[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// The indexes an ``InMemoryDataset`` builds the first time a lookup needs them, kept for the
/// life of the dataset (a store's snapshot base, until its next compaction).
final class LazyIndexes: Sendable {
    private struct Built {
        /// `nil` marks a path too large to index.
        var tokens: [[String]: TokenIndex?] = [:]
        var values: [[String]: FieldIndex] = [:]
        /// Value indexes the schema declared: outside the bound.
        var declared: Set<[String]> = []
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
                counted.append((condition, index, index.count(of: condition.test)))
            }
            counted.sort { $0.count < $1.count }
            guard let first = counted.first else { return nil }
            var result = first.index.positions(of: first.condition.test)
            for other in counted.dropFirst() where !result.isEmpty {
                if other.count <= result.count * 16 {
                    result = Self.intersection(result, other.index.positions(of: other.condition.test))
                } else {
                    result = result.filter { position in
                        other.condition.passes(documents[Int(position)])
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

    /// Builds the index of `path` now rather than at the first lookup that reads it; a
    /// `declared` value index (the schema's) does not count towards ``maxValueIndexes``.
    func prepare(_ path: IndexedPath, in documents: [JSONValue], declared: Bool = false) {
        switch path {
        case .tokens(let path): _ = tokenIndex(path, documents)
        case .values(let path): _ = valueIndex(path, documents, declared: declared)
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

    private func valueIndex(_ path: [String], _ documents: [JSONValue], declared: Bool = false) -> FieldIndex? {
        let known = built.withLock { built -> FieldIndex?? in
            if let index = built.values[path] {
                if declared { built.declared.insert(path) }
                return .some(index)
            }
            return !declared && built.values.count - built.declared.count >= Self.maxValueIndexes ? .some(nil) : nil
        }
        if let known { return known }
        let index = FieldIndex(documents, path: path)
        built.withLock { built in
            built.values[path] = index
            if declared { built.declared.insert(path) }
        }
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
