import FacetSchema
import GROQ

/// One entry of the audit trail: who did what to which document, when and from where, chained to
/// the previous entry by hash. Read-only in the studio: entries are written by the system.
let auditLog = SchemaType.document("auditLog", title: "Audit Log") {
    Field("sequence", .number()).rules(.required(), .integer(), .min(1)).readOnly()
    Field("timestamp", .datetime).rules(.required()).readOnly()
    Field("action", .string(options: [
        "create", "update", "delete", "publish", "unpublish", "login", "logout", "login-failed", "export", "export-open", "access-denied", "action",
        "transaction", "token-issued", "token-revoked", "refresh-reuse", "gdpr-export", "gdpr-erase", "role-change", "user-change",
        "key-rotation", "security-event", "refused-value",
    ])).rules(.required()).readOnly()
    Field("actor", .string(), description: "User name or token name").rules(.required()).readOnly()
    Field("actorRole", .string(options: Vocabulary.studioRoles)).readOnly()
    Field("documentId", .string(), title: "Document ID").readOnly()
    Field("documentType", .string()).readOnly()
    Field("transactionId", .string(), title: "Transaction ID").readOnly()
    Field("ipAddress", .string(), title: "IP Address").personalData().readOnly()
    Field("details", .text(rows: 3)).readOnly()
    Field("previousHash", .string()).rules(.regex("^[0-9a-f]{64}$", name: "SHA-256 hex digest")).readOnly()
    Field("hash", .string()).rules(.required(), .regex("^[0-9a-f]{64}$", name: "SHA-256 hex digest")).readOnly()
}
.preview(select: ["title": "action", "subtitle": "actor"])
.orderings(.init("sequenceDesc", title: "Newest first", by: [.init("sequence", descending: true)]))
