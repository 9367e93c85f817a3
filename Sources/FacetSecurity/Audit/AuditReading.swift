import Foundation
import FacetStore
import GROQ

/// Which audit entries to read.
///
/// ```swift
/// let logins = try audit.entries(AuditFilter(actions: ["login", "login-failed"], actor: "ada", limit: 20, newestFirst: true))
/// ```
public struct AuditFilter: Sendable, Equatable {
    /// Only these actions; `nil` is every action.
    public var actions: Set<String>?
    public var actor: String?
    /// Entries about this document (its `documentId`, or one of the documents of a transaction).
    public var documentID: String?
    public var transactionID: String?
    /// Only entries with a sequence number above this one (paging forwards).
    public var after: Int64?
    /// Only entries with a sequence number below this one (paging backwards).
    public var before: Int64?
    /// Only entries at or after this time.
    public var since: Date?
    /// At most this many entries.
    public var limit: Int
    /// Newest entries first instead of oldest first.
    public var newestFirst: Bool

    public init(actions: Set<String>? = nil, actor: String? = nil, documentID: String? = nil, transactionID: String? = nil,
                after: Int64? = nil, before: Int64? = nil, since: Date? = nil, limit: Int = 100, newestFirst: Bool = false)
    {
        self.actions = actions
        self.actor = actor
        self.documentID = documentID
        self.transactionID = transactionID
        self.after = after
        self.before = before
        self.since = since
        self.limit = limit
        self.newestFirst = newestFirst
    }

    func matches(_ entry: AuditEntry, sinceText: String?) -> Bool {
        if let actions, !actions.contains(entry.event.action) { return false }
        if let actor, entry.event.actor != actor { return false }
        if let transactionID, entry.event.transactionID != transactionID { return false }
        if let sinceText, entry.timestamp < sinceText { return false }
        if let documentID, entry.event.documentID != documentID {
            let listed = entry.event.details?["documents"]?.arrayValue?.contains { $0["id"]?.stringValue == documentID } ?? false
            if !listed { return false }
        }
        return true
    }
}

extension AuditLog {
    /// The number of entries in the log.
    public func count() throws(SecurityError) -> Int {
        try database.read { db in try db.value("SELECT COUNT(*) FROM audit_log", as: Int.self) ?? 0 }
    }

    /// The sequence number of the newest entry (0 when the log is empty): a cheap way to tell
    /// whether anything was recorded since a reader last looked.
    public func lastSequence() throws(SecurityError) -> Int64 {
        try database.read { db in try db.value("SELECT coalesce(max(seq), 0) FROM audit_log", as: Int64.self) ?? 0 }
    }

    /// Up to `limit` entries with a sequence number above `sequence`, oldest first: page through
    /// the log by passing the last sequence of one page to get the next.
    public func entries(after sequence: Int64 = 0, limit: Int = 100) throws(SecurityError) -> [AuditEntry] {
        try entries(AuditFilter(after: sequence, limit: limit))
    }

    /// The entries that match `filter`, in sequence order (newest first when it asks).
    ///
    /// Filters other than the sequence range are applied while reading, so a rare action costs a
    /// scan of the range, never more than `limit` entries of memory.
    public func entries(_ filter: AuditFilter) throws(SecurityError) -> [AuditEntry] {
        guard filter.limit > 0 else { return [] }
        let sinceText = filter.since.map(Timestamp.string)
        var found: [AuditEntry] = []
        try eachPage(after: filter.after, before: filter.before, newestFirst: filter.newestFirst) { row in
            let entry = Self.entry(row)
            if filter.matches(entry, sinceText: sinceText) { found.append(entry) }
            return found.count < filter.limit
        }
        return found
    }

    /// Calls `body` with the entries between `after` and `before` (exclusive) in sequence order,
    /// until it returns `false`: read a page at a time on one consistent view, so that a long
    /// log costs a page of memory, on either database.
    func eachPage(after: Int64? = nil, before: Int64? = nil, newestFirst: Bool = false,
                  _ body: (SQLRow) throws -> Bool) throws(SecurityError) {
        try database.read { db in
            var low = after, high = before
            while true {
                var conditions: [String] = [], arguments: [any SQLColumnValue] = []
                if let low { conditions.append("seq > ?"); arguments.append(low) }
                if let high { conditions.append("seq < ?"); arguments.append(high) }
                let rows = try db.rows("SELECT seq, entry, previous_hash, hash FROM audit_log"
                    + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
                    + " ORDER BY seq " + (newestFirst ? "DESC" : "ASC") + " LIMIT \(Self.pageSize)", arguments)
                for row in rows where try !body(row) { return }
                guard rows.count == Self.pageSize, let last = rows.last else { return }
                if newestFirst { high = last["seq"] } else { low = last["seq"] }
            }
        }
    }

    static let pageSize = 1_000

    /// The matching entries as read-only `auditLog` documents, the shape the content model's
    /// `auditLog` type declares: `_id` `audit.000000000042`, the event's fields, `details` as
    /// JSON text, and both hashes.
    public func documents(_ filter: AuditFilter = AuditFilter()) throws(SecurityError) -> [JSONValue] {
        try entries(filter).map(\.document)
    }

    /// An entry as stored; an entry whose JSON cannot be read (tampered with) keeps its
    /// sequence and hashes and reads as action `unreadable`, so that listing never fails where
    /// ``verify()`` would name the entry.
    static func entry(_ row: SQLRow) -> AuditEntry {
        let sequence: Int64 = row["seq"]
        let text: String = row["entry"]
        let json = (try? JSONValue(parsing: text)) ?? .null
        let event = AuditEvent(action: json["action"]?.stringValue ?? "unreadable", actor: json["actor"]?.stringValue ?? "",
                               actorRole: json["actorRole"]?.stringValue.flatMap(Role.init(rawValue:)),
                               documentID: json["documentId"]?.stringValue, documentType: json["documentType"]?.stringValue,
                               transactionID: json["transactionId"]?.stringValue, ipAddress: json["ipAddress"]?.stringValue,
                               details: json["details"])
        return AuditEntry(sequence: sequence, timestamp: json["timestamp"]?.stringValue ?? "", event: event,
                          previousHash: row["previous_hash"], hash: row["hash"])
    }
}

extension AuditEntry {
    /// The id of this entry's `auditLog` document: `audit.` and the sequence on 12 digits, so that
    /// ids sort as entries do.
    public var documentID: String {
        let digits = String(sequence)
        return "audit." + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
    }

    /// The entry as an `auditLog` document.
    public var document: JSONValue {
        var object: JSONObject = [
            "_id": .string(documentID), "_type": "auditLog", "_rev": .string(String(hash.prefix(22))),
            "_createdAt": .string(timestamp), "_updatedAt": .string(timestamp),
            "sequence": .number(Double(sequence)), "timestamp": .string(timestamp),
            "action": .string(event.action), "actor": .string(event.actor),
        ]
        if let role = event.actorRole { object["actorRole"] = .string(role.rawValue) }
        if let id = event.documentID { object["documentId"] = .string(id) }
        if let type = event.documentType { object["documentType"] = .string(type) }
        if let id = event.transactionID { object["transactionId"] = .string(id) }
        if let address = event.ipAddress { object["ipAddress"] = .string(address) }
        if let details = event.details { object["details"] = .string(AuditLog.canonical(details).serialized()) }
        if let previousHash { object["previousHash"] = .string(previousHash) }
        object["hash"] = .string(hash)
        return .object(object)
    }
}
