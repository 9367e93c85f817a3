import GROQ

/// A problem a validator found in a document: where, how serious, and what.
public struct ValidationFinding: Sendable, Equatable {
    /// The JSON path of the value (`email`, `lines[_key=="a"].quantity`); `_type` for an
    /// undeclared type.
    public var path: String
    /// `error`, `warning` or `info`.
    public var level: String
    public var message: String
    /// Refuses the write even of a draft: for what must never be stored at all, such as a
    /// payment card number, as opposed to a rule a draft may break while it is being edited.
    public var blocking: Bool

    public init(path: String, level: String, message: String, blocking: Bool = false) {
        self.path = path
        self.level = level
        self.message = message
        self.blocking = blocking
    }

    public var json: JSONValue { ["path": .string(path), "level": .string(level), "message": .string(message)] }

    /// Whether a finding at `path` is about one of the top-level `fields` (or a value inside
    /// one): how findings on fields a reader may not see are left out of what they are told.
    public static func isAbout(_ fields: Set<String>, _ path: String) -> Bool {
        guard !fields.isEmpty else { return false }
        let end = path.firstIndex { $0 == "." || $0 == "[" } ?? path.endIndex
        return fields.contains(String(path[..<end]))
    }

    /// Why the document `id` with these findings may not be stored, or `nil` when it may: an
    /// undeclared type is refused always, error-level findings only on a published document.
    static func refusal(of id: String, _ findings: [ValidationFinding]) -> StoreError? {
        if let undeclared = findings.first(where: { $0.path == "_type" && $0.level == "error" }) {
            return StoreError(.invalid, type: "validationError", message: "Document \"\(id)\": \(undeclared.message)",
                              advice: "Use one of the declared types, or declare this one in the schema.", documentID: id,
                              details: ["markers": .array([undeclared.json])])
        }
        if let blocked = findings.first(where: \.blocking) {
            return StoreError(.invalid, type: "refusedValueError",
                              message: "Document \"\(id)\", field \(blocked.path): \(blocked.message)",
                              advice: "Remove the value from the field named; it may not be stored, not even in a draft.",
                              documentID: id, details: ["markers": .array([blocked.json]), "field": .string(blocked.path)])
        }
        let errors = findings.filter { $0.level == "error" }
        guard !errors.isEmpty, DocumentID.isPublished(id) else { return nil }
        let listed = errors.prefix(5).map { "\($0.path): \($0.message)" }.joined(separator: "; ")
        return StoreError(.invalid, type: "validationError",
                          message: "Document \"\(id)\" has \(errors.count) validation error\(errors.count == 1 ? "" : "s"): \(listed)\(errors.count > 5 ? "; …" : "")",
                          advice: "Fix the fields named; a draft (drafts.\(id)) may be saved with errors, but not published.",
                          documentID: id, details: ["markers": .array(findings.map(\.json))])
    }
}

/// What the mutation pipeline asks of a schema: the findings for a document about to be written.
///
/// The store enforces them as Sanity's studio does: a document of an undeclared `_type` is
/// refused; a published document with an error-level finding is refused with every finding
/// listed; a draft is stored with its findings, and publishing it is refused while an error
/// remains (publishing writes the published document, which is checked like any other).
public protocol DocumentValidating: Sendable {
    /// The findings for `document`; `documents` is the state the transaction sees, for rules
    /// such as uniqueness that look at other documents.
    func findings(for document: JSONValue, among documents: any DocumentSource) -> [ValidationFinding]

    /// The findings for each of `batch`, all written by one transaction that sees `documents`.
    /// A validator whose rules look at other documents can prepare once for the whole batch
    /// (the default asks ``findings(for:among:)`` for each document).
    func findings(forEach batch: [JSONValue], among documents: any DocumentSource) -> [[ValidationFinding]]

    /// The attribute paths the schema declares indexed: the store keeps a value index of each
    /// in every view of a dataset, from the moment it opens (the default declares none).
    var indexedPaths: [[String]] { get }

    /// The attribute paths of the fields declared unique, by document type: the store keeps
    /// who holds each of their values, so that checking a write costs a lookup (the default
    /// declares none).
    var uniquePaths: [String: [[String]]] { get }
}

extension DocumentValidating {
    public var indexedPaths: [[String]] { [] }
    public var uniquePaths: [String: [[String]]] { [:] }

    public func findings(forEach batch: [JSONValue], among documents: any DocumentSource) -> [[ValidationFinding]] {
        batch.map { findings(for: $0, among: documents) }
    }
}
