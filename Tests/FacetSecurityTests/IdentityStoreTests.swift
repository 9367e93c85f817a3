@testable import FacetSecurity
import Foundation
import GRDB
import GROQ
import Testing
import TestSupport

@Suite("Identities: users, passwords, API tokens", .ownThread())
struct IdentityStoreTests {
    @Test func passwordsMustBeLongUncommonAndNotTheUserName() throws {
        let rules = PasswordRules()
        func refusal(_ password: String, user: String = "ada") -> SecurityError? {
            do { try rules.check(password, userName: user); return nil } catch { return error }
        }
        #expect(refusal("short-pass1")?.message == "The password is too short: 11 characters, at least 12 are needed")
        #expect(refusal("short-pass1")?.kind == .invalid)
        #expect(refusal("short-pass1")?.advice?.contains("at least 12 characters") == true)
        #expect(refusal("PASSWORD1234")?.message.contains("most common passwords") == true)
        #expect(refusal("QwertyUiop123")?.message.contains("most common passwords") == true)
        #expect(refusal("Customer2026!!")?.message == "The password is a common password (\"customer\") followed by digits or symbols, which attackers try first")
        #expect(refusal("AdaLovelace1815", user: "adalovelace1815")?.message == "The password is the user name")
        #expect(refusal("adalovelace!!!!", user: "AdaLovelace")?.message == "The password is the user name")
        #expect(refusal("abababababababab")?.message.contains("too few characters") == true)
        #expect(refusal(String(repeating: "lång ord ", count: 10))?.message.contains("too long") == true)
        #expect(refusal(IdentityFixture.password) == nil)
        #expect(refusal("Tiffany blue rings") == nil)
        // Generated passwords pass.
        let generated = PasswordRules.generate()
        #expect(generated.count == 24)
        #expect(refusal(generated) == nil)
        #expect(PasswordRules.generate() != generated)
    }

