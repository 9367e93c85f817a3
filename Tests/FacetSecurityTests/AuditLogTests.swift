import FacetSchema
import FacetStore
import Foundation
import GRDB
import GROQ
import SchemaTypes
import Testing
import TestSupport
@testable import FacetSecurity

/// A security database in a fresh temporary directory (SQLite), or in a fresh schema of the
/// test PostgreSQL server.
final class SecurityDirectory: @unchecked Sendable {
    let kind: StorageKind
    let path: String
    let database: SecurityDatabase
    let audit: AuditLog

    init(_ kind: StorageKind = .sqlite) throws {
        self.kind = kind
        path = NSTemporaryDirectory() + "facet-security-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        database = try SecurityDatabase.forTests(kind, directory: path)
        audit = AuditLog(database: database)
    }

    /// The same records opened again, as by a restarted process.
    func reopened() throws -> SecurityDatabase {
        try SecurityDatabase.forTests(kind, directory: path, url: database.testURL)
    }

    /// A second, raw connection: what an intruder with access to the file or the database would use.
    func tamper(_ sql: String, _ arguments: [any SQLColumnValue] = []) throws {
        switch kind {
        case .sqlite:
            let raw = try DatabaseQueue(path: database.path)
            try raw.write { try $0.execute(sql: sql, arguments: StatementArguments(arguments.map(\.grdbValue))) }
            try raw.close()
        case .postgres:
            let raw = try reopened()
            _ = try raw.records.write { try $0.execute(sql, arguments) }
        }
    }

    func storedEntry(_ sequence: Int64) throws -> String {
        try database.read { try $0.value("SELECT entry FROM audit_log WHERE seq = ?", [sequence], as: String.self) } ?? ""
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
        if let url = database.testURL { TestDatabase.dropSchema(of: url) }
    }
}

extension SQLColumnValue {
    /// The value as GRDB binds it.
    var grdbValue: DatabaseValue {
        switch sqlValue {
        case .null: .null
        case .integer(let value): value.databaseValue
        case .real(let value): value.databaseValue
        case .text(let value): value.databaseValue
        case .blob(let value): value.databaseValue
        }
    }
}

