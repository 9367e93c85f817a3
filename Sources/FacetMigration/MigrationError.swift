import FacetStore
import GROQ

/// Why a migration stopped: what went wrong, on which document, and what to do.
///
/// A run that stops leaves every transaction committed before it in place (each is whole and
/// valid); running the migration again after the fix finishes the rest.
public struct MigrationError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// No migration has this id.
        case unknownMigration
        /// The migration's definition is wrong (its filter does not parse, its id is malformed).
        case definition
        /// A handler threw, or asked for an edit that cannot be applied.
        case handler
        /// The migrated documents would not validate: nothing of the failing batch was written.
        case validation
        /// Other writers kept changing the same documents through every retry.
        case conflict
        /// The store refused a batch for another reason, or the record could not be written.
        case storage
    }

    public var kind: Kind
    public var message: String
    public var advice: String
    /// The document concerned, when there is one.
    public var documentID: String?
    /// For a validation failure: each refused document with its markers.
    public var invalidDocuments: [InvalidDocument]
    /// How many documents had been committed before the run stopped.
    public var committedDocuments: Int

    public init(_ kind: Kind, message: String, advice: String, documentID: String? = nil, invalidDocuments: [InvalidDocument] = [],
                committedDocuments: Int = 0)
    {
        self.kind = kind
        self.message = message
        self.advice = advice
        self.documentID = documentID
        self.invalidDocuments = invalidDocuments
        self.committedDocuments = committedDocuments
    }

    public var description: String {
        var lines = [message]
        for document in invalidDocuments {
            lines.append("  \(document.id) (\(document.type))")
            for marker in document.markers { lines.append("    \(marker.level) at \(marker.path.isEmpty ? "(document)" : marker.path): \(marker.message)") }
        }
        lines.append(advice)
        return lines.joined(separator: "\n")
    }
}

/// A document the migration would leave invalid, with the validator's markers.
public struct InvalidDocument: Sendable, Equatable {
    public var id: String
    public var type: String
    public var markers: [ValidationFinding]

    public init(id: String, type: String, markers: [ValidationFinding]) {
        self.id = id
        self.type = type
        self.markers = markers
    }
}
