import GROQ
import Synchronization

/// Two sets of documents with distinct ids queried as one: a dataset's view and documents that
/// live elsewhere but are read like content (the audit log, shown to admins as `auditLog`
/// documents).
///
/// Lists are merged in `_id` order on first use; a query that only asks for one type of the
/// smaller set, or looks documents up by id, merges nothing.
///
/// ```swift
/// let source = CombinedDocuments(snapshot.source(.raw), InMemoryDataset(auditDocuments))
/// let last = try GROQQuery("*[_type == 'auditLog'] | order(sequence desc)[0]").evaluate(in: source)
/// ```
public final class CombinedDocuments: DocumentSource {
    public let primary: any DocumentSource
    public let secondary: InMemoryDataset
    private let merged = Mutex<[JSONValue]?>(nil)

    public init(_ primary: any DocumentSource, _ secondary: InMemoryDataset) {
        self.primary = primary
        self.secondary = secondary
    }

    public var documents: [JSONValue] {
        if secondary.documents.isEmpty { return primary.documents }
        if let all = merged.withLock({ $0 }) { return all }
        let all = Self.merge(primary.documents, secondary.documents)
        merged.withLock { $0 = all }
        return all
    }

    public func document(id: String) -> JSONValue? {
        primary.document(id: id) ?? secondary.document(id: id)
    }

    public func documents(ofType type: String) -> [JSONValue]? {
        guard let extra = secondary.documents(ofType: type), !extra.isEmpty else { return primary.documents(ofType: type) }
        guard let main = primary.documents(ofType: type) else { return nil }
        return Self.merge(main, extra)
    }

    public func documents(referencing id: String) -> [JSONValue]? {
        guard let extra = secondary.documents(referencing: id), !extra.isEmpty else { return primary.documents(referencing: id) }
        guard let main = primary.documents(referencing: id) else { return nil }
        return Self.merge(main, extra)
    }

    /// Two lists in `_id` order as one, in `_id` order.
    static func merge(_ first: [JSONValue], _ second: [JSONValue]) -> [JSONValue] {
        var result: [JSONValue] = []
        result.reserveCapacity(first.count + second.count)
        var i = 0, j = 0
        while i < first.count, j < second.count {
            let a = first[i]["_id"]?.stringValue ?? "", b = second[j]["_id"]?.stringValue ?? ""
            if b.utf8.lexicographicallyPrecedes(a.utf8) {
                result.append(second[j]); j += 1
            } else {
                result.append(first[i]); i += 1
            }
        }
        result.append(contentsOf: first[i...])
        result.append(contentsOf: second[j...])
        return result
    }
}
