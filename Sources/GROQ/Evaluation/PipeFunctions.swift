/// The pipe functions `order()` and `score()`.
enum PipeFunctions {
    /// Sorts by each argument in turn with GROQ's total order; ties keep their input order.
    /// With `limit`, only the first `limit` of the order are wanted (`order(x)[0...20]`): they are
    /// selected in one pass instead of sorting everything.
    static func order(_ array: [JSONValue], _ args: [Node], _ scope: Scope, limit: Int? = nil) throws(GROQError) -> [JSONValue] {
        let started = scope.context.profile == nil ? nil : ContinuousClock.now
        let ordered = try sorted(array, args, scope, limit: limit)
        if let profile = scope.context.profile, let started {
            let selected = limit.map { $0 * 8 < array.count } ?? false
            profile.record(query: "order(\(args.map { GROQText.render($0, maxLength: 60) }.joined(separator: ", ")))",
                           access: selected ? "first \(limit!) selected in one pass, no full sort" : "sort",
                           residual: nil, usesIndex: false, estimatedRows: array.count, rows: ordered.count,
                           duration: ContinuousClock.now - started)
        }
        return ordered
    }

    private static func sorted(_ array: [JSONValue], _ args: [Node], _ scope: Scope, limit: Int?) throws(GROQError) -> [JSONValue] {
        var keys: [Node] = []
        var descending: [Bool] = []
        for arg in args {
            switch arg {
            case .desc(let inner, _): keys.append(inner); descending.append(true)
            case .asc(let inner, _): keys.append(inner); descending.append(false)
            default: keys.append(arg); descending.append(false)
            }
        }
        let frame = scope.frameForChildren()
        var rows: [(index: Int, keys: [Value])] = []
        rows.reserveCapacity(array.count)
        for (index, item) in array.enumerated() {
            try scope.context.tick()
            var values: [Value] = []
            values.reserveCapacity(keys.count)
            for key in keys {
                // A plain field is read straight from the document, without a scope per row.
                if case .attribute(.this, let name) = key, case .object(let object) = item {
                    values.append(Value(object[name]))
                } else {
                    values.append(try Evaluator.evaluate(key, scope.nested(Value(item), parent: frame)))
                }
            }
            rows.append((index, values))
        }
        func precedes(_ a: (index: Int, keys: [Value]), _ b: (index: Int, keys: [Value])) -> Bool {
            for i in 0..<keys.count {
                var c = Ordering.totalCompare(a.keys[i], b.keys[i])
                if descending[i] { c = -c }
                if c != 0 { return c < 0 }
            }
            return a.index < b.index
        }
        if let limit, limit * 8 < rows.count {
            // The first `limit` rows, kept in order while the rest stream past: about n
            // comparisons with the last kept row, and log(limit) for the few that enter.
            try scope.context.tick(rows.count)
            var kept: [(index: Int, keys: [Value])] = []
            kept.reserveCapacity(limit + 1)
            guard limit > 0 else { return [] }
            for row in rows {
                if kept.count == limit, !precedes(row, kept[limit - 1]) { continue }
                var low = 0, high = kept.count
                while low < high {
                    let middle = (low + high) / 2
                    if precedes(row, kept[middle]) { high = middle } else { low = middle + 1 }
                }
                kept.insert(row, at: low)
                if kept.count > limit { kept.removeLast() }
            }
            return kept.map { array[$0.index] }
        }
        // The sort compares about n log n pairs and cannot stop half-way: count them first.
        try scope.context.tick(rows.count * max(1, Int.bitWidth - rows.count.leadingZeroBitCount))
        rows.sort(by: precedes)
        return rows.map { array[$0.index] }
    }

    /// Adds `_score` to every object (non-objects are dropped) and sorts by it, highest first.
    /// With `window`, only the ranked positions it selects (of how many were ranked) are kept,
    /// and only those objects are copied to carry their `_score`.
    static func score(_ array: [JSONValue], _ args: [Node], _ scope: Scope,
                      window: ((Int) -> Range<Int>)? = nil) throws(GROQError) -> [JSONValue] {
        let frame = scope.frameForChildren()
        var scored: [(index: Int, score: Double)] = []
        scored.reserveCapacity(array.count)
        for (index, item) in array.enumerated() {
            try scope.context.tick()
            guard case .object(let object) = item else { continue }
            let itemScope = scope.nested(Value(item), parent: frame)
            var total = object["_score"]?.numberValue ?? 0
            for arg in args { total += try relevance(arg, itemScope) }
            scored.append((index, total))
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
        let kept = window?(scored.count) ?? 0..<scored.count
        return scored[kept].map { entry in
            guard case .object(var object) = array[entry.index] else { return array[entry.index] }
            object["_score"] = .number(entry.score)
            return .object(object)
        }
    }

    private static func relevance(_ node: Node, _ scope: Scope) throws(GROQError) -> Double {
        switch node {
        case .binary(.match, let text, let pattern):
            return TextMatch.score(text: try Evaluator.evaluate(text, scope), pattern: try Evaluator.evaluate(pattern, scope))
        case .call(let call) where call.function.name == "boost" && call.function.namespace == "global":
            let inner = try relevance(call.arguments[0], scope)
            if case .number(let boost) = try Evaluator.evaluate(call.arguments[1], scope), inner > 0 {
                return inner + boost
            }
            return 0
        case .or(let l, let r):
            return try relevance(l, scope) + relevance(r, scope)
        case .and(let l, let r):
            let left = try relevance(l, scope), right = try relevance(r, scope)
            return left == 0 || right == 0 ? 0 : left + right
        case .group(let inner):
            return try relevance(inner, scope)
        default:
            return try Evaluator.evaluate(node, scope).isTrue ? 1 : 0
        }
    }
}
