import OrderedCollections

/// Evaluates a ``Node`` tree in a ``Scope``, following the GROQ specification's evaluation rules.
enum Evaluator {
    /// Dispatches on the node. Every case that needs more than a line has a function of its own,
    /// kept out of line: a debug build gives a function one stack slot per local of every case,
    /// and this function is on the stack once per level of the query's tree, so its frame must
    /// stay small for deep queries to fit the stacks of ordinary threads.
    static func evaluate(_ node: Node, _ scope: Scope) throws(GROQError) -> Value {
        switch node {
        case .everything:
            return .array(scope.context.dataset.documents)
        case .this:
            return scope.value
        case .parent(let n):
            return parent(n, scope)
        case .parameter(let name, let offset):
            return try parameter(name, offset, scope)
        case .literal(let value):
            return value
        case .attribute(let base, let name):
            return try attribute(base, name, scope)
        case .element(let base, let index):
            return try element(base, index, scope)
        case .slice(let base, let from, let to, let inclusive):
            return try slice(base, from, to, inclusive, scope)
        case .filter(let base, let condition):
            return try filter(base, condition, scope)
        case .projection(let base, let expr):
            return try projection(base, expr, scope)
        case .dereference:
            return try dereference(node, scope)
        case .arrayCoerce(let base):
            return try arrayCoerce(base, scope)
        case .map(let base, let expr):
            return try map(base, expr, scope)
        case .flatMap(let base, let expr):
            return try flatMap(base, expr, scope)
        case .group(let inner):
            return try evaluate(inner, scope)
        case .invariant(let inner, let slot):
            return try invariant(inner, slot, scope)
        case .record(let template, let nodes):
            return try record(template, nodes, scope)
        case .object(let entries):
            return try objectValue(entries, scope)
        case .array(let elements):
            return try array(elements, scope)
        case .and(let l, let r):
            return try and(l, r, scope)
        case .or(let l, let r):
            return try or(l, r, scope)
        case .not(let inner):
            return try not(inner, scope)
        case .negate(let inner):
            return try negate(inner, scope)
        case .plus(let inner):
            return try plus(inner, scope)
        case .binary(let op, let l, let r):
            return try binary(op, l, r, scope)
        case .inRange(let base, let l, let r, let inclusive):
            return try inRange(base, l, r, inclusive, scope)
        case .select(let alternatives, let fallback):
            return try select(alternatives, fallback, scope)
        case .call(let call):
            return try self.call(call, scope)
        case .pipe(let function, let base, let args):
            return try pipe(function, base, args, scope)
        case .asc, .desc:
            return .null
        case .diff(let only, let before, let after, let selector):
            return try diff(only, before, after, selector, scope)
        case .delta(let only, let selector):
            return try delta(only, selector, scope)
        case .context(let key):
            switch key {
            case "before": return Value(scope.context.before)
            case "after": return Value(scope.context.after)
            default: return operation(scope)
            }
        case .pair(_, _, let offset):
            throw GROQError(.query, "'=>' is only allowed inside select() and object projections", at: offset, in: scope.context.source)
        case .tuple(_, let offset):
            throw GROQError(.query, "a tuple is only allowed as a diff selector", at: offset, in: scope.context.source)
        }
    }

    @inline(never)
    private static func parent(_ n: Int, _ scope: Scope) -> Value {
        var current = scope
        for _ in 0..<n {
            guard let frame = current.parent else { return .null }
            current = frame.scope
        }
        return current.value
    }

    @inline(never)
    private static func parameter(_ name: String, _ offset: Int, _ scope: Scope) throws(GROQError) -> Value {
        guard let value = scope.context.params[name] else {
            throw GROQError(.evaluation, "no value was given for the parameter $\(name): pass it with the query (for example --param \(name)=JSON)", at: offset, in: scope.context.source)
        }
        return Value(value)
    }

    @inline(never)
    private static func attribute(_ base: Node, _ name: String, _ scope: Scope) throws(GROQError) -> Value {
        Value(try object(at: base, scope)?[name])
    }

    @inline(never)
    private static func element(_ base: Node, _ index: Int, _ scope: Scope) throws(GROQError) -> Value {
        guard case .array(let array) = try evaluate(base, scope) else { return .null }
        let i = index < 0 ? array.count + index : index
        return i >= 0 && i < array.count ? Value(array[i]) : .null
    }

