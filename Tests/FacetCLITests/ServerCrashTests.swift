import Foundation
import GROQ
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `facet serve` killed with SIGKILL at random moments while a client writes through the HTTP
/// API: after each restart every acknowledged transaction is there whole, and no transaction is
/// there in part.
@Suite("facet serve killed mid-write")
struct ServerCrashTests {
    /// Transaction `k` creates two staff members, `staff-k<k>-a` and `staff-k<k>-b`.
    static func body(_ k: Int) -> String {
        let members = ["a", "b"].map { side in
            #"{"create": {"_id": "staff-k\#(k)-\#(side)", "_type": "staff", "name": "Writer \#(k) \#(side)", "email": "w\#(k)\#(side)@maison.example", "jobTitle": "client-advisor", "studioRole": "sales"}}"#
        }
        return #"{"mutations": [\#(members.joined(separator: ", "))]}"#
    }

    /// Sends `body` as a mutation; the status, or `nil` when the connection failed (the server died).
    static func post(port: Int, token: String, _ body: String) async -> Int? {
        let request = "POST /v1/data/mutate/production HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        guard let connection = try? ServeCommandTests.Connection(port: port), (try? connection.write(request)) != nil,
              let answer = try? await connection.read(timeout: 20), answer.hasPrefix("HTTP/1.1 ")
        else { return nil }
        return Int(answer.dropFirst(9).prefix(3))
    }

    final class Acknowledged: @unchecked Sendable {
        private let lock = NSLock()
        private var values: Set<Int> = []
        private var attempted = 0
        private var refusals: [String] = []
        func add(_ k: Int) { lock.withLock { _ = values.insert(k) } }
        func refuse(_ text: String) { lock.withLock { refusals.append(text) } }
        var refused: [String] { lock.withLock { refusals } }
        func attempt(_ k: Int) { lock.withLock { attempted = max(attempted, k) } }
        var snapshot: (acknowledged: Set<Int>, highestAttempt: Int) { lock.withLock { (values, attempted) } }
    }

    @Test(.timeLimit(.minutes(20)))
    func acknowledgedWritesSurviveAKillAndNoneIsHalfDone() async throws {
        try await Self.killServersMidWrite()
    }

