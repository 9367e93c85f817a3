import GROQ
import OrderedCollections

extension Patch {
    /// The document with every operation applied, in Sanity's order. The input is never modified.
    ///
    /// ```swift
    /// let patch = try Patch(json: ["set": ["items[_key==\"a\"].done": true]])
    /// let updated = try patch.applied(to: ["items": [["_key": "a", "done": false]]])
    /// // {"items": [{"_key": "a", "done": true}]}
    /// ```
    ///
    /// - Throws: ``PatchError`` naming the operation, the path and the concrete place that failed, e.g. an
    ///   index out of range for `set`, a non-number for `inc`, a missing `_key` for `insert`.
    public func applied(to document: JSONValue) throws(PatchError) -> JSONValue {
        var result = document
        for operation in operations {
            do {
                try Self.apply(operation, to: &result)
            } catch {
                throw error.patchError(for: operation)
            }
        }
        return result
    }

    private static func apply(_ operation: Operation, to document: inout JSONValue) throws(PatchFailure) {
        let segments = operation.path.segments[...]
        switch operation {
        case .set(_, let value):
            let rules = PatchWalkRules(createsMissing: true, strictIndex: true)
            try PatchWalk.walk(&document, segments, depth: 0, rules: rules) { (container, segment, depth) throws(PatchFailure) in
                try set(value, onlyIfMissing: false, in: &container, at: segment, depth: depth)
            }
        case .setIfMissing(_, let value):
            let rules = PatchWalkRules(createsMissing: true, strictIndex: true)
            try PatchWalk.walk(&document, segments, depth: 0, rules: rules) { (container, segment, depth) throws(PatchFailure) in
                try set(value, onlyIfMissing: true, in: &container, at: segment, depth: depth)
            }
        case .unset:
            let rules = PatchWalkRules(toleratesMismatch: true)
            try PatchWalk.walk(&document, segments, depth: 0, rules: rules) { (container, segment, _) throws(PatchFailure) in
                unset(in: &container, at: segment)
            }
        case .inc(_, let amount), .dec(_, let amount):
            var delta = amount
            if case .dec = operation { delta = -amount }
            try PatchWalk.walk(&document, segments, depth: 0, rules: PatchWalkRules()) { (container, segment, _) throws(PatchFailure) in
                try add(delta, in: &container, at: segment)
            }
        case .insert(let position, _, let items):
            let rules = PatchWalkRules(createsMissing: true, strictIndex: true, requiresMatch: true)
            try PatchWalk.walk(&document, segments, depth: 0, rules: rules) { (container, segment, depth) throws(PatchFailure) in
                try insert(items, position, in: &container, at: segment, depth: depth)
            }
        case .diffMatchPatch(_, let patchText):
            let rules = PatchWalkRules(strictIndex: true, requiresValue: true)
            try PatchWalk.walk(&document, segments, depth: 0, rules: rules) { (container, segment, _) throws(PatchFailure) in
                try editText(with: patchText, in: &container, at: segment)
            }
        }
    }

    // MARK: - Leaves

    private static func set(
        _ value: JSONValue, onlyIfMissing: Bool, in container: inout JSONValue, at segment: PatchPath.Segment,
        depth: Int
    ) throws(PatchFailure) {
        if case .attribute(let name) = segment {
            guard case .object = container else {
                throw PatchFailure(.notContainer(found: container.typeName, segment: segment))
            }
            try container.modifyObject { (object) throws(PatchFailure) in
                // Sanity's mutator checks key presence (`hasOwnProperty`), so an explicit null is present.
                if onlyIfMissing, object.index(forKey: name) != nil { return }
                try checkDepth(of: value, at: depth + 1, location: [.key(name)])
                object[name] = value
            }
            return
        }
        guard case .array = container else {
            throw PatchFailure(.notContainer(found: container.typeName, segment: segment))
        }
        try container.modifyArray { (array) throws(PatchFailure) in
            let rules = PatchWalkRules(strictIndex: true)
            let indices = try PatchWalk.indices(of: segment, in: array, rules: rules)
            // Existing elements are never "missing"; setIfMissing only checks the index exists.
            if onlyIfMissing || indices.isEmpty { return }
            try checkDepth(of: value, at: depth + 1, location: [])
            for index in indices { array[index] = value }
        }
    }

    private static func unset(in container: inout JSONValue, at segment: PatchPath.Segment) {
        if case .attribute(let name) = segment {
            _ = try? container.modifyObject { object in object.removeValue(forKey: name) }
            return
        }
        _ = try? container.modifyArray { (array) throws(PatchFailure) in
            let indices = try PatchWalk.indices(of: segment, in: array, rules: PatchWalkRules())
            array.remove(sortedIndices: indices)
        }
    }

