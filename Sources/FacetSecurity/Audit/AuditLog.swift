import Crypto
import FacetStore
import Foundation
import GROQ

/// Something worth recording: who did what, to what, from where.
public struct AuditEvent: Sendable, Equatable {
    /// What happened: `transaction`, `login`, `login-failed`, `logout`, `token-issued`,
    /// `token-revoked`, `refresh-reuse`, `export`, `export-open`, `gdpr-export`, `gdpr-erase`, `role-change`,
    /// `user-change`, `key-rotation`, `security-event`, `refused-value`, `access-denied`.
    public var action: String
    /// The user or token name (``Principal/author``), or the attempted user name.
    public var actor: String
    public var actorRole: Role?
    public var documentID: String?
    public var documentType: String?
    public var transactionID: String?
    public var ipAddress: String?
    /// Anything else, as JSON (kept in the entry's canonical form).
    public var details: JSONValue?

    public init(action: String, actor: String, actorRole: Role? = nil, documentID: String? = nil, documentType: String? = nil,
                transactionID: String? = nil, ipAddress: String? = nil, details: JSONValue? = nil)
    {
        self.action = action
        self.actor = actor
        self.actorRole = actorRole
        self.documentID = documentID
        self.documentType = documentType
        self.transactionID = transactionID
        self.ipAddress = ipAddress
        self.details = details
    }
}

/// One entry of the chain as stored.
public struct AuditEntry: Sendable, Equatable {
    public var sequence: Int64
    public var timestamp: String
    public var event: AuditEvent
    /// The SHA-256 (hex) of the previous entry; `nil` for the first.
    public var previousHash: String?
    /// SHA-256 (hex) of `previousHash` followed by this entry's canonical JSON.
    public var hash: String
}

/// The append-only, hash-chained audit log.
///
/// Each entry stores its canonical JSON (keys sorted, no spaces) and the SHA-256 of the previous
/// entry's hash followed by that JSON, so that changing, removing or reordering any entry breaks
/// every hash after it. Appends from several processes are serialised by SQLite's write lock.
/// ``verify()`` walks the chain and names the first entry that breaks it; ``entries(_:)`` and
/// ``documents(_:)`` read it (the latter as the content model's read-only `auditLog` documents).
/// With ``AuditCheckpoints``, signed checkpoints of the newest entry are also written to a file
/// outside the database, and ``verify(against:)`` notices the newest entries removed, which the
/// chain alone cannot.
///
/// ```swift
/// let audit = AuditLog(database: try SecurityDatabase(directory: "./facet-data"))
/// try audit.record(AuditEvent(action: "login", actor: "ada", actorRole: .manager, ipAddress: "127.0.0.1"))
/// if case .broken(let fault) = try audit.verify() { print(fault) }   // "Audit log broken at entry 42 (hash-mismatch): …"
/// let recent = try audit.documents(AuditFilter(limit: 20, newestFirst: true))
/// ```
public final class AuditLog: Sendable {
    let database: SecurityDatabase
    /// Where the chain is anchored outside the database; `nil` writes no checkpoints.
    public let checkpoints: AuditCheckpoints?

    public init(database: SecurityDatabase, checkpoints: AuditCheckpoints? = nil) {
        self.database = database
        self.checkpoints = checkpoints
    }

    static let tables = [
        TableStep("audit log", sqlite: ["""
            CREATE TABLE audit_log (
                seq INTEGER PRIMARY KEY,
                entry TEXT NOT NULL,
                previous_hash TEXT,
                hash TEXT NOT NULL
            );
            """], postgres: ["CREATE TABLE audit_log (seq bigint PRIMARY KEY, entry text NOT NULL, previous_hash text, hash text NOT NULL)"]),
    ]

