import FacetStore
import GROQ

/// Refuses the changes a principal's role does not allow, judging each change on the document
/// both before and after it, with errors naming the document, the operation and the field.
///
/// - **Types.** Creating, updating, deleting and publishing (writing a published id) each need
///   the operation on the type; changing a document's type is deleting one and creating another.
/// - **Drafts and versions** are their published document being edited: touching `drafts.X`
///   needs `update` on the type of `X` when `X` exists, and a new draft is judged as a change of
///   `X` (the state it starts from). The store itself keeps a draft's type that of `X`.
/// - **Sensitive fields.** A role may change a sensitive field only where it sees the field
///   before and after the change; and no change may make a document show its author sensitive
///   fields it did not show them before (a client advisor assigning a client to themselves).
///   Whole-document writes are compared value by value, so a copy that leaves the hidden
///   fields out is refused too: it would erase them.
/// - **Patches** are checked before they run, on the fields they name rather than on what
///   changed, so that a patch that sets a hidden field to the value it already holds is refused
///   like any other: otherwise the answer would tell whether a guess was right.
///
/// Where the type in question is that of a stored document the role may not read, the errors
/// leave it out, so that a refusal does not describe what the role may not see.
struct RoleAuthorizer: TransactionAuthorizing {
    let policy: PermissionPolicy
    let principal: Principal

    var visibility: (any DocumentVisibility)? { policy.visibility(for: principal) }

    func hiddenFields(of document: JSONValue) -> Set<String> {
        policy.hiddenFields(of: document, for: principal)
    }

    func authorize(_ changes: [DocumentChange]) throws(StoreError) {
        for change in changes { try authorize(change) }
    }

    private func authorize(_ change: DocumentChange) throws(StoreError) {
        let isVariant = !DocumentID.isPublished(change.id)
        // A new draft starts from the published document: making it is preparing to change that.
        let baseline = change.before ?? change.published
        if let publishedType = change.published?["_type"]?.stringValue {
            try require(.update, publishedType, change.id, stored: true)
        }
        let baselineType = baseline?["_type"]?.stringValue
        if let afterType = change.after?["_type"]?.stringValue {
            try require(baseline == nil ? .create : .update, afterType, change.id, stored: false)
            if !isVariant { try require(.publish, afterType, change.id, stored: false) }
            if let baselineType, baselineType != afterType {
                try require(.delete, baselineType, change.id, stored: true)
                try require(.create, afterType, change.id, stored: false)
            }
            try requireSight(change, baseline: baseline)
        } else if let beforeType = change.before?["_type"]?.stringValue {
            // Discarding a draft is an edit; deleting a published document is a deletion.
            try require(isVariant ? .update : .delete, beforeType, change.id, stored: true)
        }
    }

    func authorizePatch(naming fields: [String?], of document: JSONValue, id: String) throws(StoreError) {
        guard let type = document["_type"]?.stringValue else { return }
        // A patch without operations is a revision guard: it reads, and its error would tell the
        // revision of a document the role may not read.
        try require(fields.isEmpty ? .read : .update, type, id, stored: true)
        let hidden = hiddenFields(of: document)
        guard !hidden.isEmpty else { return }
        for field in fields {
            guard let field else { throw hiddenField(hidden.sorted()[0], type, id, selector: true) }
            if hidden.contains(field) { throw hiddenField(field, type, id, selector: false) }
        }
    }

    /// Refuses a change to a sensitive field the role does not see on both sides of the change,
    /// and a change that makes sensitive fields visible to the role that were hidden from it.
    private func requireSight(_ change: DocumentChange, baseline: JSONValue?) throws(StoreError) {
        guard let after = change.after, let type = after["_type"]?.stringValue else { return }
        let hiddenAfter = hiddenFields(of: after)
        let hiddenBefore = baseline.map(hiddenFields(of:)) ?? []
        // Gaining sight: hidden in the state the change starts from, sensitive and shown after it.
        let sensitiveAfter = Set(policy.sensitiveFields[type] ?? [])
        let gained = hiddenBefore.intersection(sensitiveAfter).subtracting(hiddenAfter)
        if !gained.isEmpty, let baseline {
            var lever = "_type"
            if baseline["_type"] == after["_type"], case .assigned(let via) = policy.clearance(principal.role, type: type) { lever = via }
            throw StoreError(.forbidden, type: "permissionDenied",
                             message: "Role \(principal.role.rawValue) may not change \(lever) of \(type) \"\(change.id)\" so as to see its sensitive fields (\(gained.sorted().joined(separator: ", "))): it is not cleared for them before the change",
                             advice: "Leave \(lever) as it is; a change may not give its author sight of fields hidden from them. Ask a user cleared for the document (a manager) to make it.",
                             documentID: change.id,
                             details: ["operation": "update", "documentType": .string(type), "field": .string(lever)])
        }
        // Changing a sensitive field: the role must see it before (in the document's own previous
        // state: a new draft starts without the fields, its published document keeps them) and after.
        let beforeType = change.before?["_type"]?.stringValue
        let candidates = sensitiveAfter.union(beforeType.flatMap { policy.sensitiveFields[$0] } ?? [])
        let hiddenPrevious = change.before.map(hiddenFields(of:)) ?? []
        for field in candidates.sorted() where change.before?[field] != after[field] {
            guard hiddenAfter.contains(field) || hiddenPrevious.contains(field) || (change.before == nil && hiddenBefore.contains(field)) else { continue }
            throw hiddenField(field, beforeType ?? type, change.id, selector: false)
        }
    }

    private func hiddenField(_ field: String, _ type: String, _ id: String, selector: Bool) -> StoreError {
        let message = selector
            ? "Role \(principal.role.rawValue) may not patch \(type) \"\(id)\" with a path that starts with a selector: it could reach the sensitive field \(field), which the role may not see"
            : "Role \(principal.role.rawValue) may not change the sensitive field \(field) of \(type) \"\(id)\": the role may not see it there"
        return StoreError(.forbidden, type: "permissionDenied", message: message,
                          advice: selector ? "Name the fields to patch, e.g. {\"set\": {\"name\": …}}."
                              : "Leave \(field) out of the change (patch the other fields), or ask a user cleared for it.",
                          documentID: id, details: ["operation": "update", "documentType": .string(type), "field": .string(field)])
    }

    /// Refuses `operation` on `type` unless the role has it. `stored`: the type is that of a
    /// document already in the dataset (not one the caller sent), left unnamed when the role may
    /// not read it.
    private func require(_ operation: DocumentPermission, _ type: String, _ id: String, stored: Bool) throws(StoreError) {
        guard !policy.allows(principal.role, operation, type: type) else { return }
        let role = principal.role.rawValue
        if stored, !policy.allows(principal.role, .read, type: type) {
            throw StoreError(.forbidden, type: "permissionDenied",
                             message: "Role \(role) may not \(operation.rawValue) \"\(id)\": it is a document the role may not read",
                             advice: "Use another id, or ask an admin for a role that may change it.",
                             documentID: id, details: ["operation": .string(operation.rawValue)])
        }
        let readOnly = policy.readOnlyTypes.contains(type)
        throw StoreError(.forbidden, type: "permissionDenied",
                         message: "Role \(role) may not \(operation.rawValue) documents of type \(type) (\"\(id)\")",
                         advice: readOnly ? "Documents of type \(type) are written by Facet itself and cannot be changed."
                             : "Ask an admin for a role that may \(operation.rawValue) \(type) documents.",
                         documentID: id, details: ["operation": .string(operation.rawValue), "documentType": .string(type)])
    }
}