    private static func add(
        _ delta: Double, in container: inout JSONValue, at segment: PatchPath.Segment
    ) throws(PatchFailure) {
        try forEachTarget(in: &container, at: segment, rules: PatchWalkRules()) { (target) throws(PatchFailure) in
            guard case .number(let number) = target else {
                throw PatchFailure(.notNumber(found: target.typeName))
            }
            target = .number(number + delta)
        }
    }

    private static func editText(
        with patchText: String, in container: inout JSONValue, at segment: PatchPath.Segment
    ) throws(PatchFailure) {
        let rules = PatchWalkRules(strictIndex: true, requiresValue: true)
        try forEachTarget(in: &container, at: segment, rules: rules) { (target) throws(PatchFailure) in
            guard case .string(let text) = target else {
                throw PatchFailure(.notString(found: target.typeName))
            }
            do throws(DiffMatchPatchError) {
                target = .string(try DiffMatchPatch.apply(patchText, to: text))
            } catch {
                throw PatchFailure(.diffMatchPatch(error.description))
            }
        }
    }

    /// Calls `body` on each existing value the final segment addresses in `container` (inc, dec and
    /// diffMatchPatch edit existing values only). A missing attribute matches nothing unless
    /// `rules.requiresValue`; a null container matches nothing.
    private static func forEachTarget(
        in container: inout JSONValue, at segment: PatchPath.Segment, rules: PatchWalkRules,
        _ body: (inout JSONValue) throws(PatchFailure) -> Void
    ) throws(PatchFailure) {
        if container.isNull, !rules.requiresValue { return }
        if case .attribute(let name) = segment, case .object = container {
            try container.modifyObject { (object) throws(PatchFailure) in
                guard let index = object.index(forKey: name) else {
                    if rules.requiresValue { throw PatchFailure(.missing, at: [.key(name)]) }
                    return
                }
                do throws(PatchFailure) { try body(&object.values[index]) } catch { throw error.prefixed(.key(name)) }
            }
        } else if segment.isSelector, case .array = container {
            try container.modifyArray { (array) throws(PatchFailure) in
                for index in try PatchWalk.indices(of: segment, in: array, rules: rules) {
                    do throws(PatchFailure) { try body(&array[index]) } catch { throw error.prefixed(.index(index)) }
                }
            }
        } else {
            throw PatchFailure(.notContainer(found: container.typeName, segment: segment))
        }
    }

    private static func insert(
        _ items: [JSONValue], _ position: InsertPosition, in container: inout JSONValue,
        at segment: PatchPath.Segment, depth: Int
    ) throws(PatchFailure) {
        if case .null = container { container = .array([]) }
        guard case .array = container else {
            throw PatchFailure(.notContainer(found: container.typeName, segment: segment))
        }
        for item in items {
            try checkDepth(of: item, at: depth + 1, location: [])
        }
        try container.modifyArray { (array) throws(PatchFailure) in
            let count = array.count
            var matched: [Int]
            // Where the items go when the selector matches no element (an empty array or an empty slice).
            var anchor = 0
            switch segment {
            case .index(let index) where count == 0 && (index == 0 || index == -1):
                // `arr[0]` / `arr[-1]` name the ends of an array, which exist even when it is empty.
                matched = []
            case .slice(let start, let end):
                let bounds = PatchWalk.sliceBounds(start: start, end: end, count: count)
                matched = Array(bounds)
                anchor = bounds.lowerBound
            default:
                let rules = PatchWalkRules(strictIndex: true, requiresMatch: true)
                matched = try PatchWalk.indices(of: segment, in: array, rules: rules)
            }
            switch position {
            case .before:
                array.insert(contentsOf: items, at: matched.first ?? anchor)
            case .after:
                array.insert(contentsOf: items, at: matched.last.map { $0 + 1 } ?? anchor)
            case .replace:
                let at = matched.first ?? anchor
                array.remove(sortedIndices: matched)
                array.insert(contentsOf: items, at: at)
            }
        }
    }

    private static func checkDepth(
        of value: JSONValue, at depth: Int, location: [PatchLocationStep]
    ) throws(PatchFailure) {
        guard value.nesting(within: maximumDepth - depth) != nil else {
            throw PatchFailure(.tooDeep, at: location)
        }
    }
}

extension Array {
    /// Removes the elements at `sortedIndices` (ascending, unique) in one pass.
    mutating func remove(sortedIndices: [Int]) {
        guard let first = sortedIndices.first else { return }
        if sortedIndices.count == 1 {
            remove(at: first)
            return
        }
        if let last = sortedIndices.last, last - first + 1 == sortedIndices.count {
            removeSubrange(first...last)
            return
        }
        var next = 0
        var kept: [Element] = []
        kept.reserveCapacity(count - sortedIndices.count)
        for (index, element) in enumerated() {
            if next < sortedIndices.count, sortedIndices[next] == index {
                next += 1
            } else {
                kept.append(element)
            }
        }
        self = kept
    }
}