    @inline(never)
    private static func slice(_ base: Node, _ from: Int, _ to: Int, _ inclusive: Bool, _ scope: Scope) throws(GROQError) -> Value {
        if case .pipe(.score, let scored, let args) = base {
            // A ranked page (`| score(…)[0...20]`) writes `_score` into the page's documents
            // only: copying every match to add it would cost more than ranking them.
            guard case .array(let array) = try evaluate(scored, scope) else { return .null }
            try scope.context.build(array.count)
            let page = try PipeFunctions.score(array, args, scope) { count in sliceBounds(count: count, from: from, to: to, inclusive: inclusive) }
            try scope.context.build(page.count)
            return .array(page)
        }
        if case .pipe(.order, let ordered, let args) = base, from >= 0, to >= 0 {
            // `order(x)[0...20]`: only the first rows of the order are selected, not all sorted.
            guard case .array(let array) = try evaluate(ordered, scope) else { return .null }
            try scope.context.build(array.count)
            let first = try PipeFunctions.order(array, args, scope, limit: sliceBounds(count: array.count, from: 0, to: to, inclusive: inclusive).upperBound)
            let sliced = slice(first, from: from, to: to, inclusive: inclusive)
            try scope.context.build(sliced.count)
            return .array(sliced)
        }
        guard case .array(let array) = try evaluate(base, scope) else { return .null }
        let sliced = slice(array, from: from, to: to, inclusive: inclusive)
        try scope.context.build(sliced.count)
        return .array(sliced)
    }

    @inline(never)
    private static func projection(_ base: Node, _ expr: Node, _ scope: Scope) throws(GROQError) -> Value {
        let value = try evaluate(base, scope)
        guard case .object = value else { return .null }
        return try evaluate(expr, scope.nested(value, parent: scope.frameForChildren()))
    }

    @inline(never)
    private static func dereference(_ node: Node, _ scope: Scope) throws(GROQError) -> Value {
        try object(at: node, scope).map { .object($0) } ?? .null
    }

    @inline(never)
    private static func arrayCoerce(_ base: Node, _ scope: Scope) throws(GROQError) -> Value {
        let value = try evaluate(base, scope)
        if case .array = value { return value }
        return .null
    }

    @inline(never)
    private static func map(_ base: Node, _ expr: Node, _ scope: Scope) throws(GROQError) -> Value {
        guard case .array(let array) = try evaluate(base, scope) else { return .null }
        try scope.context.build(array.count)
        if case .attribute(.this, let name) = expr, name != Value.dateTimeMarker {
            // `*[…]._id`, `orders.total`: one field of each element, read straight from it.
            var result: [JSONValue] = []
            result.reserveCapacity(array.count)
            for item in array {
                try scope.context.tick()
                if case .object(let object) = item { result.append(object[name] ?? .null) } else { result.append(.null) }
            }
            return .array(result)
        }
        if array.count >= PathProjection.blockSize, let paths = PathProjection(expr) {
            return .array(try paths.apply(to: array, context: scope.context))
        }
        let frame = scope.frameForChildren()
        // Each thread of a parallel map evaluates with its own context (its own checkpoint count).
        return .array(try ParallelMap.map(array, expr, frame, scope.context) { expr, frame, context, item throws(GROQError) in
            try evaluate(expr, Scope(value: Value(item), parent: frame, isHidden: true, context: context)).json
        })
    }

    @inline(never)
    private static func flatMap(_ base: Node, _ expr: Node, _ scope: Scope) throws(GROQError) -> Value {
        guard case .array(let array) = try evaluate(base, scope) else { return .null }
        let frame = scope.frameForChildren()
        var result: [JSONValue] = []
        result.reserveCapacity(array.count)
        for item in array {
            try scope.context.tick()
            let inner = try evaluate(expr, scope.nested(Value(item), parent: frame, hidden: true))
            if case .array(let elements) = inner {
                try scope.context.build(elements.count)
                result.append(contentsOf: elements)
            } else {
                result.append(inner.json)
            }
        }
        return .array(result)
    }

    @inline(never)
    private static func invariant(_ inner: Node, _ slot: Int, _ scope: Scope) throws(GROQError) -> Value {
        if let cached = scope.context.invariants.value(slot) { return cached }
        let value = try evaluate(inner, scope)
        scope.context.invariants.store(value, slot)
        return value
    }

