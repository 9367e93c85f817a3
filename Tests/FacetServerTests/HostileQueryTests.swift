import FacetSchema
import FacetSecurity
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

@testable import FacetServer

/// Queries sent to hurt the server, each through the HTTP API as the role that sent it when it
/// was found: the process must survive, the answer must be a clear 4xx within a bounded time,
/// and no one caller may take the server from the others.
@Suite("Hostile queries")
struct HostileQueryTests {
    final class Fixture: Sendable {
        let directory = NSTemporaryDirectory() + "facet-hostile-" + UUID().uuidString
        let store: DocumentStore
        let api: FacetAPI

        /// The CRM with its roles (taken from a header) and `customers` clients, each with an
        /// interaction; `configure` changes the server's limits.
        init(customers: Int = 1_500, configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
            let schema = try CRMSchema.compile()
            let security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema,
                                              environment: ["FACET_ADMIN_PASSWORD": "correct horse battery staple 42"], passwordCost: 4)
            store = try security.documentStore(validator: nil)
            let dataset = try store.dataset("production", create: true)
            var mutations: [Mutation] = [.create(["_id": "staff-ana", "_type": "staff", "name": "Ana"]),
                                         .create(["_id": "staff-ben", "_type": "staff", "name": "Ben"])]
            for i in 0..<customers {
                mutations.append(.create(["_id": .string("c-\(i)"), "_type": "customer", "name": .string("Client \(i)"),
                                          "email": .string("client\(i)@example.com"), "rank": .number(Double(i))]))
                mutations.append(.create(["_id": .string("i-\(i)"), "_type": "interaction", "customer": ["_ref": .string("c-\(i)")]]))
            }
            try dataset.mutate(mutations)
            var configuration = ServerConfiguration()
            configure(&configuration)
            api = FacetAPI(store: store, schema: schema, configuration: configuration, access: HeaderRoleAccess(), security: security)
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func uri(_ query: String) -> String {
        "/v1/data/query/production?query=" + query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    static func error(_ response: TestResponse) throws -> JSONValue? {
        try DataRoutes.json(response)["error"]
    }

    // MARK: Depth

    /// `1-1-1…` with 10,500 terms in a 21 KB URL killed the process; `*.a.a…` likewise.
    @Test func longOperatorAndTraversalChainsAre400NotACrash() async throws {
        let f = try Fixture(customers: 10)
        try await Application(router: f.api.router()).test(.router) { client in
            let chains = ["1" + String(repeating: "-1", count: 10_500), "*" + String(repeating: ".a", count: 33_000),
                          "*[" + String(repeating: "a || ", count: 20_000) + "a]"]
            for chain in chains {
                try await client.execute(uri: Self.uri(chain), method: .get, headers: RoleRouteTests.headers("support")) { response in
                    #expect(response.status == .badRequest)
                    let error = try Self.error(response)
                    #expect(error?["description"]?.stringValue?.contains("too deep") == true, "\(String(describing: error))")
                    #expect(error?["line"] == 1 && error?["column"]?.numberValue ?? 0 > 1, "the position of the limit")
                }
            }
            // A patch by query whose filter is as deep: refused the same way, nothing written.
            let filter = "*[_type == 'interaction' && " + String(repeating: "1-", count: 10_500) + "1 == 0]"
            let body = JSONValue.object(["mutations": [["patch": ["query": .string(filter), "set": ["notes": "x"]]]]]).serialized()
            try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: RoleRouteTests.headers("support"),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("too deep"))
            }
            try await client.execute(uri: "/health", method: .get) { response in #expect(response.status == .ok) }
        }
    }

