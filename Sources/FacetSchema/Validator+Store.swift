import FacetStore
import GROQ

/// The schema's validator in the mutation pipeline: give it to the store and every write is
/// checked (`DocumentStore(directory:validator:)`).
extension Validator: DocumentValidating {
    public func findings(for document: JSONValue, among documents: any DocumentSource) -> [ValidationFinding] {
        var validator = self
        if validator.isUnique == nil {
            // Unique among the type's documents, not counting the document's own draft or
            // published twin (they are one document to an editor).
            validator.isUnique = { type, path, value, id in
                let own = id.map(DocumentID.published(of:))
                let keys = path.split(separator: ".").map(String.init)
                return !(documents.documents(ofType: type) ?? documents.documents).contains { other in
                    guard let otherID = other["_id"]?.stringValue, DocumentID.published(of: otherID) != own else { return false }
                    var current: JSONValue? = other
                    for key in keys { current = current?[key] }
                    return current == value
                }
            }
        }
        return validator.validate(document).map { ValidationFinding(path: $0.path, level: $0.level.rawValue, message: $0.message) }
    }
}