    @inline(never)
    private static func record(_ template: JSONObject, _ nodes: [Node], _ scope: Scope) throws(GROQError) -> Value {
        var result = template
        // Plain members of `@` are copied straight across, skipping the Value round trip.
        let this: JSONObject? = if case .object(let object) = scope.value { object } else { nil }
        for (index, node) in nodes.enumerated() {
            if case .attribute(.this, let name) = node, let this {
                result.values[index] = this[name] ?? .null
            } else {
                result.values[index] = try evaluate(node, scope).json
            }
        }
        return .object(result)
    }

    @inline(never)
    private static func objectValue(_ entries: [ObjectEntry], _ scope: Scope) throws(GROQError) -> Value {
        .object(try object(entries, scope))
    }

    @inline(never)
    private static func array(_ elements: [ArrayElement], _ scope: Scope) throws(GROQError) -> Value {
        var result: [JSONValue] = []
        result.reserveCapacity(elements.count)
        try scope.context.build(elements.count)
        for element in elements {
            let value = try evaluate(element.value, scope)
            if element.isSplat {
                if case .array(let items) = value {
                    try scope.context.build(items.count)
                    result.append(contentsOf: items)
                }
            } else {
                result.append(value.json)
            }
        }
        return .array(result)
    }

    @inline(never)
    private static func and(_ l: Node, _ r: Node, _ scope: Scope) throws(GROQError) -> Value {
        let left = try evaluate(l, scope)
        if case .bool(false) = left { return .false }
        let right = try evaluate(r, scope)
        if case .bool(false) = right { return .false }
        if case .bool = left, case .bool = right { return .true }
        return .null
    }

    @inline(never)
    private static func or(_ l: Node, _ r: Node, _ scope: Scope) throws(GROQError) -> Value {
        let left = try evaluate(l, scope)
        if case .bool(true) = left { return .true }
        let right = try evaluate(r, scope)
        if case .bool(true) = right { return .true }
        if case .bool = left, case .bool = right { return .false }
        return .null
    }

    @inline(never)
    private static func not(_ inner: Node, _ scope: Scope) throws(GROQError) -> Value {
        if case .bool(let b) = try evaluate(inner, scope) { return .bool(!b) }
        return .null
    }

    @inline(never)
    private static func negate(_ inner: Node, _ scope: Scope) throws(GROQError) -> Value {
        if case .number(let n) = try evaluate(inner, scope) { return .number(-n) }
        return .null
    }

    @inline(never)
    private static func plus(_ inner: Node, _ scope: Scope) throws(GROQError) -> Value {
        let value = try evaluate(inner, scope)
        if case .number = value { return value }
        return .null
    }

    @inline(never)
    private static func binary(_ op: BinaryOperator, _ l: Node, _ r: Node, _ scope: Scope) throws(GROQError) -> Value {
        let left = try evaluate(l, scope), right = try evaluate(r, scope)
        // `x in array` walks the array: as much work as a loop over it; `match` reads both texts
        // (a few hundred bytes of text are about one element of work).
        if op == .in, case .array(let items) = right { try scope.context.tick(items.count) }
        if op == .match { try scope.context.tick((textLength(left) + textLength(right)) >> 8) }
        return Operators.apply(op, left, right)
    }

    /// The bytes of text `match` reads in `value`: a string's, or an array's strings'.
    private static func textLength(_ value: Value) -> Int {
        switch value {
        case .string(let text): return text.utf8.count
        case .array(let items):
            var total = 0
            for case .string(let text) in items { total += text.utf8.count }
            return total
        default: return 0
        }
    }

    @inline(never)
    private static func inRange(_ base: Node, _ l: Node, _ r: Node, _ inclusive: Bool, _ scope: Scope) throws(GROQError) -> Value {
        let value = try evaluate(base, scope)
        guard let lc = Ordering.partialCompare(value, try evaluate(l, scope)),
            let rc = Ordering.partialCompare(value, try evaluate(r, scope))
        else { return .null }
        return .bool(lc >= 0 && (inclusive ? rc <= 0 : rc < 0))
    }

    @inline(never)
    private static func select(_ alternatives: [(condition: Node, value: Node)], _ fallback: Node?, _ scope: Scope) throws(GROQError) -> Value {
        for (condition, value) in alternatives where try evaluate(condition, scope).isTrue {
            return try evaluate(value, scope)
        }
        if let fallback { return try evaluate(fallback, scope) }
        return .null
    }

