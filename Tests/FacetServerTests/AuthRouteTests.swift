import FacetSchema
import FacetSecurity
@testable import FacetServer
import FacetStore
import Foundation
import GRDB
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

/// A secure server: the CRM's roles, a security database, and ``TokenAccess`` in front of every
/// route. Users are hashed at bcrypt cost 4 so that tests stay quick.
///
/// On ``StorageKind/postgres`` the datasets and the security records (users, tokens, keys, the
/// audit log) are both in a fresh schema of the test PostgreSQL server, as `facet serve
/// --database` keeps them.
struct SecureServerFixture {
    let kind: StorageKind
    let directory: String
    /// The PostgreSQL schema's URL, for ``StorageKind/postgres``.
    let location: String?
    let store: DocumentStore
    let security: SecuritySystem
    let api: FacetAPI
    static let password = "correct horse battery staple"

    init(_ kind: StorageKind = .sqlite) throws {
        self.kind = kind
        directory = NSTemporaryDirectory() + "facet-auth-test-" + UUID().uuidString
        let schema = try CRMSchema.compile()
        switch kind {
        case .sqlite:
            location = nil
            security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema, environment: [:],
                                          passwordCost: 4)
            store = try DocumentStore(directory: directory)
        case .postgres:
            let (backend, url) = try TestDatabase.backend(.postgres)
            location = url
            security = try SecuritySystem(directory: directory, backend: backend, policy: CRMRoles.policy(schema: schema), schema: schema,
                                          environment: [:], passwordCost: 4)
            store = DocumentStore(backend: backend)
        }
        _ = try store.dataset("production", create: true)
        api = FacetAPI(store: store, schema: schema, access: TokenAccess(security: security), security: security)
        let identities = IdentityStore(database: security.database, passwordCost: 4)
        try identities.addUser(name: "ada", role: .sales, staffID: "staff-ada", password: Self.password, by: .system())
        try identities.addUser(name: "root", role: .admin, password: Self.password, by: .system())
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
        if let location { TestDatabase.remove(.postgres, at: location) }
    }

    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONValue(parsing: Array(response.body.readableBytesView))
    }

    static func body(_ value: JSONValue) -> ByteBuffer {
        ByteBuffer(string: value.serialized())
    }

    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    static func bearer(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/json"]
    }

    /// Signs in `username` and returns the parsed answer.
    static func login(_ client: some TestClientProtocol, _ username: String, _ password: String = password) async throws -> JSONValue {
        let response = try await client.execute(uri: "/v1/auth/login", method: .post, headers: jsonHeaders,
                                                body: body(["username": .string(username), "password": .string(password)]))
        #expect(response.status == .ok, "login failed: \(String(buffer: response.body))")
        return try json(response)
    }
}

@Suite("/v1/auth and TokenAccess")
struct AuthRouteTests {
    @Test(arguments: StorageKind.available) func signingInAnswersTokensThatOpenTheOtherRoutes(kind: StorageKind) async throws {
        let fixture = try SecureServerFixture(kind)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/auth/login", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                    body: SecureServerFixture.body(["username": "ada", "password": .string(SecureServerFixture.password)]))
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let tokens = try SecureServerFixture.json(response)
            #expect(tokens["tokenType"] == "Bearer")
            #expect(tokens["expiresIn"] == 900)
            let access = try #require(tokens["accessToken"]?.stringValue)
            #expect(tokens["refreshToken"]?.stringValue?.isEmpty == false)

            let me = try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(access))
            #expect(me.status == .ok)
            let body = try SecureServerFixture.json(me)
            #expect(body["name"] == "ada")
            #expect(body["role"] == "sales")
            #expect(body["kind"] == "user")
            #expect(body["staffId"] == "staff-ada")
            #expect(body["id"]?.stringValue?.hasPrefix("usr_") == true)
            #expect(body["permissions"] == fixture.security.policy.json(for: .sales))

