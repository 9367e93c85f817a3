/// Chooses which documents a filter over `*` needs to look at, from the indexes a
/// ``DocumentSource`` keeps: a conjunct `_id == "x"`, `_id in [...]`, `_type == "t"`,
/// `_type in ["t", "u"]`, `field == value`, `field in [values]`, `references("x")` or
/// `name match "lop*"` narrows the scan to the matching documents; several field conditions are
/// answered together; a disjunction whose every side narrows narrows to their union. Operands
/// that read nothing of the tested document (`^._id`, `$ids`) are evaluated first
/// (``CorrelatedOperands``), so a sub-query run once per outer row uses the indexes too.
///
/// The `_id`, `_type` and field lookups answer their conjuncts exactly, so those are dropped
/// from what is still evaluated per document; a `references()` lookup is a superset (it also
/// sees references nested inside reference objects), so its conjunct is still evaluated; so is a
/// `match`, whose token lookup finds every document holding a token with each term's literal
/// prefix.
enum QueryPlanner {
    struct Plan {
        /// The documents that can match, in `*` order.
        let candidates: [JSONValue]
        /// What must still be true of each candidate; `nil` when every candidate matches.
        let residual: Node?
        /// The index that chose the candidates and the conjuncts it was asked, as written.
        let index: String
        let answered: [Node]

        /// `type index: _type == "order"`, for an explained plan.
        var access: String {
            "\(index): " + answered.map { GROQText.render($0, maxLength: 100) }.joined(separator: " && ")
        }
    }

    /// - Parameter scope: the scope the filter is evaluated in (its `@` is the outer row that
    ///   `^` reads), so that operands naming no field of the inner document (`^._id`, `$ids`)
    ///   are evaluated once and looked up like literals.
    static func plan(_ condition: Node, in dataset: any DocumentSource, params: [String: JSONValue] = [:],
                     scope: Scope? = nil) -> Plan? {
        let parts = conjuncts(condition)
        let probe = scope.map { $0.nested(.null, parent: $0.frameForChildren()) }
        // Each candidate list, with the conjuncts it answers exactly (none for a superset).
        var found: [(answers: [Int], docs: [JSONValue], index: String, asked: [Int])] = []
        var fields: [(indices: [Int], node: Node, condition: FieldCondition)] = []
        for (index, conjunct) in parts.enumerated() {
            let operandsKnown = probe.map { CorrelatedOperands.substituting(conjunct, $0) } ?? conjunct
            if let condition = fieldCondition(operandsKnown) {
                // `total > 100 && total <= 500`: one range, read from the index once.
                if case .range(let lower, let upper) = condition.test, let kind = condition.test.rangeKind,
                   let same = fields.firstIndex(where: { $0.condition.path == condition.path && $0.condition.test.rangeKind == kind }),
                   case .range(let otherLower, let otherUpper) = fields[same].condition.test {
                    let merged = FieldTest.range(lower: tighter(lower, otherLower, lower: true), upper: tighter(upper, otherUpper, lower: false))
                    fields[same] = (fields[same].indices + [index], operandsKnown, FieldCondition(path: condition.path, test: merged))
                } else {
                    fields.append(([index], operandsKnown, condition))
                }
                continue
            }
            guard let (docs, exact) = lookup(operandsKnown, dataset, params) else { continue }
            found.append((exact ? [index] : [], docs, indexName(operandsKnown), [index]))
            if docs.count <= 1 { break }
        }
        // Several field conditions (`_type == "order" && status == "paid"`) are answered together,
        // by intersecting their value indexes; one alone goes the usual way (`_type` has its own).
        // Not when another lookup already found a few candidates (a search's matches), nor for
        // one field named twice: materialising a large list would cost more than checking.
        let fewFound = found.contains { $0.docs.count <= 256 }
        if fields.count > 1, !fewFound, fields.contains(where: { $0.condition.path != fields[0].condition.path }),
           let docs = dataset.documents(answering: .fields(fields.map(\.condition))) {
            found.append((fields.flatMap(\.indices), docs, "value indexes", fields.flatMap(\.indices)))
        } else if !fewFound || fields.contains(where: { !$0.condition.test.isRange }) {
            for field in fields {
                let answer: ([JSONValue], exact: Bool)?
                if field.condition.test.isRange {
                    // A range alone is worth reading only when nothing narrower was found.
                    answer = fewFound ? nil : dataset.documents(answering: .fields([field.condition])).map { ($0, true) }
                } else {
                    answer = lookup(field.node, dataset, params)
                }
                if let (docs, exact) = answer { found.append((exact ? field.indices : [], docs, indexName(field.node), field.indices)) }
            }
        }
        guard let best = found.min(by: { $0.docs.count < $1.docs.count }) else { return nil }
        let rest = parts.enumerated().filter { !best.answers.contains($0.offset) }.map(\.element)
        let residual = rest.isEmpty ? nil : rest.dropFirst().reduce(rest[0]) { .and($0, $1) }
        return Plan(candidates: best.docs, residual: residual, index: best.index, answered: best.asked.map { parts[$0] })
    }

