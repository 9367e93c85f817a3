@testable import FacetSecurity
import Foundation
import GRDB
import GROQ
import Testing
import TestSupport

@Suite("Sessions: sign-in, access and refresh tokens", .ownThread())
struct SessionAuthorityTests {
    @Test(arguments: StorageKind.available) func signingInGivesAShortLivedSignedAccessTokenAndARefreshToken(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let ada = try fixture.addUser("ada", role: .sales, staffID: "staff-ada")
        let tokens = try await fixture.sessions.login(username: "ADA", password: IdentityFixture.password, address: "10.0.0.7")
        #expect(tokens.expiresIn == 900)
        #expect(tokens.principal == ada.principal)
        #expect(tokens.refreshToken.count >= 40)

        let (header, payload) = try IdentityFixture.decode(tokens.accessToken)
        #expect(header["alg"] == "HS256")
        #expect(header["typ"] == "JWT")
        let kid = try #require(header["kid"]?.stringValue)
        let stored = try fixture.database.read { db in try db.values("SELECT kid FROM signing_keys", as: String.self) }
        #expect(stored == [kid])
        let secret = try #require(try fixture.database.read { db in try db.value("SELECT secret FROM signing_keys", as: Data.self) })
        #expect(secret.count >= 32)
        #expect(payload["sub"] == .string(ada.id))
        #expect(payload["name"] == "ada")
        #expect(payload["role"] == "sales")
        #expect(payload["jti"]?.stringValue?.isEmpty == false)
        let issued = try #require(payload["iat"]?.numberValue), expires = try #require(payload["exp"]?.numberValue)
        #expect(expires - issued == 900)
        #expect(payload["nbf"]?.numberValue == issued)
        #expect(abs(issued - Date().timeIntervalSince1970) < 600)

        #expect(try await fixture.sessions.principal(forBearer: tokens.accessToken) == ada.principal)
        // Checked again without the memory of recent tokens: a fresh process.
        #expect(try await fixture.reopened().sessions.principal(forBearer: tokens.accessToken) == ada.principal)

        let login = try #require(try fixture.auditEntries().last)
        #expect(login["action"] == "login")
        #expect(login["actor"] == "ada")
        #expect(login["ipAddress"] == "10.0.0.7")
    }

    @Test(arguments: StorageKind.available) func anUnknownUserAWrongPasswordAndADisabledUserFailAlike(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada")
        try fixture.addUser("bea")
        try fixture.identities.setDisabled(true, user: "bea", by: .system())
        var refusals: [SecurityError] = []
        for (name, password) in [("nobody", IdentityFixture.password), ("ada", "not the right passphrase"), ("bea", IdentityFixture.password)] {
            do {
                _ = try await fixture.sessions.login(username: name, password: password, address: "10.0.0.9")
                Issue.record("\(name) signed in")
            } catch {
                refusals.append(error)
            }
        }
        #expect(refusals == [.unauthenticated, .unauthenticated, .unauthenticated])
        #expect(refusals.first?.message == "Authentication required")
        // The reason is for the audit log only.
        let failures = try fixture.auditEntries().filter { $0["action"] == "login-failed" }
        #expect(failures.map { $0["actor"]?.stringValue ?? "" } == ["nobody", "ada", "bea"])
        #expect(failures.map { $0["details"]?["reason"]?.stringValue ?? "" } == ["unknown-user", "wrong-password", "disabled"])
        #expect(failures.allSatisfy { $0["ipAddress"] == "10.0.0.9" })
    }