            let query = try await client.execute(uri: "/v1/data/query/production?query=count(*)", method: .get,
                                                 headers: SecureServerFixture.bearer(access))
            #expect(query.status == .ok)
            // Open routes need nothing.
            #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
        }
    }

    @Test(arguments: StorageKind.available) func everyRouteButTheOpenOnesNeedsAValidBearerToken(kind: StorageKind) async throws {
        let fixture = try SecureServerFixture(kind)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let bad: [HTTPFields] = [
                [:],
                [.authorization: "Basic YWRhOnNlY3JldA=="],
                [.authorization: "Bearer"],
                [.authorization: "Bearer not-a-token"],
                [.authorization: "Bearer fct_madeup"],
            ]
            for headers in bad {
                for uri in ["/v1/data/query/production?query=*", "/v1/auth/me", "/v1/data/doc/production/c-1"] {
                    let response = try await client.execute(uri: uri, method: .get, headers: headers)
                    #expect(response.status == .unauthorized, "\(uri) with \(headers)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    let body = try SecureServerFixture.json(response)
                    #expect(body["error"]?["type"] == "unauthorized")
                    #expect(body["error"]?["description"] == "Authentication required")
                    #expect(body["statusCode"] == 401)
                }
            }
            let write = try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                 body: SecureServerFixture.body(["mutations": [["create": ["_type": "interaction"]]]]))
            #expect(write.status == .unauthorized)
            #expect(try fixture.store.dataset("production").query("count(*)") == 0)
        }
    }

    @Test func theBearerSchemeIsReadInAnyCaseAndTheTokenTrimmed() {
        func token(_ header: String) -> String? {
            var fields = HTTPFields()
            fields[.authorization] = header
            return TokenAccess.bearerToken(Request(head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/",
                                                                     headerFields: fields), body: RequestBody(buffer: ByteBuffer())))
        }
        #expect(token("Bearer abc.def") == "abc.def")
        #expect(token("bearer abc") == "abc")
        #expect(token("BEARER \t abc \t") == "abc")
        #expect(token("Bearer\tabc") == "abc")
        #expect(token("Bearer") == nil)
        #expect(token("Bearer    ") == nil)
        #expect(token("Bearerabc") == nil)
        #expect(token("Beare abc") == nil)
        #expect(token("Basic abc") == nil)
        #expect(token("Bearer é-token") == "é-token")
    }

    @Test(arguments: StorageKind.available) func wrongCredentialsAllGetTheSameAnswer(kind: StorageKind) async throws {
        let fixture = try SecureServerFixture(kind)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            var bodies: [JSONValue] = []
            for (name, password) in [("ada", "the wrong passphrase"), ("nobody", SecureServerFixture.password)] {
                let response = try await client.execute(uri: "/v1/auth/login", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                        body: SecureServerFixture.body(["username": .string(name), "password": .string(password)]))
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                bodies.append(try SecureServerFixture.json(response))
            }
            #expect(bodies[0] == bodies[1])
            #expect(bodies[0]["error"]?["description"] == "Authentication required")

            let missing = try await client.execute(uri: "/v1/auth/login", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                   body: SecureServerFixture.body(["username": "ada"]))
            #expect(missing.status == .badRequest)
            #expect(try SecureServerFixture.json(missing)["error"]?["description"] == "The body needs a string \"password\"")
            let garbled = try await client.execute(uri: "/v1/auth/login", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                   body: ByteBuffer(string: "{username"))
            #expect(garbled.status == .badRequest)
        }
    }

    @Test(arguments: StorageKind.available) func refreshRotatesAndReuseIsRefused(kind: StorageKind) async throws {
        let fixture = try SecureServerFixture(kind)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let first = try await SecureServerFixture.login(client, "ada")
            let refresh = try #require(first["refreshToken"]?.stringValue)
            let response = try await client.execute(uri: "/v1/auth/refresh", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                    body: SecureServerFixture.body(["refreshToken": .string(refresh)]))
            #expect(response.status == .ok)
            let second = try SecureServerFixture.json(response)
            let access = try #require(second["accessToken"]?.stringValue)
            #expect(try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(access)).status == .ok)

            // A second tab refreshing with the same token at once gets the same pair. "At once" is
            // set here rather than left to the clock: on a loaded machine the calls above can take
            // longer than the window.
            _ = try fixture.security.database.records.write {
                try $0.execute("UPDATE refresh_tokens SET used_at = ? WHERE used_at IS NOT NULL", [Date().timeIntervalSince1970])
            }
            let twin = try await client.execute(uri: "/v1/auth/refresh", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                body: SecureServerFixture.body(["refreshToken": .string(refresh)]))
            #expect(twin.status == .ok)
            #expect(try SecureServerFixture.json(twin)["accessToken"] == second["accessToken"])
            #expect(try SecureServerFixture.json(twin)["refreshToken"] == second["refreshToken"])

            // Once the grace window is over, the same token again is a theft.
            _ = try fixture.security.database.records.write { try $0.execute("UPDATE refresh_tokens SET used_at = used_at - 60 WHERE used_at IS NOT NULL") }
            let reused = try await client.execute(uri: "/v1/auth/refresh", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                  body: SecureServerFixture.body(["refreshToken": .string(refresh)]))
            #expect(reused.status == .unauthorized)
            #expect(try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(access)).status == .unauthorized)
        }
    }

    @Test(arguments: StorageKind.available) func signingOutRevokesTheToken(kind: StorageKind) async throws {
        let fixture = try SecureServerFixture(kind)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let tokens = try await SecureServerFixture.login(client, "ada")
            let access = try #require(tokens["accessToken"]?.stringValue)
            let refresh = try #require(tokens["refreshToken"]?.stringValue)
            #expect(try await client.execute(uri: "/v1/auth/logout", method: .post).status == .unauthorized)
            let response = try await client.execute(uri: "/v1/auth/logout", method: .post, headers: SecureServerFixture.bearer(access),
                                                    body: SecureServerFixture.body(["refreshToken": .string(refresh)]))
            #expect(response.status == .ok)
            #expect(try SecureServerFixture.json(response) == ["loggedOut": true])
            #expect(try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(access)).status == .unauthorized)
            let refreshed = try await client.execute(uri: "/v1/auth/refresh", method: .post, headers: SecureServerFixture.jsonHeaders,
                                                     body: SecureServerFixture.body(["refreshToken": .string(refresh)]))
            #expect(refreshed.status == .unauthorized)

            // Without a body too.
            let other = try #require(try await SecureServerFixture.login(client, "ada")["accessToken"]?.stringValue)
            #expect(try await client.execute(uri: "/v1/auth/logout", method: .post, headers: [.authorization: "Bearer \(other)"]).status == .ok)
            #expect(try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(other)).status == .unauthorized)
        }
    }

    @Test(arguments: StorageKind.available) func apiTokensAuthenticateRobotsUntilRevoked(kind: StorageKind) async throws {
        let fixture = try SecureServerFixture(kind)
        defer { fixture.close() }
        let issued = try fixture.security.identities.createToken(name: "importer", role: .marketing, by: .system())
        try await Application(router: fixture.api.router()).test(.router) { client in
            let me = try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(issued.secret))
            #expect(me.status == .ok)
            let body = try SecureServerFixture.json(me)
            #expect(body["kind"] == "apiToken")
            #expect(body["role"] == "marketing")
            #expect(body["name"] == "importer")
            try fixture.security.identities.revokeToken("importer", by: .system())
            #expect(try await client.execute(uri: "/v1/auth/me", method: .get, headers: SecureServerFixture.bearer(issued.secret)).status == .unauthorized)
        }
    }

    @Test(arguments: StorageKind.available) func adminRoutesNeedARoleThatManagesDatasets(kind: StorageKind) async throws {
        let fixture = try SecureServerFixture(kind)
        defer { fixture.close() }
        let router = Router(context: FacetRequestContext.self)
        router.group("admin").add(middleware: AccessMiddleware(access: .admin, policy: TokenAccess(security: fixture.security)))
            .get { _, context in context.principal?.name ?? "-" }
        router.group("open").add(middleware: AccessMiddleware(access: .open, policy: TokenAccess(security: fixture.security)))
            .get { _, context in context.principal?.name ?? "-" }
        let sales = try await fixture.security.sessions.login(username: "ada", password: SecureServerFixture.password, address: nil)
        let admin = try await fixture.security.sessions.login(username: "root", password: SecureServerFixture.password, address: nil)
        try await Application(router: router).test(.router) { client in
            let refused = try await client.execute(uri: "/admin", method: .get, headers: SecureServerFixture.bearer(sales.accessToken))
            #expect(refused.status == .forbidden)
            let error = try SecureServerFixture.json(refused)["error"]
            #expect(error?["type"] == "permissionDenied")
            #expect(error?["description"] == "Role sales may not manage datasets or the server")
            #expect(error?["advice"]?.stringValue?.contains("datasets capability") == true)
            let allowed = try await client.execute(uri: "/admin", method: .get, headers: SecureServerFixture.bearer(admin.accessToken))
            #expect(allowed.status == .ok)
            #expect(String(buffer: allowed.body) == "root")
            // Open routes: anyone, and a caller who sends a token is still known; a bad token is ignored.
            #expect(String(buffer: try await client.execute(uri: "/open", method: .get).body) == "-")
            #expect(String(buffer: try await client.execute(uri: "/open", method: .get, headers: SecureServerFixture.bearer(sales.accessToken)).body) == "ada")
            #expect(String(buffer: try await client.execute(uri: "/open", method: .get, headers: SecureServerFixture.bearer("junk")).body) == "-")
        }
    }

    @Test func securityRefusalsTellTheClientWhatToDo() async throws {
        let router = Router(context: FacetRequestContext.self)
        router.get("throttled") { _, _ -> String in
            throw SecurityHTTPError(SecurityError(.throttled, "Too many failed sign-in attempts; try again in 7 seconds",
                                                  advice: "Wait before signing in again.", retryAfter: 7))
        }
        router.get("broken") { _, _ -> String in
            throw SecurityHTTPError(SecurityError(.storage, "Cannot open the security database /srv/facet/security.sqlite"))
        }
        router.get("conflict") { _, _ -> String in
            throw SecurityHTTPError(SecurityError(.conflict, "A user named \"ada\" already exists", advice: "Choose another name."))
        }
        try await Application(router: router).test(.router) { client in
            let throttled = try await client.execute(uri: "/throttled", method: .get)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] == "7")
            let body = try SecureServerFixture.json(throttled)
            #expect(body["error"]?["type"] == "tooManyRequests")
            #expect(body["error"]?["description"] == "Too many failed sign-in attempts; try again in 7 seconds")
            #expect(body["error"]?["retryAfter"] == 7)
            #expect(body["error"]?["advice"] == "Wait before signing in again.")

            let broken = try await client.execute(uri: "/broken", method: .get)
            #expect(broken.status == .internalServerError)
            #expect(!String(buffer: broken.body).contains("/srv/facet"))

            let conflict = try await client.execute(uri: "/conflict", method: .get)
            #expect(conflict.status == .conflict)
            #expect(try SecureServerFixture.json(conflict)["error"]?["type"] == "conflict")
        }
    }
}