    /// For a filter no index answers: its conjuncts that are field conditions (`total > 100`,
    /// `status == "paid"`, `address.country in ["FR", "BE"]`), as checks that read each document
    /// directly, and what must still be evaluated of the documents that pass them. A check costs
    /// a path read and a comparison where the evaluator pays for a scope and values per
    /// document; it decides as the value indexes do, which decide as the evaluator does.
    /// `nil` when no conjunct is a field condition.
    static func scanChecks(_ condition: Node, scope: Scope? = nil) -> (checks: [FieldCondition], residual: Node?)? {
        let parts = conjuncts(condition)
        let probe = scope.map { $0.nested(.null, parent: $0.frameForChildren()) }
        var checks: [FieldCondition] = []
        var rest: [Node] = []
        for conjunct in parts {
            let operandsKnown = probe.map { CorrelatedOperands.substituting(conjunct, $0) } ?? conjunct
            if let field = fieldCondition(operandsKnown) { checks.append(field) } else { rest.append(conjunct) }
        }
        guard !checks.isEmpty else { return nil }
        return (checks, rest.isEmpty ? nil : rest.dropFirst().reduce(rest[0]) { .and($0, $1) })
    }

    /// Which of the source's indexes a conjunct's lookup reads.
    private static func indexName(_ node: Node) -> String {
        switch node {
        case .binary(.match, _, _): "token index"
        case .or: "union of both sides' indexes"
        case .call: "reference index"
        case .binary(_, .attribute(.this, "_id"), _), .binary(_, _, .attribute(.this, "_id")): "_id index"
        case .binary(.equal, .attribute(.this, "_type"), _), .binary(.equal, _, .attribute(.this, "_type")),
             .binary(.in, .attribute(.this, "_type"), _): "type index"
        case .binary(let op, _, _) where op.isComparison: "value index, range"
        case .inRange: "value index, range"
        default: "value index"
        }
    }

    /// The field condition a conjunct states exactly: `path == value` or `path in [values]` with
    /// strings, numbers or booleans (not `_id`, whose own lookup is cheaper).
    private static func fieldCondition(_ node: Node) -> FieldCondition? {
        let field: Node, keys: [FieldKey]?
        switch node {
        case .binary(.equal, .attribute(let base, let name), .literal(let value)),
            .binary(.equal, .literal(let value), .attribute(let base, let name)):
            field = .attribute(base, name)
            keys = FieldKey(value).map { [$0] }
        case .binary(.in, .attribute(let base, let name), .literal(.array(let items))):
            field = .attribute(base, name)
            keys = fieldKeys(items)
        case .binary(.in, .attribute(let base, let name), .array(let elements)):
            field = .attribute(base, name)
            var items: [JSONValue] = []
            for element in elements {
                guard !element.isSplat, case .literal(let value) = element.value else { return nil }
                items.append(value.json)
            }
            keys = fieldKeys(items)
        default:
            return rangeCondition(node)
        }
        guard let keys, let path = attributePath(field), path != ["_id"] else { return nil }
        return FieldCondition(path: path, keys: keys)
    }

    /// `total > 1000`, `1000 < total`, `orderDate >= "2025-01-01"`, `total in 100..500`: a range
    /// of numbers or of strings on an attribute path.
    private static func rangeCondition(_ node: Node) -> FieldCondition? {
        func bound(_ value: Value, inclusive: Bool) -> RangeBound? {
            switch value {
            case .number(let n): RangeBound(.number(n), inclusive: inclusive)
            case .string(let s): RangeBound(.string(s), inclusive: inclusive)
            default: nil
            }
        }
        switch node {
        case .binary(let op, let field, .literal(let value)) where op.isComparison:
            guard let path = attributePath(field), let bound = bound(value, inclusive: op == .lessOrEqual || op == .greaterOrEqual) else { return nil }
            let below = op == .less || op == .lessOrEqual
            return FieldCondition(path: path, test: below ? .range(lower: nil, upper: bound) : .range(lower: bound, upper: nil))
        case .binary(let op, .literal(let value), let field) where op.isComparison:
            // `1000 < total` is `total > 1000`.
            guard let path = attributePath(field), let bound = bound(value, inclusive: op == .lessOrEqual || op == .greaterOrEqual) else { return nil }
            let below = op == .greater || op == .greaterOrEqual
            return FieldCondition(path: path, test: below ? .range(lower: nil, upper: bound) : .range(lower: bound, upper: nil))
        case .inRange(let field, .literal(let from), .literal(let to), let inclusive):
            guard let path = attributePath(field), let lower = bound(from, inclusive: true),
                  let upper = bound(to, inclusive: inclusive) else { return nil }
            return FieldCondition(path: path, test: .range(lower: lower, upper: upper))
        default:
            return nil
        }
    }