    @Test(arguments: StorageKind.available) func forgedAndStaleAccessTokensAreRefused(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let ada = try fixture.addUser("ada", role: .sales)
        let valid = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil).accessToken
        let (header, payload) = try IdentityFixture.decode(valid)
        let kid = try #require(header["kid"]?.stringValue)
        let parts = valid.split(separator: ".").map(String.init)
        let realKey = try #require(try fixture.database.read { db in try db.value("SELECT secret FROM signing_keys", as: Data.self) })
        let now = Date()
        func claims(issued: Date = now, notBefore: Date? = nil, expires: Date = now.addingTimeInterval(900)) -> AccessClaims {
            AccessClaims(user: ada, jti: SecretMaterial.identifier("jti"), issuedAt: issued, notBefore: notBefore, expires: expires)
        }
        func encode(_ value: JSONValue) -> String { IdentityFixture.base64URLEncode(value.serialized()) }
        var escalated = payload
        if case .object(var object) = escalated { object["role"] = "admin"; escalated = .object(object) }
        var unsigned = header
        if case .object(var object) = unsigned { object["alg"] = "none"; unsigned = .object(object) }
        var keyless = header
        if case .object(var object) = keyless { object.removeValue(forKey: "kid"); keyless = .object(object) }

        let attacks: [(String, String)] = [
            ("alg none", encode(unsigned) + "." + parts[1] + "."),
            ("alg none with the signature kept", encode(unsigned) + "." + parts[1] + "." + parts[2]),
            ("payload changed, signature kept", parts[0] + "." + encode(escalated) + "." + parts[2]),
            ("signed with another key under the known kid", try await claims().signed(secret: SecretMaterial.randomBytes(64), kid: kid)),
            ("signed with another key under an unknown kid", try await claims().signed(secret: SecretMaterial.randomBytes(64), kid: "k-unknown")),
            ("the kid removed", encode(keyless) + "." + parts[1] + "." + parts[2]),
            // Signed with the real key: only the kid is wrong. JWTKit alone would fall back to a
            // default key here.
            ("the real key under no kid", try await claims().signed(secret: Array(realKey), kid: nil)),
            ("the real key under an unknown kid", try await claims().signed(secret: Array(realKey), kid: "k-unknown")),
            ("expired", try await fixture.sessions.sign(claims(issued: now.addingTimeInterval(-1000), expires: now.addingTimeInterval(-100)))),
            ("not yet valid", try await fixture.sessions.sign(claims(notBefore: now.addingTimeInterval(3600), expires: now.addingTimeInterval(7200)))),
            ("truncated", String(valid.dropLast(4))),
            ("not a JWT", "hello"),
            ("empty", ""),
        ]
        for (attack, token) in attacks {
            await #expect(throws: SecurityError.unauthenticated, "\(attack)") { try await fixture.sessions.principal(forBearer: token) }
        }
        // The same signing path makes tokens that pass, so the refusals above are the attacks'.
        #expect(try await fixture.sessions.principal(forBearer: try await fixture.sessions.sign(claims())) == ada.principal)
        #expect(try await fixture.sessions.principal(forBearer: try await claims().signed(secret: Array(realKey), kid: kid)) == ada.principal)
        #expect(try await fixture.sessions.principal(forBearer: valid) == ada.principal)
    }

    @Test(arguments: StorageKind.available) func aDisabledUsersTokensAreRefusedAndADemotionAppliesAtOnce(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada", role: .manager)
        let token = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil).accessToken
        #expect(try await fixture.sessions.principal(forBearer: token).role == .manager)
        try fixture.identities.setRole(.support, forUser: "ada", by: .system())
        #expect(try await fixture.sessions.principal(forBearer: token).role == .support)
        try fixture.identities.setDisabled(true, user: "ada", by: .system())
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.principal(forBearer: token) }
        // A process that disabled nothing itself reads it from the database.
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.reopened().sessions.principal(forBearer: token) }
        try fixture.identities.setDisabled(false, user: "ada", by: .system())
        #expect(try await fixture.sessions.principal(forBearer: token).name == "ada")
    }

    @Test(arguments: StorageKind.available) func signingOutRevokesTheTokensAndSurvivesARestart(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada")
        let first = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        let other = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        _ = try await fixture.sessions.principal(forBearer: first.accessToken)  // now remembered
        try await fixture.sessions.logout(accessToken: first.accessToken, address: "10.0.0.7")
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.principal(forBearer: first.accessToken) }
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.refresh(token: first.refreshToken) }
        // Another session of the same user is untouched.
        #expect(try await fixture.sessions.principal(forBearer: other.accessToken).name == "ada")

        let restarted = try fixture.reopened()
        await #expect(throws: SecurityError.unauthenticated) { try await restarted.sessions.principal(forBearer: first.accessToken) }
        await #expect(throws: SecurityError.unauthenticated) { try await restarted.sessions.refresh(token: first.refreshToken) }
        #expect(try await restarted.sessions.principal(forBearer: other.accessToken).name == "ada")
        let revoked = try fixture.database.read { db in try db.values("SELECT jti FROM revoked_access_tokens", as: String.self) }
        #expect(revoked == [try #require(IdentityFixture.decode(first.accessToken).payload["jti"]?.stringValue)])

        // Signing out with the refresh token alone ends that session too.
        try await restarted.sessions.logout(accessToken: nil, refreshToken: other.refreshToken)
        await #expect(throws: SecurityError.unauthenticated) { try await restarted.sessions.principal(forBearer: other.accessToken) }
        let logout = try #require(try fixture.auditEntries().first { $0["action"] == "logout" })
        #expect(logout["actor"] == "ada")
        #expect(logout["ipAddress"] == "10.0.0.7")
    }

    @Test(arguments: StorageKind.available) func refreshRotatesAndReuseRevokesTheWholeFamily(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada")
        let first = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        let second = try await fixture.sessions.refresh(token: first.refreshToken)
        #expect(second.refreshToken != first.refreshToken)
        #expect(second.accessToken != first.accessToken)
        #expect(try await fixture.sessions.principal(forBearer: second.accessToken).name == "ada")
        let third = try await fixture.sessions.refresh(token: second.refreshToken)
        #expect(try await fixture.sessions.principal(forBearer: third.accessToken).name == "ada")

        // The first refresh token again, after the grace window: stolen. Everything of the family goes.
        _ = try fixture.database.write { db in try db.execute("UPDATE refresh_tokens SET used_at = used_at - 60 WHERE used_at IS NOT NULL") }
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.refresh(token: first.refreshToken) }
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.refresh(token: third.refreshToken) }
        for token in [first.accessToken, second.accessToken, third.accessToken] {
            await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.principal(forBearer: token) }
            await #expect(throws: SecurityError.unauthenticated) { try await fixture.reopened().sessions.principal(forBearer: token) }
        }
        let reuse = try #require(try fixture.auditEntries().first { $0["action"] == "refresh-reuse" })
        #expect(reuse["actor"] == "ada")
        #expect(reuse["details"]?["revokedAccessTokens"] == 3)

        // Unknown and disabled: refused alike.
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.refresh(token: "made-up") }
        let fresh = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        try fixture.identities.setDisabled(true, user: "ada", by: .system())
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.refresh(token: fresh.refreshToken) }
    }

    /// Two tabs of one session refresh with the same token at the same moment: both get the
    /// same new pair and stay signed in, whichever order the two refreshes interleave in. A use
    /// of that token once the grace window is over is still a theft, and revokes the family, the
    /// pair handed out twice included.
    @Test(arguments: StorageKind.available) func twoTabsRefreshingAtOnceGetTheSamePairAndALaterReuseStillRevokes(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada")
        let sessions = fixture.sessions
        var token = try await sessions.login(username: "ada", password: IdentityFixture.password, address: nil).refreshToken
        for _ in 0..<20 {
            let shared = token
            async let first = sessions.refresh(token: shared)
            async let second = sessions.refresh(token: shared)
            let (a, b) = try await (first, second)
            #expect(a == b, "both tabs hold the pair the first refresh bought")
            #expect(try await sessions.principal(forBearer: a.accessToken).name == "ada")
            token = a.refreshToken
        }
        #expect(try fixture.auditEntries().allSatisfy { $0["action"] != "refresh-reuse" })

        let start = try await sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        let bought = try await sessions.refresh(token: start.refreshToken)
        #expect(try await sessions.refresh(token: start.refreshToken) == bought, "within the window: the same pair again")
        _ = try fixture.database.write { db in try db.execute("UPDATE refresh_tokens SET used_at = used_at - 11 WHERE used_at IS NOT NULL") }
        await #expect(throws: SecurityError.unauthenticated) { try await sessions.refresh(token: start.refreshToken) }
        await #expect(throws: SecurityError.unauthenticated) { try await sessions.principal(forBearer: bought.accessToken) }
        await #expect(throws: SecurityError.unauthenticated) { try await sessions.refresh(token: bought.refreshToken) }
        #expect(try fixture.auditEntries().contains { $0["action"] == "refresh-reuse" })
    }

    @Test(arguments: StorageKind.available) func rotatedSigningKeysKeepVerifyingTheTokensTheySigned(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada")
        let before = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil).accessToken
        let oldKid = try #require(IdentityFixture.decode(before).header["kid"]?.stringValue)
        let newKid = try await fixture.sessions.rotateSigningKey()
        #expect(newKid != oldKid)
        let after = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil).accessToken
        #expect(try IdentityFixture.decode(after).header["kid"]?.stringValue == newKid)
        let restarted = try fixture.reopened()
        for sessions in [fixture.sessions, restarted.sessions] {
            #expect(try await sessions.principal(forBearer: before).name == "ada")
            #expect(try await sessions.principal(forBearer: after).name == "ada")
        }
        #expect(try fixture.auditActions().contains("key-rotation"))
    }

    @Test(arguments: StorageKind.available) func anAPITokenDoesNotSignOut(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let issued = try fixture.identities.createToken(name: "robot", role: .support, by: .system())
        do {
            try await fixture.sessions.logout(accessToken: issued.secret)
            Issue.record("an API token signed out")
        } catch {
            #expect(error.kind == .invalid)
            #expect(error.advice?.contains("facet tokens revoke") == true)
        }
        #expect(try await fixture.sessions.principal(forBearer: issued.secret).kind == .apiToken)
    }

    @Test(arguments: StorageKind.available) func failedSignInsLockTheAccountOutBeforeAnyPasswordCheck(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada")
        var policy = ThreatPolicy()
        policy.accountFailureThreshold = 3
        policy.lockoutBase = 60
        let threats = ThreatMonitor(database: fixture.database, audit: fixture.audit, policy: policy)
        let sessions = SessionAuthority(database: fixture.database, identities: fixture.identities, audit: fixture.audit, threats: threats)
        for _ in 0..<3 {
            await #expect(throws: SecurityError.unauthenticated) {
                try await sessions.login(username: "ada", password: "not the right passphrase", address: "10.0.0.9")
            }
        }
        // Locked: even the right password is not checked.
        do {
            _ = try await sessions.login(username: "ada", password: IdentityFixture.password, address: "10.0.0.9")
            Issue.record("a locked-out account signed in")
        } catch {
            #expect(error.kind == .throttled)
            #expect((error.retryAfter ?? 0) >= 1)
        }
        #expect(try fixture.auditActions().filter { $0 == "login-failed" }.count == 3)
        #expect(try !fixture.auditActions().contains("login"))
    }

    @Test(arguments: StorageKind.available) func aPasswordResetEndsTheUsersSessions(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada")
        try fixture.addUser("bea")
        let ada = try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        let bea = try await fixture.sessions.login(username: "bea", password: IdentityFixture.password, address: nil)
        _ = try await fixture.sessions.principal(forBearer: ada.accessToken)
        try fixture.identities.resetPassword(user: "ada", to: "a brand new passphrase", by: .system())
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.principal(forBearer: ada.accessToken) }
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.refresh(token: ada.refreshToken) }
        #expect(try await fixture.sessions.principal(forBearer: bea.accessToken).name == "bea")
        _ = try await fixture.sessions.refresh(token: bea.refreshToken)
    }
}
