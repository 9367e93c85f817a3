/// Functions about Sanity content: Portable Text (`pt::`), document versions (`sanity::`) and
/// content releases (`releases::`).
enum ContentFunctions {
    static let all: [GROQFunction] = [
        GROQFunction("pt", "text", arity: 1) { args, _ in
            switch args[0] {
            case .object(let block):
                return blockText(block).map { .string($0) } ?? .null
            case .array(let blocks):
                var texts: [String] = []
                collect(blocks, into: &texts)
                return texts.isEmpty ? .null : .string(texts.joined(separator: "\n\n"))
            default:
                return .null
            }
        },
        GROQFunction("sanity", "projectId", arity: 0) { _, _ in .null },
        GROQFunction("sanity", "dataset", arity: 0) { _, _ in .null },
        GROQFunction("sanity", "versionOf", arity: 1, readsScope: true) { args, scope in
            guard case .string(let base) = args[0], case .object(let doc) = scope.value,
                case .string(let id)? = doc["_id"]
            else { return .null }
            if id == base { return .true }
            let parts = id.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count >= 2, parts[0] == "drafts", parts.dropFirst().joined(separator: ".") == base { return .true }
            if parts.count >= 3, parts[0] == "versions", parts.dropFirst(2).joined(separator: ".") == base { return .true }
            return .false
        },
        GROQFunction("sanity", "partOfRelease", arity: 1, readsScope: true) { args, scope in
            guard case .string(let release) = args[0], case .object(let doc) = scope.value,
                case .string(let id)? = doc["_id"]
            else { return .null }
            let parts = id.split(separator: ".", omittingEmptySubsequences: false)
            return .bool(parts.count >= 3 && parts[0] == "versions" && parts[1] == release)
        },
        GROQFunction("releases", "all", arity: 0) { _, scope in
            let source = scope.context.dataset
            let docs = source.documents(ofType: "system.release")
                ?? source.documents.filter { $0["_type"] == .string("system.release") }
            return .array(docs)
        },
    ]

    private static func collect(_ blocks: [JSONValue], into texts: inout [String]) {
        for block in blocks {
            switch block {
            case .array(let nested): collect(nested, into: &texts)
            case .object(let object): if let text = blockText(object) { texts.append(text) }
            default: break
            }
        }
    }

    private static func blockText(_ block: JSONObject) -> String? {
        guard case .string? = block["_type"], case .array(let children)? = block["children"] else { return nil }
        var text = ""
        for case .object(let child) in children {
            if child["_type"] == .string("span"), case .string(let t)? = child["text"] { text += t }
        }
        return text
    }
}