    /// A patch by query selects within the caller's query budget: a runaway filter holds the
    /// dataset's writers no longer than the caller's time limit, and nothing is written.
    @Test func aRunawayPatchByQueryStopsAtTheTimeLimit() async throws {
        let f = try Fixture(customers: 1_500) {
            $0.queryBudgets["support"] = QueryBudget(timeLimit: .seconds(1), maxElements: 20_000_000, maxResultBytes: 16 << 20)
        }
        try await Application(router: f.api.router()).test(.router) { client in
            let filter = "*[_type == 'interaction' && count(*[_type == 'customer' && count(*[_type == 'customer' && rank < ^.rank]) > ^.rank - 2]) > 0]"
            let body = JSONValue.object(["mutations": [["patch": ["query": .string(filter), "set": ["notes": "x"]]]]]).serialized()
            // Left alone, the filter would run for seconds and then patch every interaction: the
            // answer being a timeout shows the deadline stopped it.
            try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: RoleRouteTests.headers("support"),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("queryTimeout"), "\(String(buffer: response.body))")
            }
            #expect(try f.store.dataset("production").snapshot.document(id: "i-1")?["notes"] == nil)
        }
    }

    /// A 10,000-level JSON body, as a query's parameters or as a document: refused by the JSON
    /// reader with the position, not recursed through; parameters as deep as JSON allows work.
    @Test func deepJSONBodiesAre400() async throws {
        let f = try Fixture(customers: 10)
        try await Application(router: f.api.router()).test(.router) { client in
            let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            let bodies = [("/v1/data/query/production", #"{"query": "$p", "params": {"p": "# + deep + "}}"),
                          ("/v1/data/mutate/production", #"{"mutations": [{"create": {"_type": "interaction", "x": "# + deep + "}}]}")]
            for (uri, body) in bodies {
                try await client.execute(uri: uri, method: .post, headers: RoleRouteTests.headers("support"), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains("nesting deeper than"), "\(String(buffer: response.body).prefix(300))")
                }
            }
            let allowed = String(repeating: "[", count: 60) + "1" + String(repeating: "]", count: 60)
            try await client.execute(uri: "/v1/data/query/production", method: .post, headers: RoleRouteTests.headers("support"),
                                     body: ByteBuffer(string: #"{"query": "$p", "params": {"p": "# + allowed + "}}")) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(allowed))
            }
        }
    }

    /// Custom functions that call the next one twice, 26 deep, never finished parsing.
    @Test func exponentialCustomFunctionsAreRefusedAtOnce() async throws {
        // Time enough to spend the expression budget on a machine busy with other tests (about
        // half a second alone, in a debug build); the answer must be "too large", never a hang.
        let f = try Fixture(customers: 10) {
            $0.queryBudgets["support"] = QueryBudget(timeLimit: .seconds(120), maxElements: 2_000_000, maxResultBytes: 16 << 20)
        }
        var text = "fn f::l0($p) = $p{_id};\n"
        for level in 1...26 {
            text += "fn f::l\(level)($p) = $p{\"a\": f::l\(level - 1)(@), \"b\": f::l\(level - 1)(@)};\n"
        }
        text += "*[_type == 'staff']{\"x\": f::l26(@)}"
        let body = JSONValue.object(["query": .string(text)]).serialized()
        try await Application(router: f.api.router()).test(.router) { client in
            try await client.execute(uri: "/v1/data/query/production", method: .post, headers: RoleRouteTests.headers("support"),
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("too large"))
            }
        }
    }

    // MARK: Size

    /// `*[_type == "staff"][0...2]{"x": *[]{"y": *[]}}` wrote 2.5 GB in 13 s: the same array in
    /// every row is small in memory and enormous as text. Writing stops at the role's limit.
    @Test func aResultSharingOneArrayInEveryRowStopsAtTheByteLimit() async throws {
        let f = try Fixture(customers: 1_500) {
            // Support's default share of the bytes, a smaller one of elements, and time enough
            // on a busy machine to reach either.
            $0.queryBudgets["support"] = QueryBudget(timeLimit: .seconds(600), maxElements: 300_000, maxResultBytes: 16 << 20)
        }
        try await Application(router: f.api.router()).test(.router) { client in
            // Written out, this answer would be about 1 GB: the refusals show writing stopped at the
            // byte limit and evaluation at the element budget.
            let query = #"*[_type == "staff"][0...2]{"x": *[]{"y": *[]}}"#
            try await client.execute(uri: Self.uri(query), method: .get, headers: RoleRouteTests.headers("support")) { response in
                #expect(response.status == .badRequest)
                let error = try Self.error(response)
                #expect(error?["type"] == "queryResultTooLarge")
                #expect(error?["limitBytes"] == .number(Double(16 << 20)))
            }
            // The same rows built one by one (nothing shared) stop at the element budget instead.
            let built = #"*[_type == "staff"][0...2]{"x": *[_id != ^._id]{"y": *[_id != ^._id]}}"#
            try await client.execute(uri: Self.uri(built), method: .get, headers: RoleRouteTests.headers("support")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("array elements"), "\(String(buffer: response.body))")
            }

        }
    }

    @Test func budgetsAreByRoleAndConfigurable() throws {
        var configuration = ServerConfiguration()
        let standard = configuration.queryBudget(forRole: "admin")
        #expect(standard == QueryBudget(timeLimit: .seconds(10), maxElements: 20_000_000, maxResultBytes: 64 << 20))
        #expect(configuration.queryBudget(forRole: nil) == standard)
        #expect(configuration.queryBudget(forRole: "manager") == standard)
        let support = configuration.queryBudget(forRole: "support")
        #expect(support == QueryBudget(timeLimit: .seconds(5), maxElements: 2_000_000, maxResultBytes: 16 << 20))
        configuration.queryBudgets["support"] = QueryBudget(timeLimit: .seconds(1), maxElements: 10, maxResultBytes: 2048)
        #expect(configuration.queryBudget(forRole: "support").maxElements == 10)
        configuration.restrictedRoles = []
        #expect(configuration.queryBudget(forRole: "sales") == standard)
    }

    // MARK: Time and slots

    /// Three nested scans, each depending on the one outside it: hours of work.
    static let runaway = "*[_type == 'customer' && count(*[_type == 'customer' && rank > ^.rank && count(*[rank < ^.^.rank && rank > ^.rank]) > 0]) > 0]._id"

    /// A query whose client hangs up is stopped, and gives its slot back.
    @Test func aClientThatHangsUpStopsItsQuery() async throws {
        let f = try Fixture(customers: 1_500) { $0.queryTimeLimit = .seconds(120) }
        try await Application(router: f.api.router()).test(.live) { client in
            let port = try #require(client.port)
            let connection = try RawHTTPConnection(port: port)
            try connection.get(Self.uri(Self.runaway), headers: ["X-Test-Role": "manager"])
            #expect(try await Self.eventually { f.api.metrics.snapshot.queriesStopped.isEmpty && Self.running(f.api) == 1 },
                    "stopped \(f.api.metrics.snapshot.queriesStopped), running \(Self.running(f.api)), waiting \(f.api.workers.load.waiting)")
            connection.hangUp()
            #expect(try await Self.eventually { f.api.metrics.snapshot.queriesStopped[.cancelled] == 1 })
            #expect(try await Self.eventually { Self.running(f.api) == 0 })
            // Nothing is left watched, and the one watching task has ended.
            #expect(try await Self.eventually { f.api.hangUps.load == (0, false) })
            // A query answered normally is watched while it runs, and forgotten after.
            let quick = try RawHTTPConnection(port: port)
            try quick.get(Self.uri("count(*)"), headers: ["X-Test-Role": "manager"])
            #expect(try await quick.head().status == 200)
            #expect(try await Self.eventually { f.api.hangUps.load == (0, false) })
        }
    }

    /// Four slow queries from one support token took all four slots: everyone else waited. Now
    /// one caller holds at most three while others wait, so a manager's lookup and `/health` are
    /// answered at once.
    @Test func oneCallerCannotTakeEverySlot() async throws {
        let f = try Fixture(customers: 1_500) {
            $0.maxConcurrentQueries = 4
            $0.queryBudgets["support"] = QueryBudget(timeLimit: .seconds(600), maxElements: 20_000_000, maxResultBytes: 1 << 20)
        }
        try await Application(router: f.api.router()).test(.live) { client in
            let port = try #require(client.port)
            var flood: [RawHTTPConnection] = []
            for _ in 0..<6 {
                let connection = try RawHTTPConnection(port: port)
                try connection.get(Self.uri(Self.runaway), headers: ["X-Test-Role": "support"])
                flood.append(connection)
            }
            #expect(try await Self.eventually { Self.running(f.api) == 3 && f.api.workers.load.waiting == 3 },
                    "running \(Self.running(f.api)), waiting \(f.api.workers.load.waiting)")
            let started = ContinuousClock.now
            let lookup = try RawHTTPConnection(port: port)
            try lookup.get(Self.uri("*[_id == 'c-7'][0]{_id}"), headers: ["X-Test-Role": "manager"])
            #expect(try await lookup.head(timeout: .seconds(60)).status == 200)
            let health = try RawHTTPConnection(port: port)
            try health.get("/health")
            #expect(try await health.head(timeout: .seconds(60)).status == 200)
            // Far sooner than a flood query's ten minutes; how soon depends on how busy the cores are.
            #expect(ContinuousClock.now - started < .seconds(120))
            // Still three of the flood's at most.
            #expect(Self.running(f.api) <= 3)
            for connection in flood { connection.hangUp() }
            #expect(try await Self.eventually(.seconds(30)) { Self.running(f.api) == 0 && f.api.workers.load.waiting == 0 })
        }
    }

    /// Listen filters are compiled on the workers within the time limit; a hostile one gets its
    /// `channelError` and `/health` never waits for it.
    @Test func hostileListenFiltersGetAChannelErrorAndHealthAnswers() async throws {
        let f = try Fixture(customers: 10)
        try await Application(router: f.api.router()).test(.live) { client in
            let port = try #require(client.port)
            var listeners: [RawHTTPConnection] = []
            // URLs of 40 to 60 KB, within what HTTP servers accept in a request head.
            for filter in ["*" + String(repeating: ".a", count: 30_000), "*[" + String(repeating: "a||", count: 6_000) + "a]"] {
                let connection = try RawHTTPConnection(port: port)
                let encoded = filter.addingPercentEncoding(withAllowedCharacters: Self.unreserved)!
                try connection.get("/v1/data/listen/production?query=\(encoded)", headers: ["X-Test-Role": "support"])
                listeners.append(connection)
            }
            let health = try RawHTTPConnection(port: port)
            try health.get("/health")
            #expect(try await health.head(timeout: .seconds(30)).status == 200)
            for listener in listeners {
                #expect(try await listener.head(timeout: .seconds(30)).status == 200)
                let event = try #require(try await listener.nextEvent(timeout: .seconds(30)))
                #expect(event.name == "channelError")
                #expect(event.dataText?.contains("too deep") == true, "\(event)")
            }
        }
    }

    // MARK: Helpers

    static func running(_ api: FacetAPI) -> Int { api.workers.load.running }

    /// What a URL carries unencoded.
    static let unreserved = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~*"))

    /// Waits for `condition`: generous, because a loaded machine running the whole suite can
    /// take seconds to start a request; only a failing test waits the whole limit.
    static func eventually(_ limit: Duration = .seconds(60), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }
}