    @inline(never)
    private static func call(_ call: FunctionCall, _ scope: Scope) throws(GROQError) -> Value {
        var args: [Value] = []
        args.reserveCapacity(call.arguments.count)
        for argument in call.arguments { args.append(try evaluate(argument, scope)) }
        return try call.function.implementation(args, scope)
    }

    @inline(never)
    private static func pipe(_ function: PipeFunction, _ base: Node, _ args: [Node], _ scope: Scope) throws(GROQError) -> Value {
        guard case .array(let array) = try evaluate(base, scope) else { return .null }
        try scope.context.build(array.count)
        switch function {
        case .order: return .array(try PipeFunctions.order(array, args, scope))
        case .score: return .array(try PipeFunctions.score(array, args, scope))
        }
    }

    @inline(never)
    private static func diff(_ only: Bool, _ before: Node, _ after: Node, _ selector: Selector, _ scope: Scope) throws(GROQError) -> Value {
        let b = try evaluate(before, scope), a = try evaluate(after, scope)
        return .bool(try Diff.changed(only: only, before: b.json, after: a.json, selector: selector, scope: scope))
    }

    /// `delta::operation()`: what the mutation did to the document, as Sanity's webhooks name it.
    @inline(never)
    private static func operation(_ scope: Scope) -> Value {
        switch (scope.context.before, scope.context.after) {
        case (nil, nil): .null
        case (nil, _): .string("create")
        case (_, nil): .string("delete")
        default: .string("update")
        }
    }

    @inline(never)
    private static func delta(_ only: Bool, _ selector: Selector, _ scope: Scope) throws(GROQError) -> Value {
        guard scope.context.before != nil || scope.context.after != nil else {
            throw GROQError(.evaluation, "delta::\(only ? "changedOnly" : "changedAny")() needs a mutation context (it works in listener filters)", at: nil, in: scope.context.source)
        }
        return .bool(try Diff.changed(only: only, before: scope.context.before ?? .null, after: scope.context.after ?? .null, selector: selector, scope: scope))
    }

    /// The object a path of attribute accesses and dereferences leads to, or `nil` when it leads
    /// to anything else. Walking `a.b->c` this way hands the objects along as they are, without
    /// wrapping each step in a ``Value``: the common paths of projections and filters are the
    /// hottest code of a query.
    @inline(__always)
    static func object(at node: Node, _ scope: Scope) throws(GROQError) -> JSONObject? {
        switch node {
        case .this:
            if case .object(let object) = scope.value { return object }
            return nil
        case .attribute(let base, let name):
            if case .object(let object)? = try self.object(at: base, scope)?[name] { return object }
            return nil
        case .dereference(let base):
            guard case .string(let ref)? = try self.object(at: base, scope)?["_ref"],
                case .object(let document)? = scope.context.dataset.document(id: ref)
            else { return nil }
            return document
        default:
            if case .object(let object) = try evaluate(node, scope) { return object }
            return nil
        }
    }

    static func slice(_ array: [JSONValue], from: Int, to: Int, inclusive: Bool) -> [JSONValue] {
        Array(array[sliceBounds(count: array.count, from: from, to: to, inclusive: inclusive)])
    }

    /// The positions `[from..to]` (or `[from...to]`) selects of `count` elements; negative
    /// bounds count from the end.
    static func sliceBounds(count: Int, from: Int, to: Int, inclusive: Bool) -> Range<Int> {
        var lo = from < 0 ? count + from : from
        var hi = to < 0 ? count + to : to
        if inclusive { hi += 1 }
        lo = max(0, min(lo, count))
        hi = max(0, min(hi, count))
        return lo < hi ? lo..<hi : 0..<0
    }

    private static func object(_ entries: [ObjectEntry], _ scope: Scope) throws(GROQError) -> JSONObject {
        var result = JSONObject(minimumCapacity: entries.count)
        for entry in entries {
            switch entry {
            case .value(let key, let node):
                result[key] = try evaluate(node, scope).json
            case .splat(let node):
                if case .object(let other) = try evaluate(node, scope) {
                    for (key, value) in other { result[key] = value }
                }
            case .conditional(let condition, let node):
                guard try evaluate(condition, scope).isTrue else { continue }
                if case .object(let other) = try evaluate(node, scope) {
                    for (key, value) in other { result[key] = value }
                }
            }
        }
        return result
    }

