import FacetPostgres
@testable import FacetSecurity
import FacetStore
import Foundation
import GROQ
import Testing
import TestSupport

/// A security database (a temporary directory's SQLite file, or a fresh schema's records in the
/// test PostgreSQL server) with users, tokens and sessions over it. Users are hashed at bcrypt
/// cost 4 so that tests stay quick; one test checks the default cost.
struct IdentityFixture {
    let kind: StorageKind
    let directory: String
    /// The PostgreSQL schema's URL, for ``StorageKind/postgres``.
    let url: String?
    let database: SecurityDatabase
    let audit: AuditLog
    let identities: IdentityStore
    let sessions: SessionAuthority

    static let password = "correct horse battery staple"

    init(_ kind: StorageKind = .sqlite, directory: String? = nil, url: String? = nil) throws {
        self.kind = kind
        self.directory = directory ?? NSTemporaryDirectory() + "facet-identity-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
        database = try SecurityDatabase.forTests(kind, directory: self.directory, url: url)
        self.url = kind == .postgres ? database.testURL : nil
        audit = AuditLog(database: database)
        identities = IdentityStore(database: database, passwordCost: 4)
        sessions = SessionAuthority(database: database, identities: identities, audit: audit)
    }

    /// The same directory opened again, as after a restart.
    func reopened() throws -> IdentityFixture {
        try IdentityFixture(kind, directory: directory, url: url)
    }

    func close() {
        try? FileManager.default.removeItem(atPath: directory)
        if let url { TestDatabase.dropSchema(of: url) }
    }

    @discardableResult
    func addUser(_ name: String, role: Role = .sales, staffID: String? = nil) throws(SecurityError) -> UserAccount {
        try identities.addUser(name: name, role: role, staffID: staffID, password: Self.password, by: .system())
    }

    /// The audit log's entries, oldest first, as JSON.
    func auditEntries() throws -> [JSONValue] {
        try database.read { db in try db.values("SELECT entry FROM audit_log ORDER BY seq", as: String.self) }
            .map { try JSONValue(parsing: $0) }
    }

    func auditActions() throws -> [String] {
        try auditEntries().compactMap { $0["action"]?.stringValue }
    }

    /// The header and payload of a JWT, decoded without any check.
    static func decode(_ token: String) throws -> (header: JSONValue, payload: JSONValue) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        try #require(parts.count == 3)
        return (try JSONValue(parsing: base64URLDecode(parts[0])), try JSONValue(parsing: base64URLDecode(parts[1])))
    }

    static func base64URLDecode(_ text: String) throws -> String {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let data = try #require(Data(base64Encoded: base64))
        return String(decoding: data, as: UTF8.self)
    }

    static func base64URLEncode(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
