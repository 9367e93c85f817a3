import Crypto
import Foundation
import FacetStore
import JWTKit
import Synchronization

/// The HMAC keys that sign access tokens, kept in the security database under their `kid`.
///
/// One key is current and signs; a key rotated out keeps verifying for ``accessLifetime`` (the
/// longest any token it signed can live) and is then dropped. The first key is created on first
/// use. Keys are 64 random bytes (HS256's block size; jwt-kit wants at least 32).
///
/// With a keyring, each key is stored sealed by the master key (AES-256-GCM, bound to its kid),
/// so a copy of the security database alone cannot sign tokens: that also takes the key file or
/// `FACET_MASTER_KEY`. Keys stored in the clear by an earlier version are sealed when next read.
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
    let keyring: DataKeyring?
    private let loaded = Mutex<Loaded?>(nil)

    init(database: SecurityDatabase, accessLifetime: TimeInterval, keyring: DataKeyring? = nil) {
        self.database = database
        self.accessLifetime = accessLifetime
        self.keyring = keyring
    }

    static let tables = [
        TableStep("signing keys", sqlite: ["""
            CREATE TABLE signing_keys (
                kid TEXT PRIMARY KEY,
                secret BLOB NOT NULL,
                created_at REAL NOT NULL,
                retired_at REAL
            );
            """], postgres: ["""
            CREATE TABLE signing_keys (
                kid text PRIMARY KEY,
                secret bytea NOT NULL,
                created_at double precision NOT NULL,
                retired_at double precision,
                master_kid text
            )
            """]),
        // NULL: the secret is stored in the clear (before sealing, or without a keyring).
        TableStep("signing keys sealed", sqlite: ["ALTER TABLE signing_keys ADD COLUMN master_kid TEXT"], postgres: []),
    ]

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
        let kid = try database.write { db -> String in
            try db.execute("UPDATE signing_keys SET retired_at = ? WHERE retired_at IS NULL", [now.timeIntervalSince1970])
            return try insertNewKey(db, at: now)
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
        let rows = try database.write { db -> [SQLRow] in
            try db.execute("DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND retired_at < ?", [oldest])
            if try db.row("SELECT 1 FROM signing_keys WHERE retired_at IS NULL") == nil {
                _ = try insertNewKey(db, at: now)
            }
            return try db.rows("SELECT kid, secret, master_kid, retired_at FROM signing_keys ORDER BY created_at")
        }
        try sealKeptInTheClear(rows)
        let collection = JWTKeyCollection()
        var current: String?
        var verifying: Set<String> = []
        for row in rows {
            let kid: String = row["kid"]
            let secret = try opened(row)
            await collection.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
            verifying.insert(kid)
            if (row["retired_at"] as Double?) == nil { current = kid }
        }
        guard let current else { throw SecurityError(.storage, "The security database has no current signing key") }
        let keys = Loaded(current: current, verifying: verifying, collection: collection, loadedAt: now)
        loaded.withLock { $0 = keys }
        return keys
    }

    /// Adds a new random key, sealed when there is a keyring; returns its kid.
    private func insertNewKey(_ db: any RelationalTransaction, at now: Date) throws -> String {
        let kid = Self.newKid()
        let key = try stored(Data(SecretMaterial.randomBytes(64)), kid: kid)
        try db.execute("INSERT INTO signing_keys (kid, secret, master_kid, created_at) VALUES (?, ?, ?, ?)", [kid, key.secret, key.masterKid, now.timeIntervalSince1970])
        return kid
    }

    /// A new key as stored: sealed when there is a keyring, else in the clear.
    private func stored(_ secret: Data, kid: String) throws(SecurityError) -> (secret: Data, masterKid: String?) {
        guard let keyring else { return (secret, nil) }
        let sealed = try keyring.sealSecret(secret, label: Self.label(kid))
        return (sealed.sealed, sealed.masterKid)
    }

    /// The secret of a stored key.
    private func opened(_ row: SQLRow) throws(SecurityError) -> Data {
        let kid: String = row["kid"]
        let secret: Data = row["secret"]
        guard let masterKid = row["master_kid"] as String? else { return secret }
        guard let keyring else {
            throw SecurityError(.storage, "The token signing key \(kid) is sealed, and this process has no master key to open it",
                                advice: "Start Facet with the data directory's key file or FACET_MASTER_KEY.")
        }
        return try keyring.openSecret(secret, masterKid: masterKid, label: Self.label(kid))
    }

    /// Seals the keys an earlier version stored in the clear.
    private func sealKeptInTheClear(_ rows: [SQLRow]) throws(SecurityError) {
        guard keyring != nil else { return }
        let clear = rows.filter { ($0["master_kid"] as String?) == nil }
        guard !clear.isEmpty else { return }
        var sealed: [(kid: String, secret: Data, masterKid: String?)] = []
        for row in clear {
            let kid: String = row["kid"]
            let stored = try stored(row["secret"], kid: kid)
            sealed.append((kid, stored.secret, stored.masterKid))
        }
        try database.write { db in
            for key in sealed {
                try db.execute("UPDATE signing_keys SET secret = ?, master_kid = ? WHERE kid = ? AND master_kid IS NULL", [key.secret, key.masterKid, key.kid])
            }
        }
    }

    /// Seals again, with the master key now in use, every key sealed with another one: a master
    /// key rotation calls it before the previous master key is deleted.
    static func reseal(database: SecurityDatabase, keyring: DataKeyring) throws(SecurityError) -> Int {
        let current = keyring.master.kid
        let rows = try database.read { db in
            try db.rows("SELECT kid, secret, master_kid FROM signing_keys WHERE master_kid IS NOT NULL AND master_kid != ?", [current])
        }
        var resealed: [(kid: String, secret: Data, masterKid: String)] = []
        for row in rows {
            let kid: String = row["kid"]
            let secret = try keyring.openSecret(row["secret"], masterKid: row["master_kid"], label: label(kid))
            let sealed = try keyring.sealSecret(secret, label: label(kid))
            resealed.append((kid, sealed.sealed, sealed.masterKid))
        }
        try database.write { db in
            for key in resealed {
                try db.execute("UPDATE signing_keys SET secret = ?, master_kid = ? WHERE kid = ?", [key.secret, key.masterKid, key.kid])
            }
        }
        return resealed.count
    }

    /// What a sealed key is bound to: it cannot be swapped for another kid's.
    private static func label(_ kid: String) -> String {
        "token signing key " + kid
    }

    private static func newKid() -> String {
        "k" + SecretMaterial.hex(SecretMaterial.randomBytes(8))
    }
}
