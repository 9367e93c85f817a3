import FacetPostgres
import FacetServer
import FacetStore
import Foundation
import GROQ
import Hummingbird
import Logging
import Testing
import TestSupport

/// A server whose PostgreSQL database goes away and comes back: 503 with `Retry-After` while it
/// is gone (never 500), `/health` says why, and service resumes by itself.
@Suite("The database out of reach")
struct DatabaseOutageTests {
    @Test func writesGet503WhileTheDatabaseIsGoneAndSucceedOnceItIsBack() async throws {
        guard let databasePort = TestDatabase.port else { return }
        let relay = try CuttableRelay(to: databasePort)
        defer { relay.stop() }
        let url = try TestDatabase.freshSchemaURL(throughPort: relay.port) + "&connect_timeout=2&timeout=5"
        defer { TestDatabase.dropSchema(of: url) }
        let store = DocumentStore(backend: try PostgresBackend(location: PostgresLocation(url: url)))
        defer { store.close() }
        _ = try store.dataset("production", create: true)
        var configuration = ServerConfiguration()
        configuration.externalWritesInterval = .milliseconds(100)
        let api = FacetAPI(store: store, configuration: configuration)
        let (ports, portKnown) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "outage-test")
        let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { portKnown.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let running = Task { try await api.serviceGroup(running: app, stopsOnSignals: false, drainTimeLimit: .seconds(2), logger: logger).run() }
        defer { running.cancel() }
        let port = try #require(await ports.first { _ in true })

        #expect(try await request(port, "POST", "/v1/data/mutate/production", #"{"mutations": [{"create": {"_id": "before", "_type": "note"}}]}"#).status == 200)

        relay.cut()
        let outage = ContinuousClock.now
        var refused = 0
        // Five seconds at least, and three rounds at least however slow a loaded machine
        // answers them.
        while refused < 3 || ContinuousClock.now - outage < .seconds(5) {
            let write = try await request(port, "POST", "/v1/data/mutate/production", #"{"mutations": [{"create": {"_type": "note"}}]}"#)
            #expect(write.status == 503, "\(write.body)")
            #expect(write.retryAfter != nil)
            refused += 1
            let health = try await request(port, "GET", "/health")
            #expect(health.status == 503 && health.body["database"] == "unreachable", "\(health.body)")
            // Reads are served from memory meanwhile.
            let read = try await request(port, "GET", "/v1/data/query/production?query=count(*)")
            #expect(read.status == 200 && read.body["result"] == 1)
            try await Task.sleep(for: .milliseconds(500))
        }

        relay.restore()
        let recovery = ContinuousClock.now
        var status = 0
        while status != 200, ContinuousClock.now - recovery < .seconds(30) {
            status = try await request(port, "POST", "/v1/data/mutate/production", #"{"mutations": [{"create": {"_id": "after", "_type": "note"}}]}"#).status
            if status != 200 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(status == 200, "service resumed without a restart")
        #expect(try await request(port, "GET", "/health").status == 200)
        let ids = try await request(port, "GET", "/v1/data/query/production?query=*%5B_type%3D%3D%22note%22%5D._id").body["result"]
        #expect(ids == ["after", "before"], "nothing written while it was gone, nothing lost")
    }

    private func request(_ port: Int, _ method: String, _ path: String, _ body: String = "") async throws
        -> (status: Int, body: JSONValue, retryAfter: String?)
    {
        let connection = try RawHTTPConnection(port: port)
        try connection.request(method, path, headers: ["Content-Type": "application/json", "Connection": "close"], body: body)
        let head = try await connection.head(timeout: .seconds(30))
        let bytes = try await connection.wholeBody(timeout: .seconds(30))
        return (head.status, (try? JSONValue(parsing: bytes)) ?? .null, head.headers["retry-after"])
    }
}