    private static func filter(_ base: Node, _ condition: Node, _ scope: Scope) throws(GROQError) -> Value {
        let started = scope.context.profile == nil ? nil : ContinuousClock.now
        let source: [JSONValue]
        var plan: QueryPlanner.Plan?
        var residual: Node? = condition
        var checks: [FieldCondition] = []
        if case .everything = base, let found = QueryPlanner.plan(condition, in: scope.context.dataset, params: scope.context.params, scope: scope) {
            source = found.candidates
            residual = found.residual
            plan = found
        } else if case .everything = base {
            source = scope.context.dataset.documents
            if !(scope.context.dataset is any EvaluatedByScan), let (fields, rest) = QueryPlanner.scanChecks(condition, scope: scope) {
                checks = fields
                residual = rest
            }
        } else {
            let value = try evaluate(base, scope)
            guard case .array(let array) = value else { return .null }
            source = array
        }
        let kept: [JSONValue]
        do throws(GROQError) {
            // Counted as built only when nothing is evaluated after: the scan it stands for
            // counted the documents it kept once.
            let checked = checks.isEmpty ? source : try passing(source, checks, scope, counted: residual == nil)
            kept = try test(checked, residual, scope)
        } catch where error.kind == .timeout && error.activity == nil {
            // Name the filter that was running when the time ran out, and how it read.
            let what = plan.map { "checking \($0.candidates.count) candidates from the \($0.access)" }
                ?? (isEverything(base) ? "scanning all \(source.count) documents (no index answers this filter)" : "testing \(source.count) elements")
            throw error.during("\(what) for \(GROQText.render(.filter(base, condition)))")
        }
        if let profile = scope.context.profile, let started, isEverything(base) {
            profile.record(query: GROQText.render(.filter(base, condition)),
                           access: plan?.access ?? "scan of every document",
                           residual: plan == nil ? nil : residual.map { GROQText.render($0) },
                           usesIndex: plan != nil, estimatedRows: source.count, rows: kept.count,
                           duration: ContinuousClock.now - started)
        }
        return .array(kept)
    }

    private static func isEverything(_ node: Node) -> Bool {
        if case .everything = node { return true }
        return false
    }

    /// The documents of `source` that pass every check, in order.
    private static func passing(_ source: [JSONValue], _ checks: [FieldCondition], _ scope: Scope,
                                counted: Bool) throws(GROQError) -> [JSONValue] {
        // Reading a member of each document is a cache miss away, so a large scan runs on every
        // core. Each thread tests with its own copy of the checks and counts its own checkpoints:
        // sharing either would have the cores fight over one reference count or counter.
        let chunks = ParallelMap.chunkCount(for: source.count)
        let copies = chunks == 1 ? [(checks, scope.context)]
            : (0..<chunks).map { _ in (checks.map { $0.privateCopy() }, scope.context.forAnotherThread()) }
        let kept = try source.withUnsafeBufferPointer { (documents) throws(GROQError) in
            try ParallelMap.chunks(of: source.count) { (chunk, range) throws(GROQError) -> [Int32] in
                let (checks, context) = copies[chunk]
                var kept: [Int32] = []
                for index in range {
                    try context.tick()
                    if checks.allSatisfy({ $0.passes(documents[index]) }) { kept.append(Int32(index)) }
                }
                return kept
            }
        }
        var result: [JSONValue] = []
        result.reserveCapacity(kept.reduce(0) { $0 + $1.count })
        for part in kept {
            for index in part { result.append(source[Int(index)]) }
        }
        if counted { try scope.context.build(result.count) }
        return result
    }

    /// The elements of `source` for which `condition` is true, in order (all of them without one).
    private static func test(_ source: [JSONValue], _ condition: Node?, _ scope: Scope) throws(GROQError) -> [JSONValue] {
        guard let condition else { return source }
        let frame = scope.frameForChildren()
        var result: [JSONValue] = []
        for index in source.indices {
            try scope.context.tick()
            if try evaluate(condition, scope.nested(Value(source[index]), parent: frame)).isTrue {
                result.append(source[index])
            }
        }
        try scope.context.build(result.count)
        return result
    }
}