    static func killServersMidWrite() async throws {
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        var random = SystemRandomNumberGenerator()
        let acknowledged = Acknowledged()
        var next = 0
        var token: String?
        for round in 0..<3 {
            let server = try ServeCommandTests.Server(arguments: ["--data", data], port: try LoopbackPort.free(),
                                                      directory: directory)
            _ = try await server.waitUntilServing()
            if token == nil { token = try await ServeCommandTests.token(data: data, role: "manager") }
            let bearer = try #require(token)

            // Everything acknowledged before this start is here, whole; nothing is in part.
            let ids = try await Self.staffIDs(port: server.port, token: bearer)
            try Self.check(ids, acknowledged.snapshot, round: round)

            // A writer sends transactions one after another until the server dies.
            let stopped = Self.startWriter(port: server.port, token: bearer, from: next, acknowledged: acknowledged)
            try await Task.sleep(for: .seconds(Double.random(in: 0.8...3.0, using: &random)))
            // Killed only while it runs: the id of a process already gone may be another's now.
            #expect(server.process.isRunning, "round \(round): the server died before it was killed")
            server.process.signal(SIGKILL)
            _ = try? await server.waitForExit(timeout: 30)
            #expect(await stopped.opened(within: 60), "the writer did not notice the kill")
            next = acknowledged.snapshot.highestAttempt + 1
        }
        // A last start reads what the last kill left.
        let server = try ServeCommandTests.Server(arguments: ["--data", data], port: try LoopbackPort.free(), directory: directory)
        _ = try await server.waitUntilServing()
        let ids = try await Self.staffIDs(port: server.port, token: try #require(token))
        try Self.check(ids, acknowledged.snapshot, round: 3)
        #expect(acknowledged.refused.isEmpty, "\(acknowledged.refused)")
        #expect(acknowledged.snapshot.acknowledged.count >= 3, "the writer made too little progress to mean anything")
        #expect(try await server.stop() == 0)
    }

    /// Two servers on one PostgreSQL database: one is killed with SIGKILL while a client writes
    /// through it, twice, and the other serves every acknowledged transaction whole, with no
    /// restart of its own.
    @Test(.timeLimit(.minutes(20)))
    func aServerKilledMidWriteLosesNothingTheOtherServes() async throws {
        guard TestDatabase.url != nil else { return }
        try await withProcessTurn { try await Self.killOneOfTwoServers() }
    }

    static func killOneOfTwoServers() async throws {
        let url = try TestDatabase.freshSchemaURL()
        defer { TestDatabase.dropSchema(of: url) }
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let arguments = ["--data", data, "--database", url]
        let survivor = try ServeCommandTests.Server(arguments: arguments, port: try LoopbackPort.free(), directory: directory)
        _ = try await survivor.waitUntilServing()
        let token = try await ServeCommandTests.token(data: data, role: "manager", database: url)
        var random = SystemRandomNumberGenerator()
        let acknowledged = Acknowledged()
        var next = 0
        for round in 0..<2 {
            let victim = try ServeCommandTests.Server(arguments: arguments, port: try LoopbackPort.free(), directory: directory)
            _ = try await victim.waitUntilServing()
            let stopped = Self.startWriter(port: victim.port, token: token, from: next, acknowledged: acknowledged)
            try await Task.sleep(for: .seconds(Double.random(in: 0.8...2.5, using: &random)))
            // Killed only while it runs: the id of a process already gone may be another's now.
            #expect(victim.process.isRunning, "round \(round): the server died before it was killed")
            victim.process.signal(SIGKILL)
            _ = try? await victim.waitForExit(timeout: 30)
            #expect(await stopped.opened(within: 60), "the writer did not notice the kill")
            next = acknowledged.snapshot.highestAttempt + 1

            // The survivor hears of the victim's commits on the commit channel (or its timer).
            let state = acknowledged.snapshot
            let deadline = Date().addingTimeInterval(10)
            var ids = try await Self.staffIDs(port: survivor.port, token: token)
            while Date() < deadline, !state.acknowledged.allSatisfy({ ids.contains("staff-k\($0)-b") }) {
                try await Task.sleep(for: .milliseconds(100))
                ids = try await Self.staffIDs(port: survivor.port, token: token)
            }
            try Self.check(ids, state, round: round)
        }
        #expect(acknowledged.refused.isEmpty, "\(acknowledged.refused)")
        #expect(acknowledged.snapshot.acknowledged.count >= 3, "the writer made too little progress to mean anything")
        #expect(try await survivor.stop() == 0)
    }

    /// A writer that sends transactions one after another, from `first`, until the server dies;
    /// what it returns opens when it has stopped.
    static func startWriter(port: Int, token: String, from first: Int, acknowledged: Acknowledged) -> Latch {
        let stopped = Latch()
        Task {
            var k = first
            while true {
                acknowledged.attempt(k)
                guard let status = await Self.post(port: port, token: token, Self.body(k)) else { break }
                if status == 200 {
                    acknowledged.add(k)
                    k += 1
                } else if status == 429 {
                    try? await Task.sleep(for: .milliseconds(200))  // the rate limit: the same transaction again
                } else {
                    acknowledged.refuse("transaction \(k) was answered \(status)")
                    break
                }
            }
            stopped.open()
        }
        return stopped
    }

    static func staffIDs(port: Int, token: String) async throws -> Set<String> {
        let reply = try await ServeCommandTests.get(port: port, path: "/v1/data/query/production?query=*%5B_type%3D%3D%22staff%22%5D._id", token: token)
        #expect(reply.status == 200, "\(reply.body)")
        let result = try JSONValue(parsing: reply.body)["result"]?.arrayValue ?? []
        return Set(result.compactMap(\.stringValue))
    }

    /// Every acknowledged transaction whole; any other transaction whole or absent (one the
    /// server committed and died before answering may be there).
    static func check(_ ids: Set<String>, _ state: (acknowledged: Set<Int>, highestAttempt: Int), round: Int) throws {
        for k in state.acknowledged {
            #expect(ids.contains("staff-k\(k)-a") && ids.contains("staff-k\(k)-b"), "round \(round): acknowledged transaction \(k) is missing")
        }
        for k in 0...max(0, state.highestAttempt) {
            #expect(ids.contains("staff-k\(k)-a") == ids.contains("staff-k\(k)-b"), "round \(round): transaction \(k) is there in part")
        }
        let written = ids.filter { $0.hasPrefix("staff-k") }
        #expect(written.count <= 2 * (state.highestAttempt + 1), "round \(round): documents no transaction wrote")
    }
}