    /// The narrower of two bounds of one kind on the same side of a range.
    private static func tighter(_ a: RangeBound?, _ b: RangeBound?, lower: Bool) -> RangeBound? {
        guard let a else { return b }
        guard let b else { return a }
        if a.key == b.key { return a.inclusive ? b : a }
        // `a` is tighter when it lies inside `b`'s side.
        return b.admits(a.key, asLower: lower) ? a : b
    }

    private static func conjuncts(_ node: Node) -> [Node] {
        switch node {
        case .and(let l, let r): return conjuncts(l) + conjuncts(r)
        case .group(let inner): return conjuncts(inner)
        default: return [node]
        }
    }

    private static func lookup(_ node: Node, _ dataset: any DocumentSource, _ params: [String: JSONValue]) -> ([JSONValue], exact: Bool)? {
        switch node {
        case .binary(.match, let text, let pattern):
            return textLookup(text, pattern, dataset, params).map { ($0, false) }
        case .or(let left, let right):
            // Either side's candidates may match: their union, with the whole condition checked.
            guard let first = plan(left, in: dataset, params: params),
                  let second = plan(right, in: dataset, params: params) else { return nil }
            return DocumentOrder.union(first.candidates, second.candidates).map { ($0, false) }
        case .binary(.equal, .attribute(.this, let field), .literal(let value)),
            .binary(.equal, .literal(let value), .attribute(.this, let field)):
            guard field == "_id" || field == "_type" else {
                return valueLookup(.attribute(.this, field), FieldKey(value).map { [$0] }, dataset)
            }
            // No document has a non-string `_id` or `_type` that equals a non-string literal in
            // an indexed dataset, but keep exactness honest: only strings use the index.
            guard case .string(let s) = value else { return nil }
            if field == "_id" { return (dataset.document(id: s).map { [$0] } ?? [], true) }
            return dataset.documents(ofType: s).map { ($0, true) }
        case .binary(.equal, .attribute(let base, let field), .literal(let value)),
            .binary(.equal, .literal(let value), .attribute(let base, let field)):
            return valueLookup(.attribute(base, field), FieldKey(value).map { [$0] }, dataset)
        case .binary(.in, .attribute(let base, let field), .literal(.array(let items))) where !isThis(base) || (field != "_type" && field != "_id"):
            return valueLookup(.attribute(base, field), fieldKeys(items), dataset)
        case .binary(.in, .attribute(let base, let field), .array(let elements)) where !isThis(base) || (field != "_type" && field != "_id"):
            var items: [JSONValue] = []
            for element in elements {
                guard !element.isSplat, case .literal(let value) = element.value else { return nil }
                items.append(value.json)
            }
            return valueLookup(.attribute(base, field), fieldKeys(items), dataset)
        case .binary(.in, .attribute(.this, "_type"), .array(let elements)):
            var types: [JSONValue] = []
            for element in elements {
                guard !element.isSplat, case .literal(let value) = element.value else { return nil }
                types.append(value.json)
            }
            return lookup(.binary(.in, .attribute(.this, "_type"), .literal(.array(types))), dataset, params)
        case .binary(.in, .attribute(.this, "_type"), .literal(.array(let types))):
            // The documents of each type, merged back into `*` order (by `_id`); when the types
            // hold much of the dataset, one pass over `*` is cheaper than merging.
            var seen = Set<String>()
            var lists: [[JSONValue]] = []
            for type in types {
                guard case .string(let name) = type else { return nil }
                guard seen.insert(name).inserted else { continue }
                guard let documents = dataset.documents(ofType: name) else { return nil }
                if !documents.isEmpty { lists.append(documents) }
            }
            let count = lists.reduce(0) { $0 + $1.count }
            if lists.count > 2, count > 4_096 {
                return (dataset.documents.filter { document in
                    if case .string(let type)? = document["_type"] { seen.contains(type) } else { false }
                }, true)
            }
            return (lists.dropFirst().reduce(lists.first ?? [], DocumentOrder.merge), true)
        case .binary(.in, .attribute(.this, "_id"), .array(let elements)):
            var ids: [JSONValue] = []
            for element in elements {
                guard !element.isSplat, case .literal(let value) = element.value else { return nil }
                ids.append(value.json)
            }
            return lookup(.binary(.in, .attribute(.this, "_id"), .literal(.array(ids))), dataset, params)
        case .binary(.in, .attribute(.this, "_id"), .literal(.array(let ids))):
            // A non-string id could match a document whose `_id` is not a string: scan instead.
            guard ids.allSatisfy({ if case .string = $0 { true } else { false } }) else { return nil }
            var seen = Set<String>()
            var found: [(String, JSONValue)] = []
            for case .string(let id) in ids where seen.insert(id).inserted {
                if let doc = dataset.document(id: id) { found.append((id, doc)) }
            }
            return (found.sorted { $0.0.utf8Precedes($1.0) }.map(\.1), true)
        case .call(let call) where call.function.name == "references" && call.function.namespace == "global":
            var ids: [String] = []
            for argument in call.arguments {
                switch argument {
                case .literal(.string(let id)): ids.append(id)
                case .literal(.array(let items)):
                    for case .string(let id) in items { ids.append(id) }
                default: return nil
                }
            }
            // Each id's referrers, merged: `references($ids)`, `references([^._id, ^.partner._ref])`.
            guard !ids.isEmpty else { return nil }
            var merged: [JSONValue] = []
            for (index, id) in Set(ids).enumerated() {
                guard let docs = dataset.documents(referencing: id) else { return nil }
                if index == 0 {
                    merged = docs
                } else {
                    guard let both = DocumentOrder.union(merged, docs) else { return nil }
                    merged = both
                }
            }
            return (merged, false)
        default:
            return nil
        }
    }

