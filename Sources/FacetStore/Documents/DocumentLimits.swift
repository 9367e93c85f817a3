import GROQ

/// The largest documents and transactions the store accepts.
public struct DocumentLimits: Sendable {
    /// Serialised size of one document, in bytes (8 MiB by default).
    public var maxDocumentBytes = 8 * 1024 * 1024
    /// Nesting of arrays and objects inside a document.
    public var maxDepth = 64
    /// Documents one query-selected delete or patch may touch (Sanity's limit).
    public var maxQueryMatches = 10_000

    public init(maxDocumentBytes: Int = 8 * 1024 * 1024, maxDepth: Int = 64, maxQueryMatches: Int = 10_000) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxDepth = maxDepth
        self.maxQueryMatches = maxQueryMatches
    }

    /// Throws when `document` is nested too deeply or too large.
    func check(_ document: JSONValue, id: String) throws(StoreError) {
        var bytes = 0
        var deepest = 0
        Self.measure(document, depth: 0, bytes: &bytes, deepest: &deepest, stopAt: maxDepth)
        if deepest > maxDepth {
            throw StoreError.invalid("Document \"\(id)\" is nested more than \(maxDepth) levels deep",
                                     advice: "Flatten the structure, or keep deep data in documents of their own joined by references.", documentID: id)
        }
        if bytes > maxDocumentBytes {
            throw StoreError(.tooLarge, type: "documentTooLargeError",
                             message: "Document \"\(id)\" is \(bytes) bytes, more than the limit of \(maxDocumentBytes)",
                             advice: "Store large content as assets or split it into several documents.", documentID: id)
        }
    }

    /// About how many bytes `value` takes serialised (see `measure`): what a listener's buffer
    /// is charged for holding it.
    static func serializedSize(of value: JSONValue) -> Int {
        var bytes = 0, deepest = 0
        measure(value, depth: 0, bytes: &bytes, deepest: &deepest, stopAt: .max)
        return bytes
    }

    /// Adds the serialised size of `value` to `bytes` (exact for ASCII text without escapes, a
    /// close lower bound otherwise) and records the deepest nesting, stopping past `stopAt`.
    private static func measure(_ value: JSONValue, depth: Int, bytes: inout Int, deepest: inout Int, stopAt: Int) {
        deepest = max(deepest, depth)
        guard depth <= stopAt else { return }
        switch value {
        case .null: bytes += 4
        case .bool(let b): bytes += b ? 4 : 5
        case .number: bytes += 8
        case .string(let s): bytes += s.utf8.count + 2
        case .array(let items):
            bytes += 2 + items.count
            for item in items { measure(item, depth: depth + 1, bytes: &bytes, deepest: &deepest, stopAt: stopAt) }
        case .object(let object):
            bytes += 2 + object.count
            for (key, member) in object {
                bytes += key.utf8.count + 3
                measure(member, depth: depth + 1, bytes: &bytes, deepest: &deepest, stopAt: stopAt)
            }
        }
    }
}
