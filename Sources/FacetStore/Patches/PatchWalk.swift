import GROQ
import OrderedCollections

/// How an operation treats the shapes it meets on the way to its target; the differences between
/// operations are exactly these switches, so one walker serves them all.
struct PatchWalkRules {
    /// Missing (or null) attributes on the way are created: objects, or an array before a final selector.
    var createsMissing = false
    /// A path through a scalar or the wrong container matches nothing instead of failing (`unset`).
    var toleratesMismatch = false
    /// A numeric index outside the array fails instead of matching nothing.
    var strictIndex = false
    /// A `[attr==value]` selector that matches no element fails (insert needs a position).
    var requiresMatch = false
    /// A missing attribute fails instead of matching nothing (`diffMatchPatch` needs a string to edit).
    var requiresValue = false
}

/// Applies an operation's final step; receives the container the last segment addresses and its depth.
typealias PatchLeaf = (inout JSONValue, PatchPath.Segment, Int) throws(PatchFailure) -> Void

enum PatchWalk {
    /// Follows `segments` from `value` (at `depth` steps below the document root) and calls `leaf` on every
    /// container the last segment addresses. Values are modified in place: each container is moved out of
    /// its enum case before mutation so that copy-on-write never duplicates it.
    static func walk(
        _ value: inout JSONValue, _ segments: ArraySlice<PatchPath.Segment>, depth: Int,
        rules: PatchWalkRules, leaf: PatchLeaf
    ) throws(PatchFailure) {
        guard let segment = segments.first else { return }
        let rest = segments.dropFirst()
        guard let next = rest.first else {
            try leaf(&value, segment, depth)
            return
        }
        if case .attribute(let name) = segment {
            try descend(into: name, of: &value, rest, next: next, depth: depth, rules: rules, leaf: leaf)
        } else {
            try descend(selecting: segment, of: &value, rest, depth: depth, rules: rules, leaf: leaf)
        }
    }

    private static func descend(
        into name: String, of value: inout JSONValue, _ rest: ArraySlice<PatchPath.Segment>,
        next: PatchPath.Segment, depth: Int, rules: PatchWalkRules, leaf: PatchLeaf
    ) throws(PatchFailure) {
        guard case .object = value else {
            if case .null = value, !rules.createsMissing {
                if rules.requiresValue { throw PatchFailure(.missing) }
                return
            }
            if rules.toleratesMismatch { return }
            throw PatchFailure(.notContainer(found: value.typeName, segment: .attribute(name)))
        }
        try value.modifyObject { (object) throws(PatchFailure) in
            if let index = object.index(forKey: name), !object.values[index].isNull {
                do throws(PatchFailure) {
                    try walk(&object.values[index], rest, depth: depth + 1, rules: rules, leaf: leaf)
                } catch {
                    throw error.prefixed(.key(name))
                }
            } else if rules.createsMissing {
                // An explicit null cannot hold children, so like a missing key it is replaced by a container.
                var child: JSONValue = next.isSelector ? .array([]) : .object([:])
                do throws(PatchFailure) {
                    try walk(&child, rest, depth: depth + 1, rules: rules, leaf: leaf)
                } catch {
                    throw error.prefixed(.key(name))
                }
                // A container nothing was written into (e.g. `a[*].b` with no `a`) is not worth creating.
                if !child.isEmptyContainer { object[name] = child }
            } else if rules.requiresValue {
                throw PatchFailure(.missing, at: [.key(name)])
            }
        }
    }

    private static func descend(
        selecting segment: PatchPath.Segment, of value: inout JSONValue, _ rest: ArraySlice<PatchPath.Segment>,
        depth: Int, rules: PatchWalkRules, leaf: PatchLeaf
    ) throws(PatchFailure) {
        guard case .array = value else {
            if case .null = value, !rules.createsMissing, !rules.requiresValue { return }
            if rules.toleratesMismatch { return }
            throw PatchFailure(.notContainer(found: value.typeName, segment: segment))
        }
        try value.modifyArray { (array) throws(PatchFailure) in
            for index in try indices(of: segment, in: array, rules: rules) {
                do throws(PatchFailure) {
                    try walk(&array[index], rest, depth: depth + 1, rules: rules, leaf: leaf)
                } catch {
                    throw error.prefixed(.index(index))
                }
            }
        }
    }

    /// The ascending indices a selector matches in `array`.
    static func indices(
        of segment: PatchPath.Segment, in array: [JSONValue], rules: PatchWalkRules
    ) throws(PatchFailure) -> [Int] {
        switch segment {
        case .attribute:
            return []
        case .index(let index):
            let resolved = index < 0 ? index + array.count : index
            if array.indices.contains(resolved) { return [resolved] }
            if rules.strictIndex { throw PatchFailure(.indexOutOfRange(index: index, count: array.count)) }
            return []
        case .slice(let start, let end):
            let bounds = sliceBounds(start: start, end: end, count: array.count)
            return Array(bounds)
        case .match(let attribute, let value):
            var matches: [Int] = []
            for (index, element) in array.enumerated() {
                if case .object(let object) = element, object[attribute] == value { matches.append(index) }
            }
            if matches.isEmpty, rules.requiresMatch {
                throw PatchFailure(.noMatch(attribute: attribute, value: value))
            }
            return matches
        case .wildcard:
            return Array(array.indices)
        }
    }

    /// Python-style slice bounds: negative values count from the end and everything is clamped, so a slice
    /// never fails; a reversed slice is empty and sits at its start.
    static func sliceBounds(start: Int?, end: Int?, count: Int) -> Range<Int> {
        func clamp(_ bound: Int) -> Int {
            bound < 0 ? Swift.max(0, bound + count) : Swift.min(bound, count)
        }
        let lower = start.map(clamp) ?? 0
        let upper = end.map(clamp) ?? count
        return lower..<Swift.max(lower, upper)
    }
}

extension JSONValue {
    /// Runs `body` on this object's members in place; does nothing and returns `nil` for other values.
    ///
    /// The value is set to `.null` while `body` runs so that the members' storage is uniquely referenced
    /// and mutation does not copy it.
    @discardableResult
    mutating func modifyObject<Result>(
        _ body: (inout JSONObject) throws(PatchFailure) -> Result
    ) throws(PatchFailure) -> Result? {
        guard case .object(var object) = self else { return nil }
        self = .null
        defer { self = .object(object) }
        return try body(&object)
    }

    /// Runs `body` on this array's elements in place; does nothing and returns `nil` for other values.
    @discardableResult
    mutating func modifyArray<Result>(
        _ body: (inout [JSONValue]) throws(PatchFailure) -> Result
    ) throws(PatchFailure) -> Result? {
        guard case .array(var array) = self else { return nil }
        self = .null
        defer { self = .array(array) }
        return try body(&array)
    }

    var isEmptyContainer: Bool {
        switch self {
        case .array(let array): array.isEmpty
        case .object(let object): object.isEmpty
        default: false
        }
    }
}
