/// Chooses which documents a filter over `*` needs to look at, from the indexes a
/// ``DocumentSource`` keeps: a conjunct `_id == "x"`, `_id in [...]`, `_type == "t"`,
/// `_type in ["t", "u"]` or `references("x")` narrows the scan to the matching documents.
///
/// The `_id` and `_type` lookups answer their conjunct exactly, so it is dropped from what is
/// still evaluated per document; a `references()` lookup is a superset (it also sees references
/// nested inside reference objects), so its conjunct is still evaluated.
enum QueryPlanner {
    struct Plan {
        /// The documents that can match, in `*` order.
        let candidates: [JSONValue]
        /// What must still be true of each candidate; `nil` when every candidate matches.
        let residual: Node?
    }

    static func plan(_ condition: Node, in dataset: any DocumentSource) -> Plan? {
        let parts = conjuncts(condition)
        var best: (index: Int, docs: [JSONValue], exact: Bool)? = nil
        for (index, conjunct) in parts.enumerated() {
            guard let (found, exact) = lookup(conjunct, dataset) else { continue }
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

    private static func lookup(_ node: Node, _ dataset: any DocumentSource) -> ([JSONValue], exact: Bool)? {
        switch node {
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
            return lookup(.binary(.in, .attribute(.this, "_type"), .literal(.array(types))), dataset)
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
            return lookup(.binary(.in, .attribute(.this, "_id"), .literal(.array(ids))), dataset)
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
}
