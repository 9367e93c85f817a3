import Crypto
import Foundation
import GRDB
import JWTKit
import Synchronization

/// The HMAC keys that sign access tokens, kept in the security database under their `kid`.
///
/// One key is current and signs; a key rotated out keeps verifying for ``accessLifetime`` (the
/// longest any token it signed can live) and is then dropped. The first key is created on first
/// use. Keys are 64 random bytes (HS256's block size; jwt-kit wants at least 32).
final class SigningKeys: Sendable {
    /// The keys as loaded, with a JWTKit collection that holds every verifying key by its kid.
    struct Loaded: Sendable {
        let current: String
        /// The kids that still verify.
        let verifying: Set<String>
        let collection: JWTKeyCollection
        let loadedAt: Date
    }

    let database: SecurityDatabase
    let accessLifetime: TimeInterval
    private let loaded = Mutex<Loaded?>(nil)

    init(database: SecurityDatabase, accessLifetime: TimeInterval) {
        self.database = database
        self.accessLifetime = accessLifetime
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("signing keys") { db in
            try db.execute(sql: """
                CREATE TABLE signing_keys (
                    kid TEXT PRIMARY KEY,
                    secret BLOB NOT NULL,
                    created_at REAL NOT NULL,
                    retired_at REAL
                );
                """)
        }
    }

    /// The keys, with a current one (created on first use). Read again every minute, so that a
    /// rotation by another process is followed and retired keys are dropped.
    func current() async throws(SecurityError) -> Loaded {
        if let keys = loaded.withLock({ $0 }), Date().timeIntervalSince(keys.loadedAt) < 60 { return keys }
        return try await reload()
    }

    /// The keys, if `kid` is one that verifies. An unknown kid may be a key rotated in by another
    /// process: the keys are read again, but at most once a second, so that tokens with made-up
    /// kids cannot make every request read the database.
    func verifying(kid: String) async throws(SecurityError) -> Loaded? {
        let keys = try await current()
        if keys.verifying.contains(kid) { return keys }
        guard Date().timeIntervalSince(keys.loadedAt) > 1 else { return nil }
        let again = try await reload()
        return again.verifying.contains(kid) ? again : nil
    }

    /// Adds a new current key; the previous one verifies until the tokens it signed expire.
    /// Returns the new kid.
    func rotate() async throws(SecurityError) -> String {
        let now = Date()
        let kid = Self.newKid()
        try database.write { db in
            try db.execute(sql: "UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL", arguments: [now.timeIntervalSince1970])
            try db.execute(sql: "INSERT INTO signing_keys (kid, secret, created_at) VALUES (?, ?, ?)",
                           arguments: [kid, Data(SecretMaterial.randomBytes(64)), now.timeIntervalSince1970])
        }
        _ = try await reload()
        return kid
    }

    /// Reads the keys that still verify (creating the first one when there is none) and forgets
    /// those that no longer can.
    @discardableResult
    private func reload() async throws(SecurityError) -> Loaded {
        let now = Date()
        let oldest = now.addingTimeInterval(-accessLifetime - AccessClaims.clockSkew).timeIntervalSince1970
        let rows = try database.write { db -> [Row] in
            try db.execute(sql: "DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?", arguments: [oldest])
            if try Row.fetchOne(db, sql: "SELECT 1 FROM signing_keys WHERE retired_at IS NULL") == nil {
                try db.execute(sql: "INSERT INTO signing_keys (kid, secret, created_at) VALUES (?, ?, ?)",
                               arguments: [Self.newKid(), Data(SecretMaterial.randomBytes(64)), now.timeIntervalSince1970])
            }
            return try Row.fetchAll(db, sql: "SELECT kid, secret, retired_at FROM signing_keys ORDER BY created_at")
        }
        let collection = JWTKeyCollection()
        var current: String?
        var verifying: Set<String> = []
        for row in rows {
            let kid: String = row["kid"]
            let secret: Data = row["secret"]
            await collection.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            verifying.insert(kid)
            if (row["retired_at"] as Double?) == nil { current = kid }
        }
        guard let current else { throw SecurityError(.storage, "The security database has no current signing key") }
        let keys = Loaded(current: current, verifying: verifying, collection: collection, loadedAt: now)
        loaded.withLock { $0 = keys }
        return keys
    }

    private static func newKid() -> String {
        "k" + SecretMaterial.hex(SecretMaterial.randomBytes(8))
    }
}
