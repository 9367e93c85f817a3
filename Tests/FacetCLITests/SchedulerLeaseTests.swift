import FacetStore
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two `facet serve` on one PostgreSQL database: the scheduled work runs on one of them, and
/// moves to the other when that one is killed.
@Suite("The scheduler among servers")
struct SchedulerLeaseTests {
    static let holding = "This server runs the scheduled work now"

    @Test(.timeLimit(.minutes(20)))
    func theSchedulerMovesToTheOtherServerWhenItsHolderIsKilled() async throws {
        guard TestDatabase.url != nil else { return }
        try await withProcessTurn { try await Self.killTheHolder() }
    }

    /// Servers on one fresh PostgreSQL schema and one data directory, each in a folder of its
    /// own (its log, its facet.json holding `config`): what `body` is given to start them.
    struct OneDatabase {
        let url: String
        let data: String
        let config: String

        func server() throws -> ServeCommandTests.Server {
            let folder = try QueryCommandTests.temporaryDirectory()
            try config.write(to: folder.appendingPathComponent("facet.json"), atomically: true, encoding: .utf8)
            return try ServeCommandTests.Server(arguments: ["--data", data, "--database", url], port: try LoopbackPort.free(), directory: folder)
        }

        static func run(config: String, _ body: (OneDatabase) async throws -> Void) async throws {
            let url = try TestDatabase.freshSchemaURL()
            defer { TestDatabase.dropSchema(of: url) }
            let shared = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: shared) }
            try await body(OneDatabase(url: url, data: shared.appendingPathComponent("data").path, config: config))
        }
    }

    static func killTheHolder() async throws {
        try await OneDatabase.run(config: #"{"schedulerIntervalSeconds": 1}"#) { database in try await killTheHolder(database) }
    }

    static func killTheHolder(_ database: OneDatabase) async throws {
        let server = database.server
        func waitFor(_ server: ServeCommandTests.Server, seconds: TimeInterval) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if server.log.contains(holding) { return true }
                try await Task.sleep(for: .milliseconds(200))
            }
            return false
        }
        let first = try server()
        defer { try? FileManager.default.removeItem(at: first.directory) }
        _ = try await first.waitUntilServing()
        #expect(try await waitFor(first, seconds: 30), "the first server never took the scheduler: \(first.log)")
        let second = try server()
        defer { try? FileManager.default.removeItem(at: second.directory) }
        _ = try await second.waitUntilServing()
        // Three of its turns: the lease is held by the first.
        try await Task.sleep(for: .seconds(3))
        #expect(!second.log.contains(holding), "two servers ran the scheduled work at once")

        #expect(first.process.isRunning)
        first.process.signal(SIGKILL)
        _ = try? await first.waitForExit(timeout: 30)
        // The lease runs out 15 s after its last renewal; the second takes it at its next try.
        let killed = Date()
        #expect(try await waitFor(second, seconds: 60), "the scheduler did not move: \(second.log)")
        #expect(Date().timeIntervalSince(killed) < 40)
        #expect(try await second.stop() == 0)
    }

    /// A publish scheduled through one of two servers on one database is carried out once, on
    /// time, by whichever holds the `schedules` lease, and audited.
    /// The limit includes the wait for a turn among the tests that start processes.
    @Test(.timeLimit(.minutes(20)))
    func aScheduledPublishRunsOnceWithTwoServers() async throws {
        guard TestDatabase.url != nil else { return }
        try await withProcessTurn { try await Self.publishOnceWithTwoServers() }
    }

    static func publishOnceWithTwoServers() async throws {
        try await OneDatabase.run(config: #"{"schedulePollSeconds": 1}"#) { database in try await publishOnceWithTwoServers(database) }
    }

    static func publishOnceWithTwoServers(_ database: OneDatabase) async throws {
        let (url, data) = (database.url, database.data)
        let first = try database.server(), second = try database.server()
        defer {
            try? FileManager.default.removeItem(at: first.directory)
            try? FileManager.default.removeItem(at: second.directory)
        }
        _ = try await first.waitUntilServing()
        _ = try await second.waitUntilServing()
        let token = try await ServeCommandTests.token(data: data, role: "admin", database: url)
        let staff = #"{"mutations": [{"create": {"_id": "drafts.staff-scheduled", "_type": "staff", "name": "Scheduled Writer", "email": "scheduled@maison.example", "jobTitle": "client-advisor", "studioRole": "sales"}}]}"#
        #expect(try await WebhookCrashTests.send("POST", "/v1/data/mutate/production", body: staff, port: first.port, token: token).status == 200)
        let at = Timestamp.string(Date().addingTimeInterval(3))
        let scheduled = try await WebhookCrashTests.send("POST", "/v1/schedules/production",
                                                         body: #"{"documentId": "staff-scheduled", "action": "publish", "at": "\#(at)"}"#,
                                                         port: second.port, token: token)
        #expect(scheduled.status == 201, "\(scheduled.body)")
        // Due in 3 s; each server looks every second.
        let deadline = Date().addingTimeInterval(30)
        var published = false
        while Date() < deadline, !published {
            try await Task.sleep(for: .milliseconds(250))
            let reply = try await ServeCommandTests.get(port: first.port, path: "/v1/data/doc/production/staff-scheduled", token: token)
            published = reply.status == 200 && reply.body.contains("Scheduled Writer")
        }
        #expect(published, "the scheduled publish did not happen")
        try await Task.sleep(for: .seconds(3))
        let history = try await ServeCommandTests.get(port: second.port, path: "/v1/data/history/production/transactions/staff-scheduled", token: token)
        let lines = history.body.split(separator: "\n").filter { $0.contains("scheduler for") }
        #expect(lines.count == 1, "\(history.body)")
        let runs = [first.log, second.log].map { $0.components(separatedBy: "Scheduled publish of staff-scheduled").count - 1 }
        #expect(runs.reduce(0, +) == 1, "logged \(runs)")
        let listed = try await ServeCommandTests.get(port: first.port, path: "/v1/schedules/production", token: token)
        #expect(listed.body.contains(#""state":"done""#), "\(listed.body)")
        let audit = try await ServeCommandTests.get(port: first.port, path: "/v1/security/audit?action=schedule-run", token: token)
        #expect(audit.body.contains("staff-scheduled"), "\(audit.body)")
        #expect(try await first.stop() == 0)
        #expect(try await second.stop() == 0)
    }
}
