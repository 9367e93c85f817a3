import GROQ

/// What an export includes.
public struct ExportOptions: Sendable {
    /// Only these `_type`s; every type when `nil`.
    public var types: Set<String>?
    /// Include `drafts.` documents.
    public var includeDrafts = true
    /// What the reader may see (their role's visibility): hidden documents are left out and
    /// hidden fields removed, before anything is sealed; everything when `nil`.
    public var visibility: (any DocumentVisibility)?
    /// Seal protected fields as the database stores them (the default). `false` writes them in
    /// plaintext, for a house moving its data to another system: such a file is as sensitive as
    /// the data itself, and only an administrator should make one.
    public var sealed = true

    public init(types: Set<String>? = nil, includeDrafts: Bool = true, visibility: (any DocumentVisibility)? = nil, sealed: Bool = true) {
        self.types = types
        self.includeDrafts = includeDrafts
        self.visibility = visibility
        self.sealed = sealed
    }
}

extension Dataset {
    /// Writes the dataset in Sanity's NDJSON export format (one document per line, in `_id`
    /// order) from one snapshot, in chunks of about 256 KiB, so writers are never blocked and the
    /// output needs no more memory than one chunk. Returns how many documents were written.
    ///
    /// A dataset with a sealing (field encryption) exports its documents sealed, as its file
    /// stores them, so an export holds no more plaintext than the database does; importing it
    /// opens them again. ``ExportOptions/sealed`` `false` writes them open instead. Throws what `write` throws, or a ``StoreError`` when a document cannot
    /// be sealed.
    ///
    /// ```swift
    /// let handle = try FileHandle(forWritingTo: url)
    /// try dataset.exportNDJSON { chunk in try handle.write(contentsOf: chunk) }
    /// ```
    @discardableResult
    public func exportNDJSON(_ options: ExportOptions = ExportOptions(), write: ([UInt8]) throws -> Void) throws -> Int {
        let snapshot = self.snapshot
        let source = snapshot.source(.raw)
        let visibility = options.visibility, sealing = self.sealing, name = self.name
        var count = 0
        var chunk: [UInt8] = []
        chunk.reserveCapacity(300 * 1024)
        func emit(_ document: JSONValue) throws {
            if !options.includeDrafts, let id = document["_id"]?.stringValue, DocumentID.isDraft(id) { return }
            var document = document
            if let visibility {
                guard let visible = visibility.present(document) else { return }
                document = visible
            }
            if options.sealed, let sealing { document = try sealing.seal(document, dataset: name) }
            document.write(to: &chunk)
            chunk.append(0x0A)
            count += 1
            if chunk.count >= 256 * 1024 {
                try write(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        if let types = options.types {
            // Each type's list is in _id order; merging keeps the whole export in _id order.
            let lists = types.sorted().compactMap { source.documents(ofType: $0) }.filter { !$0.isEmpty }
            if lists.count == 1 {
                for document in lists[0] { try emit(document) }
            } else {
                var positions = Array(repeating: 0, count: lists.count)
                while true {
                    var best: Int?
                    for index in lists.indices where positions[index] < lists[index].count {
                        let id = lists[index][positions[index]]["_id"]?.stringValue ?? ""
                        if let current = best, !id.utf8Precedes((lists[current][positions[current]]["_id"]?.stringValue ?? "")) { continue }
                        best = index
                    }
                    guard let chosen = best else { break }
                    try emit(lists[chosen][positions[chosen]])
                    positions[chosen] += 1
                }
            }
        } else {
            for document in source.documents { try emit(document) }
        }
        if !chunk.isEmpty { try write(chunk) }
        return count
    }
}