@Suite("audit log", .ownThread()) struct AuditLogTests {
    /// Five entries of different kinds.
    static func recordFive(_ audit: AuditLog) throws {
        try audit.record(AuditEvent(action: "login", actor: "ada", actorRole: .manager, ipAddress: "192.0.2.1"))
        try audit.record(AuditEvent(action: "transaction", actor: "ada", documentID: "c-1", documentType: "customer", transactionID: "tx-1",
                                    details: ["dataset": "production", "documents": [["id": "c-1", "operation": "create", "type": "customer"]]]))
        try audit.record(AuditEvent(action: "login-failed", actor: "mallory", ipAddress: "198.51.100.7"))
        try audit.record(AuditEvent(action: "token-issued", actor: "admin", actorRole: .admin, details: ["token": "robot"]))
        try audit.record(AuditEvent(action: "logout", actor: "ada", actorRole: .manager))
    }

    @Test(arguments: StorageKind.available) func anUntouchedChainVerifies(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        #expect(try directory.audit.verify() == .intact(count: 0))
        try Self.recordFive(directory.audit)
        #expect(try directory.audit.verify() == .intact(count: 5))
        #expect(try directory.audit.count() == 5)
        // Reopening the file (a restarted process) continues the same chain.
        let reopened = AuditLog(database: try directory.reopened())
        try reopened.record(AuditEvent(action: "export", actor: "ada"))
        #expect(try reopened.verify() == .intact(count: 6))
    }

    @Test(arguments: StorageKind.available) func aChangedFieldInsideAnEntryIsNamed(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        let original = try directory.storedEntry(3)
        #expect(original.contains(#""actor":"mallory""#))
        // Hide who failed to sign in: the JSON stays valid, only one value changes.
        try directory.tamper("UPDATE audit_log SET entry = ? WHERE seq = 3",
                             [original.replacingOccurrences(of: #""actor":"mallory""#, with: #""actor":"ada""#)])
        let outcome = try directory.audit.verify()
        guard case .broken(let fault) = outcome else {
            Issue.record("expected a broken chain, got \(outcome)")
            return
        }
        #expect(fault.sequence == 3)
        #expect(fault.reason == .hashMismatch)
        #expect(fault.description.contains("entry 3"))
    }

    @Test(arguments: StorageKind.available) func aRecomputedHashStillBreaksTheNextEntry(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        let original = try directory.storedEntry(2)
        let forged = original.replacingOccurrences(of: "tx-1", with: "tx-9")
        let previous = try #require(try directory.audit.entries(after: 0, limit: 1).first?.hash)
        // The intruder fixes entry 2's own hash; entry 3 still records the old one.
        try directory.tamper("UPDATE audit_log SET entry = ?, hash = ? WHERE seq = 2",
                             [forged, AuditLog.chainHash(previous: previous, canonical: forged)])
        guard case .broken(let fault) = try directory.audit.verify() else {
            Issue.record("expected a broken chain")
            return
        }
        #expect(fault.sequence == 3)
        #expect(fault.reason == .previousHashMismatch)
    }

    @Test(arguments: StorageKind.available) func aDeletedEntryIsNamed(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        try directory.tamper("DELETE FROM audit_log WHERE seq = 2")
        let outcome = try directory.audit.verify()
        guard case .broken(let fault) = outcome else {
            Issue.record("expected a broken chain, got \(outcome)")
            return
        }
        #expect(fault.sequence == 2)
        #expect(fault.reason == .missingSequence)
        #expect(fault.detail == "entry 2 is missing")
    }

    @Test(arguments: StorageKind.available) func deletingTheFirstEntryIsNamed(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        try directory.tamper("DELETE FROM audit_log WHERE seq = 1")
        guard case .broken(let fault) = try directory.audit.verify() else {
            Issue.record("expected a broken chain")
            return
        }
        #expect(fault.sequence == 1)
        #expect(fault.reason == .missingSequence)
    }

    @Test(arguments: StorageKind.available) func reorderedEntriesAreNamed(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        // Swap rows 2 and 3 whole (entry, hashes and all).
        try directory.tamper("UPDATE audit_log SET seq = -2 WHERE seq = 2")
        try directory.tamper("UPDATE audit_log SET seq = 2 WHERE seq = 3")
        try directory.tamper("UPDATE audit_log SET seq = 3 WHERE seq = -2")
        guard case .broken(let fault) = try directory.audit.verify() else {
            Issue.record("expected a broken chain")
            return
        }
        #expect(fault.sequence == 2)
        #expect(fault.reason == .sequenceMismatch)

        // Renumbering the JSON too leaves the hashes to tell.
        let other = try SecurityDirectory(kind)
        try Self.recordFive(other.audit)
        let second = try other.storedEntry(2), third = try other.storedEntry(3)
        try other.tamper("UPDATE audit_log SET entry = ? WHERE seq = 2", [third.replacingOccurrences(of: #""sequence":3"#, with: #""sequence":2"#)])
        try other.tamper("UPDATE audit_log SET entry = ? WHERE seq = 3", [second.replacingOccurrences(of: #""sequence":2"#, with: #""sequence":3"#)])
        guard case .broken(let swapped) = try other.audit.verify() else {
            Issue.record("expected a broken chain")
            return
        }
        #expect(swapped.sequence == 2)
        #expect(swapped.reason == .hashMismatch)
    }

    @Test(arguments: StorageKind.available) func unreadableEntriesAreNamedAndStillListed(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        try directory.tamper("UPDATE audit_log SET entry = 'garbage' WHERE seq = 4")
        #expect(try directory.audit.verify() == .broken(AuditFault(sequence: 4, reason: .unreadable, detail: "the stored entry is not a JSON object")))
        let listed = try directory.audit.entries(after: 3, limit: 10)
        #expect(listed.map(\.sequence) == [4, 5])
        #expect(listed.first?.event.action == "unreadable")
    }

    @Test(arguments: StorageKind.available) func entriesPageAndFilter(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        #expect(try directory.audit.entries(after: 0, limit: 2).map(\.sequence) == [1, 2])
        #expect(try directory.audit.entries(after: 2, limit: 2).map(\.sequence) == [3, 4])
        #expect(try directory.audit.entries(after: 5, limit: 2).isEmpty)
        let first = try #require(try directory.audit.entries(after: 0, limit: 1).first)
        #expect(first.event == AuditEvent(action: "login", actor: "ada", actorRole: .manager, ipAddress: "192.0.2.1"))
        #expect(first.previousHash == nil)

        #expect(try directory.audit.entries(AuditFilter(actor: "ada")).map(\.sequence) == [1, 2, 5])
        #expect(try directory.audit.entries(AuditFilter(actions: ["login", "login-failed"])).map(\.sequence) == [1, 3])
        #expect(try directory.audit.entries(AuditFilter(documentID: "c-1")).map(\.sequence) == [2])
        #expect(try directory.audit.entries(AuditFilter(actor: "ada", limit: 2, newestFirst: true)).map(\.sequence) == [5, 2])
        #expect(try directory.audit.entries(AuditFilter(since: Date().addingTimeInterval(3600))).isEmpty)
        #expect(try directory.audit.entries(AuditFilter(since: Date().addingTimeInterval(-3600))).count == 5)
    }

    @Test(arguments: StorageKind.available) func entriesReadAsAuditLogDocuments(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        try Self.recordFive(directory.audit)
        let documents = try directory.audit.documents(AuditFilter(after: 1, limit: 1))
        let document = try #require(documents.first)
        let entries = try directory.audit.entries(after: 0, limit: 2)
        #expect(document["_id"] == "audit.000000000002")
        #expect(document["_type"] == "auditLog")
        #expect(document["sequence"] == 2)
        #expect(document["action"] == "transaction")
        #expect(document["actor"] == "ada")
        #expect(document["documentId"] == "c-1")
        #expect(document["documentType"] == "customer")
        #expect(document["transactionId"] == "tx-1")
        #expect(document["timestamp"]?.stringValue == entries[1].timestamp)
        #expect(document["previousHash"]?.stringValue == entries[0].hash)
        #expect(document["hash"]?.stringValue == entries[1].hash)
        #expect(document["hash"]?.stringValue?.wholeMatch(of: /[0-9a-f]{64}/) != nil)
        // details is text (the type declares it so), holding the JSON.
        let details = try #require(document["details"]?.stringValue)
        #expect(try JSONValue(parsing: details) == ["dataset": "production", "documents": [["id": "c-1", "operation": "create", "type": "customer"]]])
        #expect(document["ipAddress"] == nil)
        // Members the entry lacks are absent rather than null.
        let login = try #require(try directory.audit.documents(AuditFilter(limit: 1)).first)
        #expect(login["ipAddress"] == "192.0.2.1")
        #expect(login["actorRole"] == "manager")
        #expect(login["previousHash"] == nil)
    }

    /// Every action Facet records, as its `auditLog` document, passes the content model's own
    /// validation of that type (the studio shows them as such).
    @Test(arguments: ["transaction", "login", "login-failed", "logout", "token-issued", "token-revoked", "refresh-reuse", "export", "export-open",
                      "gdpr-export", "gdpr-erase", "role-change", "user-change", "key-rotation", "security-event", "refused-value",
                      "access-denied"])
    func everyRecordedActionIsAValidAuditLogDocument(action: String) throws {
        let directory = try SecurityDirectory()
        try directory.audit.record(AuditEvent(action: "login", actor: "ada"))
        try directory.audit.record(AuditEvent(action: action, actor: "ada", actorRole: .sales, documentID: "c-1", documentType: "customer",
                                              transactionID: "tx-1", ipAddress: "192.0.2.1", details: ["reason": "test"]))
        let validator = try CRMSchema.validator()
        for document in try directory.audit.documents() {
            #expect(validator.validate(document).map(\.description).filter { $0.hasPrefix("error") } == [], "\(action)")
        }
    }

    @Test(arguments: StorageKind.available) func aStoreWithTheObserverAuditsEveryTransaction(kind: StorageKind) throws {
        let directory = try SecurityDirectory(kind)
        let store = try DocumentStore(directory: directory.path, observer: directory.audit)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        let result = try dataset.mutate(try Mutation.list(parsing: #"[{"create": {"_id": "p-1", "_type": "product", "name": "Ring"}}, {"create": {"_id": "p-2", "_type": "product", "name": "Band"}}]"#),
                                        options: TransactionOptions(author: "ada"))
        let entry = try #require(try directory.audit.entries(AuditFilter(actions: ["transaction"])).last)
        #expect(entry.event.transactionID == result.transactionId)
        #expect(entry.event.actor == "ada")
        #expect(entry.event.details?["dataset"] == "production")
        let ids = entry.event.details?["documents"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(ids.map(Set.init) == ["p-1", "p-2"])

        try dataset.mutate(try Mutation.list(parsing: #"[{"patch": {"id": "p-1", "set": {"name": "Gold ring"}}}]"#), options: TransactionOptions(author: "bo"))
        let patch = try #require(try directory.audit.entries(AuditFilter(actions: ["transaction"])).last)
        #expect(patch.event.documentID == "p-1")
        #expect(patch.event.documentType == "product")
        #expect(patch.event.actor == "bo")
        #expect(patch.event.details?["documents"] == [["id": "p-1", "operation": "update", "type": "product"]])

        // A refused card number reaches the log through the observer, naming the field.
        directory.audit.refused(StoreError(.invalid, type: "refusedValueError", message: "notes looks like a payment card number",
                                           documentID: "c-9", details: ["field": "notes"]), author: "mallory", dataset: "production")
        // Other refusals (a validation error) are the caller's business, not the audit's.
        directory.audit.refused(StoreError(.invalid, type: "validationError", message: "name is required"), author: "ada", dataset: "production")
        let refused = try directory.audit.entries(AuditFilter(actions: ["refused-value"]))
        #expect(refused.count == 1)
        #expect(refused.first?.event.actor == "mallory")
        #expect(refused.first?.event.documentID == "c-9")
        #expect(refused.first?.event.details?["field"] == "notes")
        #expect(try directory.audit.verify() == .intact(count: try directory.audit.count()))
    }
}