    @Test(arguments: StorageKind.available) func aRefusedPasswordStoresNothing(kind: StorageKind) throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        #expect(throws: SecurityError.self) { try fixture.identities.addUser(name: "ada", role: .sales, password: "password1234", by: .system()) }
        #expect(try fixture.identities.users().isEmpty)
        #expect(try fixture.auditActions().isEmpty)
    }

    @Test(arguments: StorageKind.available) func passwordsAreHashedWithBcryptAtCost12ByDefault(kind: StorageKind) throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let identities = IdentityStore(database: fixture.database)
        #expect(identities.passwordCost == 12)
        let user = try identities.addUser(name: "ada", role: .sales, password: IdentityFixture.password, by: .system())
        let hash = try #require(try fixture.database.read { db in
            try db.value("SELECT password_hash FROM users WHERE id = ?", [user.id], as: String.self)
        })
        #expect(hash.hasPrefix("$2b$12$") || hash.hasPrefix("$2a$12$") || hash.hasPrefix("$2y$12$"), "\(hash)")
        #expect(!hash.contains(IdentityFixture.password))
        // The test fixture's low cost is what its hashes carry.
        let quick = try fixture.addUser("bea")
        let quickHash = try #require(try fixture.database.read { db in
            try db.value("SELECT password_hash FROM users WHERE id = ?", [quick.id], as: String.self)
        })
        #expect(quickHash.dropFirst(3).hasPrefix("$04$"))
    }

    @Test(arguments: StorageKind.available) func usersAreUniqueByNameWhateverTheCase(kind: StorageKind) throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let ada = try fixture.addUser("Ada", role: .sales, staffID: "staff-ada")
        #expect(ada.principal == Principal(id: ada.id, name: "Ada", role: .sales, kind: .user, staffID: "staff-ada"))
        do {
            try fixture.addUser("ada")
            Issue.record("a second ada was added")
        } catch {
            #expect(error.kind == .conflict)
            #expect(error.message == "A user named \"ada\" already exists")
        }
        do {
            try fixture.addUser("bad name")
            Issue.record("a name with a space was accepted")
        } catch {
            #expect(error.kind == .invalid)
            #expect(error.advice?.contains("letters, digits") == true)
        }
        try fixture.addUser("bea", role: .support)
        #expect(try fixture.identities.users().map(\.name) == ["Ada", "bea"])
        #expect(try fixture.identities.user(named: "ADA").id == ada.id)
        #expect(throws: SecurityError(.notFound, "No user named \"cy\"", advice: "List the users with `facet users list`.")) {
            try fixture.identities.user(named: "cy")
        }
    }

    @Test(arguments: StorageKind.available) func roleChangesDisablingAndPasswordResetsAreAudited(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        try fixture.addUser("ada", role: .sales)
        let boss = Principal(id: "usr_boss", name: "boss", role: .admin, kind: .user)
        #expect(try fixture.identities.setRole(.manager, forUser: "ada", by: boss).role == .manager)
        #expect(try fixture.identities.setDisabled(true, user: "ada", by: boss).disabled)
        #expect(try fixture.identities.user(named: "ada").disabled)
        #expect(try !fixture.identities.setDisabled(false, user: "ada", by: boss).disabled)
        #expect(throws: SecurityError.self) { try fixture.identities.resetPassword(user: "ada", to: "ada", by: boss) }
        let before = try fixture.identities.user(named: "ada")
        let after = try fixture.identities.resetPassword(user: "ada", to: "a brand new passphrase", by: boss)
        #expect(after.passwordChangedAt >= before.passwordChangedAt)

        let entries = try fixture.auditEntries()
        #expect(entries.map { $0["action"]?.stringValue ?? "" } == ["user-change", "role-change", "user-change", "user-change", "user-change"])
        #expect(entries[1]["actor"] == "boss")
        #expect(entries[1]["actorRole"] == "admin")
        #expect(entries[1]["details"] == ["user": "ada", "userId": .string(before.id), "from": "sales", "to": "manager"])
        #expect(entries[2]["details"]?["change"] == "disabled")
        #expect(entries[3]["details"]?["change"] == "enabled")
        #expect(entries[4]["details"]?["change"] == "password-reset")

        // The new password signs in, the old one no longer does.
        _ = try await fixture.sessions.login(username: "ada", password: "a brand new passphrase", address: nil)
        await #expect(throws: SecurityError.unauthenticated) {
            try await fixture.sessions.login(username: "ada", password: IdentityFixture.password, address: nil)
        }
    }

    @Test(arguments: StorageKind.available) func theFirstStartCreatesAdminWithThePasswordFromTheEnvironment(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let password = "admin passphrase from env"
        #expect(try fixture.identities.ensureAdmin(environment: ["FACET_ADMIN_PASSWORD": password]) == nil)
        let admin = try fixture.identities.user(named: "admin")
        #expect(admin.role == .admin)
        #expect(try await fixture.sessions.login(username: "admin", password: password, address: nil).principal.id == admin.id)
        // Only the first start: the next does nothing.
        #expect(try fixture.identities.ensureAdmin(environment: [:]) == nil)
        #expect(try fixture.identities.users().count == 1)
    }

    @Test(arguments: StorageKind.available) func theFirstStartGeneratesAnAdminPasswordWhenNoneIsGiven(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let generated = try #require(try fixture.identities.ensureAdmin(environment: [:]))
        #expect(generated.count >= 20)
        #expect(try await fixture.sessions.login(username: "admin", password: generated, address: nil).principal.role == .admin)
        #expect(try fixture.identities.ensureAdmin(environment: [:]) == nil)
    }

    @Test(arguments: StorageKind.available) func aWeakAdminPasswordFromTheEnvironmentIsRefused(kind: StorageKind) throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        do {
            try fixture.identities.ensureAdmin(environment: ["FACET_ADMIN_PASSWORD": "admin"])
            Issue.record("a weak admin password was accepted")
        } catch {
            #expect(error.kind == .invalid)
            #expect(error.message.hasPrefix("FACET_ADMIN_PASSWORD is refused: The password is too short"))
            #expect(error.advice?.contains("unset it") == true)
        }
        #expect(try fixture.identities.users().isEmpty)
    }

    @Test(arguments: StorageKind.available) func apiTokensAreShownOnceStoredHashedAndRevocable(kind: StorageKind) async throws {
        let fixture = try IdentityFixture(kind)
        defer { fixture.close() }
        let issued = try fixture.identities.createToken(name: "importer", role: .marketing, by: .system())
        #expect(issued.secret.hasPrefix("fct_"))
        #expect(issued.secret.count >= 40)
        let stored = try fixture.database.read { db in try db.rows("SELECT * FROM api_tokens") }
        #expect(stored.count == 1)
        #expect(!stored[0].description.contains(issued.secret), "the secret is stored: \(stored[0])")
        #expect(stored[0]["token_hash"] == SecretMaterial.digest(issued.secret))

        let principal = try await fixture.sessions.principal(forBearer: issued.secret)
        #expect(principal == Principal(id: issued.token.id, name: "importer", role: .marketing, kind: .apiToken))
        #expect(principal.author == "token:importer")
        #expect(try fixture.identities.tokens().first?.lastUsedAt != nil)
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.principal(forBearer: "fct_" + String(repeating: "x", count: 43)) }

        // One live token per name.
        #expect(throws: SecurityError.self) { try fixture.identities.createToken(name: "IMPORTER", role: .admin, by: .system()) }

        let revoked = try fixture.identities.revokeToken("importer", by: .system())
        #expect(revoked.isRevoked)
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.principal(forBearer: issued.secret) }
        // Also in a process that never saw it.
        let restarted = try fixture.reopened()
        await #expect(throws: SecurityError.unauthenticated) { try await restarted.sessions.principal(forBearer: issued.secret) }
        #expect(throws: SecurityError.self) { try fixture.identities.revokeToken("importer", by: .system()) }

        // The name is free again; the revoked token stays listed.
        let again = try fixture.identities.createToken(name: "importer", role: .marketing, by: .system())
        #expect(try fixture.identities.tokens().map(\.id) == [issued.token.id, again.token.id])
        #expect(try await fixture.sessions.principal(forBearer: again.secret).id == again.token.id)
        try fixture.identities.revokeToken(again.token.id, by: .system())
        await #expect(throws: SecurityError.unauthenticated) { try await fixture.sessions.principal(forBearer: again.secret) }

        let entries = try fixture.auditEntries()
        #expect(entries.map { $0["action"]?.stringValue ?? "" } == ["token-issued", "token-revoked", "token-issued", "token-revoked"])
        #expect(entries[0]["details"] == ["tokenId": .string(issued.token.id), "name": "importer", "role": "marketing"])
        #expect(entries[0]["actor"] == "facet")
    }
}
