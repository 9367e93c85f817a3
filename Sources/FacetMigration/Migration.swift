import FacetStore
import GROQ

/// A content migration: which documents it applies to, and pure handlers that say how each
/// should change.
///
/// The document handler sees the whole document; node handlers see every value inside it with
/// its path (for "rename this field wherever it appears", "normalise every phone number").
/// Both return ``MigrationEdit``s; ``MigrationRunner`` turns them into guarded patches and
/// commits them through the mutation pipeline, so validation, encryption, references, history
/// and the audit log apply as to any edit.
///
/// Handlers must be idempotent: given a document they already migrated, they return no edits
/// (or edits that change nothing). That is what makes a second run a no-op, and an interrupted
/// run safe to start again.
///
/// ```swift
/// let uppercaseCountries = Migration(
///     id: "uppercase-countries", title: "Country codes in capitals", documentTypes: ["customer"],
///     nodes: NodeHandlers(string: { node, _ in
///         guard node.path.fieldName == "country", let code = node.value.stringValue, code != code.uppercased() else { return [] }
///         return [node.set(.string(code.uppercased()))]
///     }))
/// ```
public struct Migration: Sendable, Identifiable {
    /// Names the migration in `facet migration run ID`, in the applied record, and as the author
    /// of its transactions (`migration:ID`): lowercase letters, digits and dashes.
    public let id: String
    /// One line saying what it does.
    public var title: String
    /// The `_type`s it applies to; empty means every document.
    public var documentTypes: [String]
    /// A GROQ filter narrowing the documents further, e.g. `defined(phone)`.
    public var filter: String?
    /// The validation markers it repairs, so that `facet schema check` can suggest it.
    public var fixes: [ValidationFix]
    /// Sees each matching document (drafts included) and returns edits; runs before the node handlers.
    public var document: DocumentHandler?
    /// See every value inside each matching document, after the document handler's edits.
    public var nodes: NodeHandlers

    /// Turns one document into edits: `(document, context) -> edits`.
    public typealias DocumentHandler = @Sendable (JSONObject, MigrationContext) throws -> [MigrationEdit]

    public init(id: String, title: String, documentTypes: [String] = [], filter: String? = nil, fixes: [ValidationFix] = [],
                document: DocumentHandler? = nil, nodes: NodeHandlers = NodeHandlers())
    {
        self.id = id
        self.title = title
        self.documentTypes = documentTypes
        self.filter = filter
        self.fixes = fixes
        self.document = document
        self.nodes = nodes
    }

    /// The author recorded in history and the audit log for this migration's transactions.
    public var author: String { "migration:" + id }
}

/// A kind of validation marker a migration repairs: on documents of `documentType`, at a path
/// whose last field is `field`.
public struct ValidationFix: Sendable, Hashable {
    public var documentType: String
    public var field: String

    public init(documentType: String, field: String) {
        self.documentType = documentType
        self.field = field
    }

    /// Whether a marker at `path` (`phone`, `contacts[_key=="a"].phone`) on a `type` document is of this kind.
    public func covers(type: String, path: String) -> Bool {
        guard type == documentType else { return false }
        let last = path.split(whereSeparator: { $0 == "." || $0 == "]" }).last.map(String.init) ?? path
        return last == field || path == field
    }
}

/// Handlers for the values inside a document, one per JSON kind. Each receives the node with its
/// path and returns edits (usually `node.set(…)` or `node.unset()`).
///
/// Members whose names start with `_` (`_key`, `_type`, `_ref`, the system fields) are structure,
/// not content: they are not visited, though an object handler sees them in its node's value.
/// Nodes are visited depth first in document order, parents before their members.
public struct NodeHandlers: Sendable {
    public typealias Handler = @Sendable (MigrationNode, MigrationContext) throws -> [MigrationEdit]

    public var object: Handler?
    public var array: Handler?
    public var string: Handler?
    public var number: Handler?
    public var boolean: Handler?
    public var null: Handler?

    public init(object: Handler? = nil, array: Handler? = nil, string: Handler? = nil, number: Handler? = nil, boolean: Handler? = nil,
                null: Handler? = nil)
    {
        self.object = object
        self.array = array
        self.string = string
        self.number = number
        self.boolean = boolean
        self.null = null
    }

    var isEmpty: Bool { object == nil && array == nil && string == nil && number == nil && boolean == nil && null == nil }
}

/// A value inside a document, as a node handler sees it.
public struct MigrationNode: Sendable {
    /// The value at ``path``.
    public var value: JSONValue
    /// Where the value is (the document root for the document object itself).
    public var path: MigrationPath
    /// The `_id` of the document being migrated.
    public var documentID: String
    /// Its `_type`.
    public var documentType: String
    /// The whole document the node is in (for context such as a country beside a phone number).
    public var document: JSONValue

    public init(value: JSONValue, path: MigrationPath, documentID: String, documentType: String, document: JSONValue) {
        self.value = value
        self.path = path
        self.documentID = documentID
        self.documentType = documentType
        self.document = document
    }

    /// Replaces this node's value.
    public func set(_ value: JSONValue) -> MigrationEdit { .set(path, value) }
    /// Removes this node.
    public func unset() -> MigrationEdit { .unset(path) }
}

/// What a handler may read besides the document: the dataset as it was when the run started.
public struct MigrationContext: Sendable {
    /// The migration running.
    public let migrationID: String
    let snapshot: DatasetSnapshot

    public init(migrationID: String, snapshot: DatasetSnapshot) {
        self.migrationID = migrationID
        self.snapshot = snapshot
    }

    /// Another document by id (raw perspective), for migrations that follow references.
    public func document(id: String) -> JSONValue? { snapshot.document(id: id) }
}
