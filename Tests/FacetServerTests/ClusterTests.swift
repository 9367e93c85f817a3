import FacetServer
import FacetStore
import Foundation
import GROQ
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// Three servers on loopback ports over one PostgreSQL database, each with its own store, as
/// three `facet serve` behind a load balancer: what one commits, every one serves and
/// announces, once and in commit order.
@Suite("Several servers on one database")
struct ClusterTests {
    /// One running server: its store, its port, and what stops it.
    private struct RunningServer {
        let store: DocumentStore
        let port: Int
        let task: Task<Void, any Error>
    }

    /// Runs `body` with `count` servers on one fresh schema of the test database.
    private func withCluster(_ count: Int = 3, _ body: @Sendable ([Int]) async throws -> Void) async throws {
        guard TestDatabase.url != nil else { return }
        let fixture = try ServerFixture(.postgres)
        defer { fixture.close() }
        var servers: [RunningServer] = []
        for index in 0..<count {
            let store = index == 0 ? fixture.store : try fixture.otherStore()
            let api = index == 0 ? fixture.api : FacetAPI(store: store)
            let (ports, portKnown) = AsyncStream.makeStream(of: Int.self)
            let logger = Logger(label: "cluster-test-\(index)")
            let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                  onServerRunning: { portKnown.yield($0.localAddress?.port ?? 0) }, logger: logger)
            let group = api.serviceGroup(running: app, stopsOnSignals: false, drainTimeLimit: .seconds(2), logger: logger)
            let task = Task { try await group.run() }
            servers.append(RunningServer(store: store, port: try #require(await ports.first { _ in true }), task: task))
        }
        defer {
            for server in servers {
                server.task.cancel()
                if server.store !== fixture.store { server.store.close() }
            }
        }
        try await body(servers.map(\.port))
    }

    /// POSTs `mutations` to a server and returns the status and the answer.
    private func mutate(_ port: Int, _ mutations: String) async throws -> (status: Int, body: JSONValue) {
        let connection = try RawHTTPConnection(port: port)
        try connection.request("POST", "/v1/data/mutate/production", headers: ["Content-Type": "application/json", "Connection": "close"],
                               body: #"{"mutations": \#(mutations)}"#)
        let head = try await connection.head()
        let body = try await connection.wholeBody()
        return (head.status, try JSONValue(parsing: body))
    }

    private func query(_ port: Int, _ query: String) async throws -> JSONValue? {
        let connection = try RawHTTPConnection(port: port)
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        try connection.get("/v1/data/query/production?query=\(encoded)", headers: ["Connection": "close"])
        _ = try await connection.head()
        return try JSONValue(parsing: try await connection.wholeBody())["result"]
    }

    @Test func everyServerServesAndAnnouncesEveryWriteOnceInCommitOrder() async throws {
        try await withCluster { ports in
            var listeners: [RawHTTPConnection] = []
            for port in ports {
                let listener = try RawHTTPConnection(port: port)
                try listener.get("/v1/data/listen/production?query=*%5B_type%3D%3D%22note%22%5D&includeResult=false")
                #expect(try await listener.head().status == 200)
                listeners.append(listener)
            }
            for listener in listeners { #expect(try await listener.nextEvent()?.name == "welcome") }

            // Ten writes to each server at once.
            let perServer = 10
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, port) in ports.enumerated() {
                    group.addTask {
                        for n in 0..<perServer {
                            let answer = try await mutate(port, #"[{"create": {"_id": "note-\#(index)-\#(n)", "_type": "note", "n": \#(n)}}]"#)
                            #expect(answer.status == 200, "\(answer.body)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            let total = perServer * ports.count
            var orders: [[String]] = []
            for listener in listeners {
                var heard: [String] = []
                while heard.count < total {
                    let event = try #require(try await listener.nextEvent(timeout: .seconds(10)), "the stream ended after \(heard.count) events")
                    guard event.name == "mutation" else { continue }
                    heard.append(try #require(event.data?["transactionId"]?.stringValue))
                }
                orders.append(heard)
            }
            #expect(Set(orders[0]).count == total, "each write heard once")
            #expect(orders.allSatisfy { $0 == orders[0] }, "in one order on every server")
            // Nothing more arrives: no write was announced twice.
            for listener in listeners {
                // A read that times out throws: the wanted outcome.
                let extra = try? await listener.nextEvent(timeout: .milliseconds(500))
                #expect(extra?.name != "mutation", "\(String(describing: extra))")
            }
            for port in ports {
                #expect(try await query(port, "count(*[_type == 'note'])") == .number(Double(total)))
            }
        }
    }

    @Test func aListenerResumesOnAnotherServerWithWhatItMissedOnce() async throws {
        try await withCluster { ports in
            let query = "/v1/data/listen/production?query=*%5B_type%3D%3D%22note%22%5D"
            let first = try RawHTTPConnection(port: ports[0])
            try first.get(query)
            #expect(try await first.head().status == 200)
            #expect(try await first.nextEvent()?.name == "welcome")
            var sent: [String] = []
            for n in 0..<2 {
                let answer = try await mutate(ports[1], #"[{"create": {"_id": "early-\#(n)", "_type": "note"}}]"#)
                sent.append(try #require(answer.body["transactionId"]?.stringValue))
            }
            var heard: ReceivedEvent?
            while heard?.name != "mutation" { heard = try await first.nextEvent(timeout: .seconds(10)) }
            let resumeFrom = try #require(heard?.id)
            #expect(resumeFrom == "\(sent[0])#early-0")
            first.hangUp()
            for n in 0..<2 {
                let answer = try await mutate(ports[2], #"[{"create": {"_id": "late-\#(n)", "_type": "note"}}]"#)
                sent.append(try #require(answer.body["transactionId"]?.stringValue))
            }
            // Back on the third server, which has never seen this client.
            let again = try RawHTTPConnection(port: ports[2])
            defer { again.hangUp() }
            try again.get(query, headers: ["Last-Event-ID": resumeFrom])
            #expect(try await again.head().status == 200)
            var ids: [String] = []
            while ids.count < 3 {
                let event = try #require(try await again.nextEvent(timeout: .seconds(10)), "the stream ended after \(ids)")
                if event.name == "mutation", let id = event.id { ids.append(id) }
            }
            #expect(ids == ["\(sent[1])#early-1", "\(sent[2])#late-0", "\(sent[3])#late-1"])
            let extra = try? await again.nextEvent(timeout: .milliseconds(500))
            #expect(extra?.name != "mutation", "\(String(describing: extra))")
        }
    }

    @Test func racingRevisionGuardedPatchesOnThreeServersHaveOneWinner() async throws {
        try await withCluster { ports in
            #expect(try await mutate(ports[0], #"[{"create": {"_id": "contested", "_type": "note", "winner": -1}}]"#).status == 200)
            for round in 0..<5 {
                // The servers agree on the revision once each has caught up with the last round.
                var revisions: [String?] = []
                let deadline = ContinuousClock.now + .seconds(5)
                repeat {
                    revisions = []
                    for port in ports { revisions.append(try await query(port, "*[_id == 'contested'][0]._rev")?.stringValue) }
                } while Set(revisions).count > 1 && ContinuousClock.now < deadline
                let revision = try #require(revisions[0])
                #expect(Set(revisions).count == 1, "round \(round): \(revisions)")
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, port) in ports.enumerated() {
                        group.addTask {
                            try await mutate(port, #"[{"patch": {"id": "contested", "ifRevisionID": "\#(revision)", "set": {"winner": \#(index)}}}]"#).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.sorted() == [200, 409, 409], "round \(round): \(statuses)")
            }
        }
    }
}
