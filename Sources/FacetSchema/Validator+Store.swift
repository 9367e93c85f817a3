import FacetStore
import GROQ
import Synchronization

/// The schema's validator in the mutation pipeline: give it to the store and every write is
/// checked (`DocumentStore(directory:validator:)`).
extension Validator: DocumentValidating {
    /// The schema's indexed fields (``Field/isIndexed``), which the store keeps indexed.
    public var indexedPaths: [[String]] { schema.indexedPaths }
    public var uniquePaths: [String: [[String]]] { schema.uniquePaths }

    public func findings(for document: JSONValue, among documents: any DocumentSource) -> [ValidationFinding] {
        findings(forEach: [document], among: documents)[0]
    }

    public func findings(forEach batch: [JSONValue], among documents: any DocumentSource) -> [[ValidationFinding]] {
        var validator = self
        // One per transaction: a `unique` rule then costs a lookup, not a scan of every document
        // of the type for every document written.
        let others = OtherDocuments(documents: documents)
        if validator.isUnique == nil {
            validator.isUnique = { type, path, value, id in others.isUnique(type: type, path: path, value: value, documentID: id) }
        }
        if validator.typeOfDocument == nil {
            validator.typeOfDocument = { id in others.type(of: id) }
        }
        return batch.map { document in
            validator.validate(document).map { ValidationFinding(path: $0.path, level: $0.level.rawValue, message: $0.message) }
        }
    }
}

/// What validation asks of the documents beside the one checked: the type of a referenced
/// document, and which documents hold a value of a field — from the source's value indexes, or
/// (for a value no index holds, such as an object) an index built for a (type, field) the first
/// time a `unique` rule asks about it.
///
/// A document's draft and its published version are one document to an editor, so they are
/// counted once, under the published id.
final class OtherDocuments: Sendable {
    private let documents: UncheckedDocuments
    private let built = Mutex<[String: [JSONValue: Set<String>]]>([:])

    /// The evaluation's sources are classes the store does not mutate while a transaction is
    /// validated; the box only carries the reference across the `Sendable` boundary.
    private struct UncheckedDocuments: @unchecked Sendable { let source: any DocumentSource }

    init(documents: any DocumentSource) {
        self.documents = UncheckedDocuments(source: documents)
    }

    /// The type of the document `id` (or, when only a draft exists, of its draft).
    func type(of id: String) -> String? {
        let source = documents.source
        return (source.document(id: id) ?? source.document(id: DocumentID.draft(of: id)))?["_type"]?.stringValue
    }

    func isUnique(type: String, path: String, value: JSONValue, documentID: String?) -> Bool {
        let own = documentID.map(DocumentID.published(of:))
        // A scalar is looked up in the source's value index, which the store keeps from one
        // transaction to the next: a seed or import writing thousands of clients in hundreds of
        // transactions would otherwise read every client once per transaction.
        if let fieldKey = FieldKey(value),
           let holders = documents.source.documents(answering: .fields([
               FieldCondition(path: ["_type"], keys: [.string(type)]),
               FieldCondition(path: path.split(separator: ".").map(String.init), keys: [fieldKey]),
           ]))
        {
            return holders.allSatisfy { document in document["_id"]?.stringValue.map(DocumentID.published(of:)) == own }
        }
        let key = type + "\u{0}" + path
        return built.withLock { built in
            if built[key] == nil { built[key] = holders(type: type, path: path) }
            let holders = built[key]?[value] ?? []
            return holders.allSatisfy { $0 == own }
        }
    }

    private func holders(type: String, path: String) -> [JSONValue: Set<String>] {
        let keys = path.split(separator: ".").map(String.init)
        let source = documents.source
        var index: [JSONValue: Set<String>] = [:]
        for document in source.documents(ofType: type) ?? source.documents where document["_type"]?.stringValue == type {
            guard let id = document["_id"]?.stringValue else { continue }
            var current: JSONValue? = document
            for key in keys { current = current?[key] }
            if let current, !current.isNull { index[current, default: []].insert(DocumentID.published(of: id)) }
        }
        return index
    }
}
