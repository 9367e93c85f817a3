import Dispatch
import Foundation
import GROQ
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `facet serve` end to end: the real executable started on a free port, asked over HTTP, and
/// stopped with a signal; and the settings it refuses before it starts.
@Suite("facet serve")
struct ServeCommandTests {
    // MARK: Helpers

    /// A `facet serve` process, its output captured in files (no pipe can fill up).
    final class Server {
        let process: ChildProcess
        let port: Int
        let directory: URL

        /// `environment` is added to the test process's own, less its `FACET_` variables.
        init(arguments: [String], port: Int, directory: URL, environment: [String: String] = [:]) throws {
            let binary = try #require(QueryCommandTests.binary, "the facet executable was not found: run `swift build` first")
            self.port = port
            self.directory = directory
            // Its own working directory: no ./facet.json of the test run is read.
            process = try ChildProcess(binary.path, ["serve", "--port", String(port)] + arguments,
                                       environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FACET_") }.merging(environment) { $1 },
                                       directory: directory.path,
                                       stdout: .file(directory.appendingPathComponent("stdout").path),
                                       stderr: .file(directory.appendingPathComponent("stderr").path))
        }

        /// Everything it wrote, standard output then standard error.
        var log: String {
            ["stdout", "stderr"].map { (try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) ?? "" }.joined()
        }

        /// Waits until `/health` answers, at most `timeout` seconds.
        func waitUntilServing(timeout: TimeInterval = 60) async throws -> HTTPReply {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if !process.isRunning { break }
                if let reply = try? await ServeCommandTests.get(port: port, path: "/health") { return reply }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw Failure(description: "facet serve did not answer /health on port \(port): \(log)")
        }

        /// Sends `signal` and waits for the exit; kills it (and throws) after `timeout` seconds.
        func stop(with signal: Int32 = SIGTERM, timeout: TimeInterval = 30) async throws -> Int32 {
            process.signal(signal)
            return try await waitForExit(timeout: timeout)
        }

