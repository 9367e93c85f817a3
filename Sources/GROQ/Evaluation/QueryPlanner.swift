/// Chooses which documents a filter over `*` needs to look at, from the indexes a
/// ``DocumentSource`` keeps: a conjunct `_id == "x"`, `_id in [...]`, `_type == "t"`,
/// `_type in ["t", "u"]`, `references("x")` or `name match "lop*"` narrows the scan to the
/// matching documents, and a disjunction whose every side narrows narrows to their union.
///
/// The `_id` and `_type` lookups answer their conjunct exactly, so it is dropped from what is
/// still evaluated per document; a `references()` lookup is a superset (it also sees references
/// nested inside reference objects), so its conjunct is still evaluated; so is a `match`, whose
/// token lookup finds every document holding a token with each term's literal prefix.
enum QueryPlanner {
    struct Plan {
        /// The documents that can match, in `*` order.
        let candidates: [JSONValue]
        /// What must still be true of each candidate; `nil` when every candidate matches.
        let residual: Node?
    }

    static func plan(_ condition: Node, in dataset: any DocumentSource, params: [String: JSONValue] = [:]) -> Plan? {
        let parts = conjuncts(condition)
        var best: (index: Int, docs: [JSONValue], exact: Bool)? = nil
        for (index, conjunct) in parts.enumerated() {
            guard let (found, exact) = lookup(conjunct, dataset, params) else { continue }
            if best == nil || found.count < best!.docs.count { best = (index, found, exact) }
            if found.count <= 1 { break }
        }
        guard let best else { return nil }
        var rest = parts
        if best.exact { rest.remove(at: best.index) }
        let residual = rest.isEmpty ? nil : rest.dropFirst().reduce(rest[0]) { .and($0, $1) }
        return Plan(candidates: best.docs, residual: residual)
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
            guard field == "_id" || field == "_type" else { return nil }
            // No document has a non-string `_id` or `_type` that equals a non-string literal in
            // an indexed dataset, but keep exactness honest: only strings use the index.
            guard case .string(let s) = value else { return nil }
            if field == "_id" { return (dataset.document(id: s).map { [$0] } ?? [], true) }
            return dataset.documents(ofType: s).map { ($0, true) }
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
            return (found.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map(\.1), true)
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
            if ids.count == 1, let docs = dataset.documents(referencing: ids[0]) { return (docs, false) }
            return nil
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
        guard !paths.isEmpty, let prefixes = TokenIndex.prefixes(ofPattern: value), !prefixes.isEmpty else { return nil }
        return dataset.documents(withTokensStartingWith: prefixes, atAnyOf: paths)
    }

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