    /// The candidates of `text match pattern` from the source's token indexes, when the text is
    /// an attribute path of the document (or an array of such paths) and the pattern is a
    /// literal or a parameter with at least one term that does not start with a wildcard.
    private static func textLookup(_ text: Node, _ pattern: Node, _ dataset: any DocumentSource,
                                   _ params: [String: JSONValue]) -> [JSONValue]? {
        var paths: [[String]] = []
        switch text {
        case .array(let elements):
            for element in elements {
                guard !element.isSplat, let path = attributePath(element.value) else { return nil }
                paths.append(path)
            }
        default:
            guard let path = attributePath(text) else { return nil }
            paths.append(path)
        }
        let value: JSONValue
        switch pattern {
        case .literal(let literal): value = literal.json
        case .parameter(let name, _):
            guard let given = params[name] else { return nil }
            value = given
        default: return nil
        }
        guard !paths.isEmpty, let found = TokenIndex.prefixes(ofPattern: value), !found.isEmpty else { return nil }
        // The longest prefixes narrow most; a few are enough, and fewer terms still give a
        // superset. A pattern of thousands of terms must not cost thousands of index walks.
        let prefixes = Array(Set(found).sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
            .prefix(maxLookupPrefixes))
        return dataset.documents(answering: .tokens(prefixes: prefixes, paths: paths))
    }

    /// `segment == "vip"`, `address.city in ["Paris", "Lyon"]`: from the field's value index,
    /// exactly. `keys` is `nil` when a compared value is null, an array or an object, which the
    /// index does not hold (a missing field equals null too): those are scanned.
    private static func valueLookup(_ field: Node, _ keys: [FieldKey]?, _ dataset: any DocumentSource) -> ([JSONValue], exact: Bool)? {
        guard let keys, let path = attributePath(field) else { return nil }
        return dataset.documents(answering: .fields([FieldCondition(path: path, keys: keys)])).map { ($0, true) }
    }

    /// The keys of `items`, or `nil` when one is not a string, number or boolean.
    private static func fieldKeys(_ items: [JSONValue]) -> [FieldKey]? {
        var keys: [FieldKey] = []
        for item in items {
            guard let key = FieldKey(item) else { return nil }
            keys.append(key)
        }
        return keys
    }

    private static func isThis(_ node: Node) -> Bool {
        if case .this = node { return true }
        return false
    }

    /// How many of a `match` pattern's terms a token lookup uses.
    static let maxLookupPrefixes = 8

    /// `["address", "city"]` for `address.city`: attribute names read from the document down.
    private static func attributePath(_ node: Node) -> [String]? {
        switch node {
        case .attribute(.this, let name): return [name]
        case .attribute(let base, let name): return attributePath(base).map { $0 + [name] }
        case .group(let inner): return attributePath(inner)
        default: return nil
        }
    }
}
