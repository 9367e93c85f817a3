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
        let all = DocumentOrder.merge(primary.documents, secondary.documents)
        merged.withLock { $0 = all }
        return all
    }

    public func document(id: String) -> JSONValue? {
        primary.document(id: id) ?? secondary.document(id: id)
    }

    public func documents(ofType type: String) -> [JSONValue]? {
        guard let extra = secondary.documents(ofType: type), !extra.isEmpty else { return primary.documents(ofType: type) }
        guard let main = primary.documents(ofType: type) else { return nil }
        return DocumentOrder.merge(main, extra)
    }

    public func documents(referencing id: String) -> [JSONValue]? {
        guard let extra = secondary.documents(referencing: id), !extra.isEmpty else { return primary.documents(referencing: id) }
        guard let main = primary.documents(referencing: id) else { return nil }
        return DocumentOrder.merge(main, extra)
    }

    public func documents(answering lookup: IndexLookup) -> [JSONValue]? {
        guard let main = primary.documents(answering: lookup) else { return nil }
        if secondary.documents.isEmpty { return main }
        guard let extra = secondary.documents(answering: lookup) else { return nil }
        return DocumentOrder.merge(main, extra)
    }
}
