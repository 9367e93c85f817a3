import FacetSecurity
import FacetServer
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Taking access away bites on the very next request, also when another process (a `facet
/// users` or `facet tokens` command) does it: the server's memory of checked tokens does not
/// outlive a revocation.
@Suite("Revocations bite at once")
struct AccessRevocationTests {
    /// The security database as another process opens it: its own connection and its own memory.
    private func otherProcess(_ fixture: SecureServerFixture) throws -> IdentityStore {
        IdentityStore(database: try SecurityDatabase(directory: fixture.directory), passwordCost: 4)
    }

    @Test func aRoleLoweredOrAUserDisabledElsewhereBitesOnTheNextRequest() async throws {
        let fixture = try SecureServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let tokens = try await SecureServerFixture.login(client, "root")
            let access = try #require(tokens["accessToken"]?.stringValue)
            let me = { () async throws -> (HTTPResponse.Status, JSONValue?) in
                let response = try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(access))
                return (response.status, try? SecureServerFixture.json(response))
            }
            // Checked once: the server now remembers the token.
            #expect(try await me().1?["role"] == "admin")
            #expect(try await me().0 == .ok)

            try otherProcess(fixture).setRole(.support, forUser: "root", by: .system())
            #expect(try await me().1?["role"] == "support", "the demotion applies to the next request")
            let admin = try await client.execute(uri: "/v1/security/events", method: .get, headers: SecureServerFixture.bearer(access))
            #expect(admin.status == .forbidden)

            try otherProcess(fixture).setDisabled(true, user: "root", by: .system())
            #expect(try await me().0 == .unauthorized, "a disabled user's token is refused at once")
        }
    }

    @Test func anAPITokenRevokedElsewhereIsRefusedOnTheNextRequest() async throws {
        let fixture = try SecureServerFixture()
        defer { fixture.close() }
        let issued = try otherProcess(fixture).createToken(name: "importer", role: .marketing, by: .system())
        try await Application(router: fixture.api.router()).test(.router) { client in
            let query = { () async throws -> HTTPResponse.Status in
                try await client.execute(uri: "/v1/data/query/production?query=count(*)", method: .get,
                                         headers: SecureServerFixture.bearer(issued.secret)).status
            }
            #expect(try await query() == .ok)
            #expect(try await query() == .ok)
            try otherProcess(fixture).revokeToken("importer", by: .system())
            #expect(try await query() == .unauthorized)
        }
    }
}
