import FacetStore
import Foundation
import GRDB
import GROQ

/// What kind of threat a security event records.
public enum SecurityEventKind: String, Sendable, Equatable, CaseIterable, Codable {
    /// A client went over its rate limit.
    case rateLimit = "rate-limit"
    /// An account or an address was locked out after failed sign-ins.
    case lockout
    /// A known crawler, scraper or scripted client.
    case automation
    /// Requests at machine-regular intervals.
    case cadence
    /// Walking through documents by id.
    case enumeration
    /// SQL, GROQ or script injection patterns in an input.
    case injection
    /// Too many requests in flight: refused to keep the server answering.
    case overload
    /// A client too slow to send its request body.
    case slowClient = "slow-client"
}

/// What Facet did about a threat.
public enum ThreatAction: String, Sendable, Equatable, Codable {
    /// Recorded only; the request was served.
    case flagged
    /// Answered 429.
    case throttled
    /// Answered 403.
    case refused
    /// Sign-ins refused for a while.
    case lockedOut = "locked-out"
    /// Answered 503 or 408.
    case shed
}

/// One recorded threat, with how sure Facet is (score) and why.
public struct SecurityEvent: Sendable, Equatable {
    /// Assigned when stored.
    public var id: Int64?
    public var time: Date
    public var kind: SecurityEventKind
    /// 0 (benign) to 100 (certainly hostile).
    public var score: Int
    public var reason: String
    public var address: String?
    /// The account or credential concerned: a user name, or `token:` and a digest of the token.
    public var identity: String?
    public var path: String?
    public var userAgent: String?
    public var action: ThreatAction

    public init(id: Int64? = nil, time: Date = Date(), kind: SecurityEventKind, score: Int, reason: String, address: String? = nil,
                identity: String? = nil, path: String? = nil, userAgent: String? = nil, action: ThreatAction)
    {
        self.id = id
        self.time = time
        self.kind = kind
        self.score = min(100, max(0, score))
        // Whatever a client sends is cut to a readable length: an event is evidence, not a copy.
        self.reason = String(reason.prefix(2000))
        self.address = address.map { String($0.prefix(64)) }
        self.identity = identity.map { String($0.prefix(128)) }
        self.path = path.map { String($0.prefix(512)) }
        self.userAgent = userAgent.map { String($0.prefix(512)) }
        self.action = action
    }

    /// The event as JSON, for `GET /v1/security/events`.
    public var json: JSONValue {
        var object: JSONObject = [:]
        if let id { object["id"] = .number(Double(id)) }
        object["time"] = .string(Timestamp.string(time))
        object["kind"] = .string(kind.rawValue)
        object["score"] = .number(Double(score))
        object["reason"] = .string(reason)
        object["address"] = address.map(JSONValue.string) ?? .null
        object["identity"] = identity.map(JSONValue.string) ?? .null
        object["path"] = path.map(JSONValue.string) ?? .null
        object["userAgent"] = userAgent.map(JSONValue.string) ?? .null
        object["action"] = .string(action.rawValue)
        return .object(object)
    }
}

extension ThreatMonitor {
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("security events") { db in
            try db.execute(sql: """
                CREATE TABLE security_event (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time REAL NOT NULL,
                    kind TEXT NOT NULL,
                    score INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    address TEXT,
                    identity TEXT,
                    path TEXT,
                    user_agent TEXT,
                    action TEXT NOT NULL
                );
                CREATE INDEX security_event_kind_time ON security_event (kind, time);
                CREATE INDEX security_event_time ON security_event (time);
                """)
        }
    }

    /// Stores `event` and appends a `security-event` entry to the audit log; returns it with its id.
    @discardableResult
    public func record(_ event: SecurityEvent) throws(SecurityError) -> SecurityEvent {
        var stored = event
        stored.id = try database.write { db in
            try db.execute(sql: """
                INSERT INTO security_event (time, kind, score, reason, address, identity, path, user_agent, action)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [event.time.timeIntervalSince1970, event.kind.rawValue, event.score, event.reason, event.address,
                                 event.identity, event.path, event.userAgent, event.action.rawValue])
            return db.lastInsertedRowID
        }
        var details: JSONObject = [
            "eventId": .number(Double(stored.id ?? 0)), "kind": .string(event.kind.rawValue), "score": .number(Double(event.score)),
            "reason": .string(event.reason), "action": .string(event.action.rawValue),
        ]
        if let path = event.path { details["path"] = .string(path) }
        if let agent = event.userAgent { details["userAgent"] = .string(agent) }
        try audit.record(AuditEvent(action: "security-event", actor: event.identity ?? "anonymous", ipAddress: event.address,
                                    details: .object(details)))
        return stored
    }

    /// Deletes the events recorded before `date` and returns how many there were. The audit log
    /// keeps its `security-event` entries: this only trims the table that `GET /v1/security/events`
    /// reads, which would otherwise grow for ever.
    @discardableResult
    public func forgetEvents(before date: Date) throws(SecurityError) -> Int {
        try database.write { db in
            try db.execute(sql: "DELETE FROM security_event WHERE time < ?", arguments: [date.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// Recorded events, newest first: at most `limit`, of `kind` when given, at or after `since`.
    public func events(limit: Int = 100, kind: SecurityEventKind? = nil, since: Date? = nil) throws(SecurityError) -> [SecurityEvent] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let kind {
            conditions.append("kind = ?")
            arguments.append(kind.rawValue)
        }
        if let since {
            conditions.append("time >= ?")
            arguments.append(since.timeIntervalSince1970)
        }
        arguments.append(max(0, limit))
        let sql = "SELECT * FROM security_event" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY id DESC LIMIT ?"
        return try database.read { db in
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                SecurityEvent(id: row["id"], time: Date(timeIntervalSince1970: row["time"]),
                              kind: SecurityEventKind(rawValue: row["kind"]) ?? .automation, score: row["score"], reason: row["reason"],
                              address: row["address"], identity: row["identity"], path: row["path"], userAgent: row["user_agent"],
                              action: ThreatAction(rawValue: row["action"]) ?? .flagged)
            }
        }
    }
}
