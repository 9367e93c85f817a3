import GROQ

extension DatasetSnapshot {
    /// One page of this snapshot's documents in `_id` order: at most `limit` documents whose
    /// `_id` sorts after `after` (from the first when `nil`), of the given types (all types when
    /// `types` is `nil`).
    ///
    /// Walking a large dataset page by page costs memory for one page only, and the pages of one
    /// snapshot never skip or repeat a document however long the walk takes, whatever is
    /// committed meanwhile (read the current version with ``Dataset/document(id:)``).
    ///
    /// ```swift
    /// let snapshot = dataset.snapshot
    /// var after: String?
    /// while true {
    ///     let page = snapshot.documents(ofTypes: ["customer"], after: after, limit: 500)
    ///     guard let last = page.last?["_id"]?.stringValue else { break }
    ///     // … work on page …
    ///     after = last
    /// }
    /// ```
    public func documents(ofTypes types: [String]?, after: String?, limit: Int) -> [JSONValue] {
        guard limit > 0 else { return [] }
        let source = layered(.raw)
        guard let types else { return Self.page(of: source.documents, after: after, limit: limit) }
        // Each type's list is in `_id` order: take a page of each and merge them.
        var merged: [JSONValue] = []
        for type in Set(types) {
            merged += Self.page(of: source.documents(ofType: type) ?? [], after: after, limit: limit)
        }
        if Set(types).count > 1 {
            merged.sort { Self.id(of: $0).utf8Precedes(Self.id(of: $1)) }
        }
        return Array(merged.prefix(limit))
    }

    /// How many documents of the given types (all when `nil`) the snapshot holds.
    public func count(ofTypes types: [String]?) -> Int {
        let source = layered(.raw)
        guard let types else { return source.documents.count }
        return Set(types).reduce(0) { $0 + (source.documents(ofType: $1)?.count ?? 0) }
    }

    /// The documents of `sorted` (in `_id` order, bytewise as SQLite sorts text) after `after`.
    private static func page(of sorted: [JSONValue], after: String?, limit: Int) -> [JSONValue] {
        var start = 0
        if let after {
            // The first position whose id sorts after `after`.
            var low = 0, high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                if after.utf8Precedes(id(of: sorted[middle])) { high = middle } else { low = middle + 1 }
            }
            start = low
        }
        let end = min(sorted.count, start + limit)
        return start < end ? Array(sorted[start..<end]) : []
    }

    private static func id(of document: JSONValue) -> String { document["_id"]?.stringValue ?? "" }
}