        func waitForExit(timeout: TimeInterval = 30) async throws -> Int32 {
            do {
                return try await process.ended(timeout: timeout).status
            } catch {
                throw Failure(description: "facet serve did not stop within \(Int(timeout)) s: \(log)")
            }
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    struct HTTPReply {
        let status: Int
        let body: String
        /// The status line and headers, as sent.
        var headers = ""
    }

    /// A TCP connection to this machine with time-limited reads, awaited without holding a thread.
    final class Connection {
        private var descriptor: Int32

        init(port: Int) throws {
            #if os(Linux)
            descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            #else
            descriptor = socket(AF_INET, SOCK_STREAM, 0)
            #endif
            var address = LoopbackPort.address(port)
            let result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard descriptor >= 0, result == 0 else {
                // Closed here once: a thrown init still runs deinit, and a second close could
                // close a descriptor another thread (a server under test) has been given since.
                if descriptor >= 0 { close(descriptor) }
                descriptor = -1
                throw Failure(description: "cannot connect to port \(port)")
            }
        }

        deinit { if descriptor >= 0 { close(descriptor) } }

        func write(_ text: String) throws {
            let bytes = Array(text.utf8)
            let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            guard sent == bytes.count else { throw Failure(description: "cannot send the request") }
        }

        /// Reads until `done` says the text so far is enough, or the server closes; throws when
        /// nothing arrives for `timeout` seconds.
        ///
        /// The socket is looked at every 10 ms rather than waited on: a loaded server can take
        /// seconds to answer, and a blocking wait would hold one of the few threads Swift's tasks
        /// share, which the other tests' servers need, for as long.
        func read(timeout: TimeInterval = 10, until done: (String) -> Bool = { _ in false }) async throws -> String {
            var received: [UInt8] = []
            while !done(String(decoding: received, as: UTF8.self)) {
                let quietUntil = Date().addingTimeInterval(timeout)
                while true {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&poller, 1, 0)
                    if ready > 0 { break }
                    guard ready == 0, Date() < quietUntil else {
                        throw Failure(description: "nothing arrived within \(timeout) s after: \(String(decoding: received, as: UTF8.self))")
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
                var buffer = [UInt8](repeating: 0, count: 16_384)
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { break }
                received += buffer[..<count]
            }
            return String(decoding: received, as: UTF8.self)
        }
    }

    /// `GET path` with `Connection: close` (and the token, when given): the status and the body.
    static func get(port: Int, path: String, token: String? = nil) async throws -> HTTPReply {
        let authorization = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        let connection = try await open(port: port, sending: "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\(authorization)Connection: close\r\n\r\n")
        let text = try await connection.read()
        let parts = text.components(separatedBy: "\r\n\r\n")
        guard let statusLine = parts.first?.components(separatedBy: "\r\n").first,
              let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { throw Failure(description: "not an HTTP response: \(text)") }
        return HTTPReply(status: status, body: parts.dropFirst().joined(separator: "\r\n\r\n"), headers: parts.first ?? "")
    }

    /// A connection with `request` sent on it. A connection the loaded server resets before the
    /// request is sent is opened again (at most three times): every request sent this way may be
    /// repeated.
    static func open(port: Int, sending request: String) async throws -> Connection {
        var attempt = 0
        while true {
            attempt += 1
            do {
                let connection = try Connection(port: port)
                try connection.write(request)
                return connection
            } catch where attempt < 3 {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// A socket listening on 127.0.0.1 on a port the system chose: `(descriptor, port)`.
    static func listeningSocket() throws -> (Int32, Int) {
        #if os(Linux)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        var address = LoopbackPort.address(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 8) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw Failure(description: "cannot open a listening socket") }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// An API token of `role` for the data directory `data`, made with `facet tokens create`.
    static func token(data: String, role: String = "admin", database: String? = nil) async throws -> String {
        let created = try await StoreCommandTests.run(["tokens", "create", "--data", data, "--role", role, "--name", "test-\(role)-\(UUID().uuidString.prefix(8))"]
            + (database.map { ["--database", $0] } ?? []))
        #expect(created.status == 0, "\(created.stderr)")
        return try #require(created.stdout.split(separator: "\n").last.map(String.init))
    }

    // MARK: Tests

    @Test func servesOnAFreePortAndStopsCleanlyOnSIGTERM() async throws {
        try await withProcessTurn {
            let directory = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let data = directory.appendingPathComponent("data").path
            let server = try Server(arguments: ["--data", data], port: try LoopbackPort.free(), directory: directory)
            let health = try await server.waitUntilServing()
            #expect(health.status == 200)
            #expect(health.body.contains(#""status":"ok""#), "\(health.body)")
            let token = try await Self.token(data: data)

            // An open listener is told to reconnect, and its stream ends, when the server stops.
            let listener = try await Self.open(port: server.port,
                                               sending: "GET /v1/data/listen/production?query=* HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n\r\n")
            #expect(try await listener.read { $0.contains("event: welcome") }.hasPrefix("HTTP/1.1 200"))

            let stopping = Date()
            server.process.signal(SIGTERM)
            let rest = try await listener.read()
            #expect(rest.contains("event: reconnect"), "\(rest)")
            #expect(try await server.waitForExit() == 0, "\(server.log)")
            #expect(Date().timeIntervalSince(stopping) < 10)
            let log = server.log
            #expect(log.contains("Draining"), "\(log)")
            #expect(log.contains("the database is closed"), "\(log)")
        }
    }

    @Test func aTakenPortIsRefusedClearly() async throws {
        try await withProcessTurn {
            let (blocker, port) = try Self.listeningSocket()
            defer { close(blocker) }
            let result = try await StoreCommandTests.withDataDirectory { data in
                try await StoreCommandTests.run(["serve", "--data", data, "--port", String(port)], timeout: 60)
            }
            #expect(result.status != 0)
            #expect(result.stderr.contains("port \(port) on 127.0.0.1 is taken by another program"), "\(result.stderr)")
        }
    }

    @Test func anUnusableDataDirectoryIsRefusedClearly() async throws {
        try await withProcessTurn {
            let directory = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("not-a-directory")
            try Data("x".utf8).write(to: file)
            let result = try await StoreCommandTests.run(["serve", "--data", file.path, "--port", String(try LoopbackPort.free())], timeout: 60)
            #expect(result.status != 0)
            #expect(result.stderr.contains("the data directory \(file.path) is unusable"), "\(result.stderr)")
        }
    }

    @Test func aConfigFileWithAnUnknownThreatSettingIsRefusedClearly() async throws {
        try await withProcessTurn {
            let directory = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let config = directory.appendingPathComponent("facet.json").path
            try Data(#"{"threats": {"addressLimit": {"perSecond": 50, "burst": 200}, "automation": {"robots": "allow"}}}"#.utf8)
                .write(to: URL(fileURLWithPath: config))
            let result = try await StoreCommandTests.run(["serve", "--config", config, "--data", directory.appendingPathComponent("data").path,
                                                          "--port", String(try LoopbackPort.free())], timeout: 60)
            #expect(result.status != 0)
            #expect(result.stderr.contains("\"threats.automation\" names \"robots\""), "\(result.stderr)")
        }
    }

    @Test(arguments: [
        (#"{"queryBudgets": {"support": {"timeLimitSeconds": 2, "maxRows": 5}}}"#, #"sets "maxRows"; a budget has timeLimitSeconds, maxElements and maxResultBytes"#),
        (#"{"queryBudgets": {"support": {"timeLimitSeconds": 0}}}"#, #""queryBudgets".support.timeLimitSeconds must be a whole number, at least 1"#),
        (#"{"queryBudgets": ["support"]}"#, #""queryBudgets" must be an object of budgets by role"#),
        (#"{"restrictedRoles": "sales"}"#, #""restrictedRoles" must be a list of role names"#),
        (#"{"maxQueryElements": 10}"#, #""maxQueryElements" must be a whole number from 1000"#),
        (#"{"schedulerIntervalSeconds": 0}"#, #""schedulerIntervalSeconds" must be a whole number from 1 to 86400"#),
        (#"{"schedulerIntervalSeconds": "hourly"}"#, #""schedulerIntervalSeconds" must be a whole number from 1 to 86400"#),
    ])
    func aConfigFileWithABadQueryBudgetIsRefusedClearly(config text: String, message: String) async throws {
        // In turn: the cases run side by side, and each starts a process.
        try await withProcessTurn {
            let directory = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let config = directory.appendingPathComponent("facet.json").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: config))
            let data = directory.appendingPathComponent("data").path
            let result = try await StoreCommandTests.run(["serve", "--config", config, "--data", data, "--port", String(try LoopbackPort.free())], timeout: 60)
            #expect(result.status != 0)
            #expect(result.stderr.contains(message), "\(result.stderr)")
        }
    }

    @Test(arguments: ["0", "hourly", "90000"])
    func aBadSchedulerIntervalInTheEnvironmentIsRefusedClearly(value: String) async throws {
        try await withProcessTurn {
            let directory = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let result = try await StoreCommandTests.run(["serve", "--data", directory.appendingPathComponent("data").path, "--port", String(try LoopbackPort.free())],
                                                         environment: ["FACET_SCHEDULER_INTERVAL": value], timeout: 60)
            #expect(result.status != 0)
            #expect(result.stderr.contains("FACET_SCHEDULER_INTERVAL=\(value): the scheduler's interval is a whole number of seconds from 1 to 86400"),
                    "\(result.stderr)")
        }
    }

    /// The scheduler looks for due work as often as the config says: with the default ten
    /// minutes this test would wait in vain.
    @Test func theSchedulerRunsADueRefreshAtTheIntervalTheConfigSets() async throws {
        try await Self.runADueRefreshAtTheConfiguredInterval()
    }

    private static func runADueRefreshAtTheConfiguredInterval() async throws {
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        #expect(try await StoreCommandTests.run(["demo", "seed", "--data", data, "--customers", "40"], timeout: 300).status == 0)
        let analysed = try await StoreCommandTests.run(["analytics", "run", "all", "--data", data, "--param", #"retrainSchedule="daily""#], timeout: 300)
        #expect(analysed.status == 0, "\(analysed.stderr)")
        // Trained long ago: a daily refresh is due.
        let backdated = try await StoreCommandTests.run(["mutate", "--data", data, "--author", "test", "-"], input: """
            {"mutations": [{"patch": {"query": "*[_type == 'analyticsModel' && string::startsWith(_id, 'analytics.')]", "set": {"generatedAt": "2020-01-01T00:00:00Z"}}}]}
            """)
        #expect(backdated.status == 0, "\(backdated.stderr)")
        try Data(#"{"schedulerIntervalSeconds": 1}"#.utf8).write(to: directory.appendingPathComponent("facet.json"))
        let server = try Server(arguments: ["--data", data], port: try LoopbackPort.free(), directory: directory)
        _ = try await server.waitUntilServing()
        #expect(server.log.contains("looks for due analytics refreshes every 1 s"), "\(server.log)")
        let deadline = Date().addingTimeInterval(120)
        while !server.log.contains("Scheduled analytics refresh (predictions)"), Date() < deadline, server.process.isRunning {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(server.log.contains("Scheduled analytics refresh (predictions)"), "\(server.log)")
        #expect(try await server.stop() == 0)
    }

    @Test func itIsSecureByDefault() async throws {
        try await withProcessTurn {
            let directory = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let data = directory.appendingPathComponent("data").path
            let server = try Server(arguments: ["--data", data], port: try LoopbackPort.free(), directory: directory)
            _ = try await server.waitUntilServing()
            // The first start created the admin and printed a generated password once.
            let printed = try #require(server.log.split(separator: "\n").first { $0.hasPrefix("Created the user admin with the password ") })
            let password = try #require(printed.split(separator: " ").dropFirst(7).first.map(String.init))
            #expect(password.count >= 20)
            // Nothing but /health and sign-in answers without a token.
            for path in ["/v1/data/query/production?query=count(*)", "/v1/data/doc/production/x", "/v1/schema", "/v1/data/export/production", "/metrics"] {
                let reply = try await Self.get(port: server.port, path: path)
                #expect(reply.status == 401, "\(path): \(reply.status) \(reply.body)")
            }
            let connection = try Connection(port: server.port)
            let body = #"{"username": "admin", "password": "\#(password)"}"#
            try connection.write("POST /v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
            let answer = try await connection.read()
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            let tokens = try JSONValue(parsing: String(try #require(answer.components(separatedBy: "\r\n\r\n").last)))
            let access = try #require(tokens["accessToken"]?.stringValue)
            let counted = try await Self.get(port: server.port, path: "/v1/data/query/production?query=count(*%5B_type%3D%3D%22customer%22%5D)", token: access)
            #expect(counted.status == 200 && counted.body.contains(#""result":0"#), "\(counted.body)")
            // The sign-in is in the audit log, which the admin reads as documents.
            let logins = try await Self.get(port: server.port, path: "/v1/data/query/production?query=*%5B_type%3D%3D%22auditLog%22%26%26action%3D%3D%22login%22%5D.actor",
                                            token: access)
            #expect(logins.body.contains(#""result":["admin"]"#), "\(logins.body)")
            #expect(try await server.stop() == 0, "\(server.log)")

            // A second start creates no user and prints no password.
            let again = try Server(arguments: ["--data", data], port: try LoopbackPort.free(), directory: try QueryCommandTests.temporaryDirectory())
            _ = try await again.waitUntilServing()
            #expect(!again.log.contains("Created the user admin"))
            #expect(try await again.stop() == 0)
        }
    }

    @Test func writesFromAnotherProcessReachQueriesAndListeners() async throws {
        try await withProcessTurn {
            let directory = try QueryCommandTests.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let data = directory.appendingPathComponent("data").path
            let server = try Server(arguments: ["--data", data], port: try LoopbackPort.free(), directory: directory)
            _ = try await server.waitUntilServing()
            let token = try await Self.token(data: data, role: "manager")
            let listener = try await Self.open(port: server.port,
                                               sending: "GET /v1/data/listen/production?query=*%5B_type%3D%3D%22staff%22%5D HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n\r\n")
            _ = try await listener.read { $0.contains("event: welcome") }

            // `facet mutate` in a process of its own, on the same data directory, with the CRM schema.
            let staff = #"{"mutations": [{"create": {"_id": "staff-ines", "_type": "staff", "name": "Ines Moreau", "email": "ines@maison.example", "jobTitle": "client-advisor", "studioRole": "sales"}}]}"#
            let written = try await StoreCommandTests.run(["mutate", "--data", data, "-"], input: staff, environment: ["FACET_SCHEMA": "crm"])
            #expect(written.status == 0, "\(written.stderr)")

            let event = try await listener.read(timeout: 10) { $0.contains("event: mutation") && $0.contains("\n\n", after: "event: mutation") }
            #expect(event.contains(#""documentId":"staff-ines""#), "\(event)")
            #expect(event.contains(#""transition":"appear""#), "\(event)")
            let reply = try await Self.get(port: server.port, path: "/v1/data/query/production?query=*%5B_type%3D%3D%22staff%22%5D.name", token: token)
            #expect(reply.body.contains(#""result":["Ines Moreau"]"#), "\(reply.body)")
            #expect(try await server.stop() == 0, "\(server.log)")
        }
    }
}

private extension String {
    /// Whether `needle` occurs after the first occurrence of `marker`.
    func contains(_ needle: String, after marker: String) -> Bool {
        guard let start = range(of: marker) else { return false }
        return self[start.upperBound...].contains(needle)
    }
}
