/// Chooses which documents a filter over `*` needs to look at, from the indexes a
/// ``DocumentSource`` keeps: a conjunct `_id == "x"`, `_id in [...]`, `_type == "t"` or
/// `references("x")` narrows the scan to the matching documents. The filter still runs on every
/// candidate, so an index only ever saves work, never changes a result.
enum QueryPlanner {
    static func candidates(for condition: Node, in dataset: any DocumentSource) -> [JSONValue]? {
        var best: [JSONValue]? = nil
        for conjunct in conjuncts(condition) {
            guard let found = lookup(conjunct, dataset) else { continue }
            if best == nil || found.count < best!.count { best = found }
            if found.count <= 1 { break }
        }
        return best
    }

    private static func conjuncts(_ node: Node) -> [Node] {
        switch node {
        case .and(let l, let r): return conjuncts(l) + conjuncts(r)
        case .group(let inner): return conjuncts(inner)
        default: return [node]
        }
    }

    private static func lookup(_ node: Node, _ dataset: any DocumentSource) -> [JSONValue]? {
        switch node {
        case .binary(.equal, .attribute(.this, let field), .literal(let value)),
            .binary(.equal, .literal(let value), .attribute(.this, let field)):
            guard case .string(let s) = value else {
                // `_id == 3` can match nothing: no document has a non-string id.
                return field == "_id" ? [] : nil
            }
            if field == "_id" { return dataset.document(id: s).map { [$0] } ?? [] }
            if field == "_type" { return dataset.documents(ofType: s) }
            return nil
        case .binary(.in, .attribute(.this, "_id"), .literal(.array(let ids))):
            var seen = Set<String>()
            var found: [(String, JSONValue)] = []
            for case .string(let id) in ids where seen.insert(id).inserted {
                if let doc = dataset.document(id: id) { found.append((id, doc)) }
            }
            // Keep `*` order (by _id).
            return found.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map(\.1)
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
            if ids.count == 1 { return dataset.documents(referencing: ids[0]) }
            return nil
        default:
            return nil
        }
    }
}
