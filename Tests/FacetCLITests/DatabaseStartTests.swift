import Foundation
import TestSupport
import Testing

/// `facet serve` started before its PostgreSQL database answers: it answers 503 with
/// `Retry-After` on its port meanwhile, `/health` says why, and it serves by itself once the
/// database is back.
@Suite("facet serve before its database")
struct DatabaseStartTests {
    @Test(.timeLimit(.minutes(20)))
    func aServerStartedBeforeItsDatabaseAnswers503AndThenServes() async throws {
        guard let databasePort = TestDatabase.port else { return }
        try await withProcessTurn { try await Self.startBeforeTheDatabase(databasePort) }
    }

    static func startBeforeTheDatabase(_ databasePort: Int) async throws {
        let relay = try CuttableRelay(to: databasePort)
        defer { relay.stop() }
        relay.cut()
        let url = try TestDatabase.freshSchemaURL(throughPort: relay.port) + "&connect_timeout=2"
        defer { TestDatabase.dropSchema(of: url) }
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let server = try ServeCommandTests.Server(arguments: ["--data", data, "--database", url], port: try LoopbackPort.free(),
                                                  directory: directory)
        let waiting = try await server.waitUntilServing()
        #expect(waiting.status == 503, "\(waiting.body)")
        #expect(waiting.body.contains(#""database":"unreachable""#), "\(waiting.body)")
        let query = try await ServeCommandTests.get(port: server.port, path: "/v1/data/query/production?query=1")
        #expect(query.status == 503 && query.body.contains("databaseUnavailable"), "\(query.body)")
        #expect(query.headers.lowercased().contains("retry-after: 5"), "\(query.headers)")
        #expect(server.log.contains("the database cannot be reached"), "\(server.log)")

        relay.restore()
        let deadline = Date().addingTimeInterval(60)
        var health = waiting
        while health.status != 200, Date() < deadline {
            try await Task.sleep(for: .milliseconds(300))
            if let reply = try? await ServeCommandTests.get(port: server.port, path: "/health") { health = reply }
        }
        #expect(health.status == 200, "\(health.body) \(server.log)")
        #expect(server.process.isRunning)
        #expect(try await server.stop() == 0)
    }
}