    /// Appends `event` to the chain.
    @discardableResult
    public func record(_ event: AuditEvent, at date: Date = Date()) throws(SecurityError) -> AuditEntry {
        let timestamp = Timestamp.string(date)
        let entry: AuditEntry
        do {
            // Writes take turns (SQLite's one writer, PostgreSQL's lock on the records), so the
            // head read here is the head the entry is appended to, on whichever server.
            entry = try database.records.write { db in
                let last = try db.row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                let sequence = (last?["seq"] as Int64? ?? 0) + 1
                let previous: String? = last?["hash"]
                let text = Self.canonicalText(sequence: sequence, timestamp: timestamp, event: event)
                let hash = Self.chainHash(previous: previous, canonical: text)
                try db.execute("INSERT INTO audit_log (seq, entry, previous_hash, hash) VALUES (?, ?, ?, ?)", [sequence, text, previous, hash])
                return AuditEntry(sequence: sequence, timestamp: timestamp, event: event, previousHash: previous, hash: hash)
            }
        } catch {
            throw SecurityDatabase.failure(error, doing: "Cannot append to the audit log")
        }
        // After the commit: a checkpoint must never name an entry that could still roll back.
        checkpoints?.recorded(entry)
        return entry
    }

    /// Writes a checkpoint of the newest entry now (see ``AuditCheckpoints``), unless this
    /// process anchored it already; `nil` when nothing was written.
    @discardableResult
    public func checkpoint() throws(SecurityError) -> AuditCheckpoint? {
        try checkpoints?.checkpoint(of: self)
    }

    /// The newest entry's sequence and hash; `nil` for an empty log.
    func head() throws(SecurityError) -> (sequence: Int64, hash: String)? {
        try database.read { db in
            try db.row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
                .map { (sequence: $0["seq"], hash: $0["hash"]) }
        }
    }

    /// The entry's canonical JSON: keys sorted, absent members left out.
    static func canonicalText(sequence: Int64, timestamp: String, event: AuditEvent) -> String {
        var members: [String: JSONValue] = [
            "sequence": .number(Double(sequence)), "timestamp": .string(timestamp),
            "action": .string(event.action), "actor": .string(event.actor),
        ]
        if let role = event.actorRole { members["actorRole"] = .string(role.rawValue) }
        if let id = event.documentID { members["documentId"] = .string(id) }
        if let type = event.documentType { members["documentType"] = .string(type) }
        if let id = event.transactionID { members["transactionId"] = .string(id) }
        if let address = event.ipAddress { members["ipAddress"] = .string(address) }
        if let details = event.details { members["details"] = details }
        return canonical(.object(JSONObject(uniqueKeysWithValues: members.map { ($0.key, $0.value) }))).serialized()
    }

    /// `value` with every object's keys in sorted order.
    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var sorted = JSONObject()
            for key in object.keys.sorted() { sorted[key] = canonical(object[key]!) }
            return .object(sorted)
        case .array(let items):
            return .array(items.map(canonical))
        default:
            return value
        }
    }

    static func chainHash(previous: String?, canonical: String) -> String {
        var hasher = SHA256()
        hasher.update(data: Array((previous ?? "").utf8))
        hasher.update(data: Array(canonical.utf8))
        return SecretMaterial.hex(hasher.finalize())
    }
}

extension AuditLog: TransactionObserving {
    /// Records each committed transaction: who, which documents (and what happened to them), and
    /// the transaction id.
    public func committed(_ transaction: CommittedTransaction, dataset: String) {
        let documents: [JSONValue] = transaction.effects.map { effect in
            var entry: JSONObject = ["id": .string(effect.documentID)]
            entry["operation"] = .string(effect.document == nil ? "delete" : effect.previousRevision == nil ? "create" : "update")
            if let type = effect.document?["_type"]?.stringValue { entry["type"] = .string(type) }
            return .object(entry)
        }
        let single = transaction.effects.count == 1 ? transaction.effects.first : nil
        _ = try? record(AuditEvent(action: "transaction", actor: transaction.author ?? "unknown",
                                   documentID: single?.documentID, documentType: single?.document?["_type"]?.stringValue,
                                   transactionID: transaction.id,
                                   details: ["dataset": .string(dataset), "documents": .array(documents)]))
    }

    /// Records refusals of values that may never be stored (payment card numbers).
    public func refused(_ error: StoreError, author: String?, dataset: String) {
        guard error.type == "refusedValueError" else { return }
        var details: JSONObject = ["dataset": .string(dataset), "reason": .string(error.message)]
        if let field = error.details["field"] { details["field"] = field }
        _ = try? record(AuditEvent(action: "refused-value", actor: author ?? "unknown", documentID: error.documentID,
                                   details: .object(details)))
    }
}
