import Crypto
@testable import FacetSecurity
import Foundation
import GRDB
import JWTKit
import Testing
import TestSupport

/// The token signing keys are stored sealed by the master key: a copy of the security database
/// alone cannot sign or check tokens.
@Suite("token signing keys sealed by the master key", .ownThread())
struct SigningKeySealingTests {
    /// Signs in a user made at bcrypt cost 4 (the system's own store would hash at cost 12).
    static func accessToken(_ security: SecuritySystem) async throws -> String {
        let quick = IdentityStore(database: security.database, passwordCost: 4)
        _ = try quick.addUser(name: "ada", role: .manager, staffID: nil, password: IdentityFixture.password, by: .system())
        return try await security.sessions.login(username: "ada", password: IdentityFixture.password, address: nil).accessToken
    }

    static func storedKeys(_ database: SecurityDatabase) throws -> [(kid: String, secret: Data, masterKid: String?)] {
        try database.read { db in
            try db.rows("SELECT kid, secret, master_kid FROM signing_keys ORDER BY created_at").map { ($0["kid"], $0["secret"], $0["master_kid"]) }
        }
    }

    @Test func theStoredKeyIsSealedAndDoesNotSignAlone() async throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let token = try await Self.accessToken(fixture.security)
        #expect(try await fixture.security.sessions.principal(forBearer: token).name == "ada")

        let keys = try Self.storedKeys(fixture.security.database)
        let key = try #require(keys.first)
        #expect(keys.count == 1)
        #expect(key.masterKid == (try fixture.security.encryption.masterKeyID))
        // A 64-byte key sealed with AES-GCM: 12 bytes of nonce and 16 of tag around it.
        #expect(key.secret.count == 64 + 28)
        // The stored bytes, taken as a key, do not check the token: it was signed with what they seal.
        let stolen = JWTKeyCollection()
        await stolen.add(hmac: HMACKey(key: SymmetricKey(data: key.secret)), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.kid))
        await #expect(throws: (any Error).self) { try await stolen.verify(token, as: AccessClaims.self) }
    }

    /// The pair a refresh bought, kept for the grace window in which the same token returns it
    /// again, is sealed by the master key and opens only for the token it replaced.
    @Test func thePairKeptForTheRefreshGraceWindowIsSealed() async throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        _ = try await Self.accessToken(fixture.security)
        let sessions = fixture.security.sessions
        let start = try await sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        let bought = try await sessions.refresh(token: start.refreshToken)
        let kept = try fixture.security.database.read { db in
            try db.value("SELECT successor FROM refresh_tokens WHERE token_hash = ?", [SecretMaterial.digest(start.refreshToken)], as: Data.self)
        }
        let bytes = try #require(kept)
        // Random ciphertext may hold any two letters by chance, so look for whole tokens only.
        let stored = String(decoding: bytes, as: UTF8.self)
        #expect(!stored.contains(bought.refreshToken) && !stored.contains(bought.accessToken))
        #expect(try await sessions.refresh(token: start.refreshToken) == bought)

        // Moved onto another used token's row, it does not open: refused, never the pair.
        let other = try await sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        _ = try await sessions.refresh(token: other.refreshToken)
        _ = try fixture.security.database.write { db in
            try db.execute("UPDATE refresh_tokens SET successor = ? WHERE token_hash = ?", [bytes, SecretMaterial.digest(other.refreshToken)])
        }
        await #expect(throws: SecurityError.unauthenticated) { try await sessions.refresh(token: other.refreshToken) }
    }

    @Test func keysStoredInTheClearAreSealedWhenReadAndKeepVerifying() async throws {
        // An earlier version: sessions without a master key, keys in the clear.
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let clear = SessionAuthority(database: fixture.security.database, identities: IdentityStore(database: fixture.security.database, passwordCost: 4),
                                     audit: fixture.security.audit)
        _ = try IdentityStore(database: fixture.security.database, passwordCost: 4)
            .addUser(name: "ada", role: .manager, staffID: nil, password: IdentityFixture.password, by: .system())
        let token = try await clear.login(username: "ada", password: IdentityFixture.password, address: nil).accessToken
        #expect(try Self.storedKeys(fixture.security.database).allSatisfy { $0.masterKid == nil && $0.secret.count == 64 })

        // The current version reads them, seals them, and the token signed before still holds.
        let upgraded = try fixture.reopened()
        defer { upgraded.close() }
        #expect(try await upgraded.security.sessions.principal(forBearer: token).name == "ada")
        let keys = try Self.storedKeys(fixture.security.database)
        #expect(!keys.isEmpty && keys.allSatisfy { $0.masterKid != nil && $0.secret.count == 64 + 28 })
    }

    @Test func aMasterKeyRotationSealsThemAgainAndTokensKeepWorking() async throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let token = try await Self.accessToken(fixture.security)
        let before = try Self.storedKeys(fixture.security.database)

        let report = try fixture.security.encryption.rotateKeys(grace: 0, audit: nil)
        #expect(report.masterKeyRotated)
        #expect(report.signingKeys == 1)
        let after = try Self.storedKeys(fixture.security.database)
        #expect(after.map(\.kid) == before.map(\.kid))
        #expect(after.allSatisfy { $0.masterKid == report.masterKeyID })
        #expect(after.map(\.secret) != before.map(\.secret))

        // After a restart, only the new master key is on disk: the token still checks.
        let restarted = try fixture.reopened()
        defer { restarted.close() }
        #expect(try await restarted.security.sessions.principal(forBearer: token).name == "ada")
    }
}
