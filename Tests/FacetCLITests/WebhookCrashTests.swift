import Foundation
import GROQ
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `facet serve` with a webhook, killed with SIGKILL while a client writes and deliveries are
/// on their way: after a restart the receiver gets exactly the events of the committed
/// transactions (each at least once, by its idempotency key), and none of any other.
@Suite("facet serve webhooks across a kill")
struct WebhookCrashTests {
    /// The limit includes the wait for a turn among the tests that start processes.
    @Test(.timeLimit(.minutes(20)))
    func aKilledServerDeliversExactlyTheMissingEventsAfterItsRestart() async throws {
        let receiver = WebhookReceiver()
        try await Application(router: receiver.router).test(.live) { client in
            let port = try #require(client.port)
            try await withProcessTurn { try await Self.killWhileDelivering(receiver: receiver, receiverPort: port) }
        }
    }

    static func killWhileDelivering(receiver: WebhookReceiver, receiverPort: Int) async throws {
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let config = directory.appendingPathComponent("facet.json")
        try Data(#"{"webhooks": {"allowPrivateAddresses": true, "firstRetrySeconds": 0.05, "maxRetrySeconds": 0.5, "maxAttempts": 100}}"#.utf8)
            .write(to: config)
        let arguments = ["--data", data, "--config", config.path]
        var server = try ServeCommandTests.Server(arguments: arguments, port: try LoopbackPort.free(), directory: directory)
        _ = try await server.waitUntilServing()
        let admin = try await ServeCommandTests.token(data: data)
        let sales = try await ServeCommandTests.token(data: data, role: "sales")
        let hook = #"{"name": "Orders", "url": "http://127.0.0.1:\#(receiverPort)/orders", "filter": "_type == 'staff' && string::startsWith(_id, 'staff-k')", "secret": "kill-9"}"#
        // Only admins manage hooks.
        #expect(try await Self.send("POST", "/v1/hooks/production", body: hook, port: server.port, token: sales).status == 403)
        let created = try await Self.send("POST", "/v1/hooks/production", body: hook, port: server.port, token: admin)
        #expect(created.status == 201, "\(created.body)")
        let bad = try await Self.send("POST", "/v1/hooks/production", body: #"{"name": "Bad", "url": "http://x/", "filter": "_type =="}"#,
                                      port: server.port, token: admin)
        #expect(bad.status == 400 && bad.body.contains("\"field\":\"filter\""), "\(bad.body)")

        // Staff members are written two per transaction; midway the receiver stops answering, so that
        // events are committed and not yet delivered when the server is killed.
        let acknowledged = ServerCrashTests.Acknowledged()
        let stopped = Latch()
        let serving = server.port
        Task {
            var k = 0
            while true {
                acknowledged.attempt(k)
                guard let reply = try? await Self.send("POST", "/v1/data/mutate/production", body: ServerCrashTests.body(k), port: serving, token: admin)
                else { break }
                if reply.status == 200 {
                    acknowledged.add(k)
                    k += 1
                } else if reply.status != 429 {
                    acknowledged.refuse("transaction \(k) was answered \(reply.status): \(reply.body)")
                    break
                }
            }
            stopped.open()
        }
        try await Task.sleep(for: .seconds(Double.random(in: 0.5...1.2)))
        receiver.hold("/orders")
        try await Task.sleep(for: .seconds(Double.random(in: 0.3...0.8)))
        #expect(server.process.isRunning)
        server.process.signal(SIGKILL)
        _ = try? await server.waitForExit(timeout: 30)
        #expect(await stopped.opened(within: 60), "the writer did not notice the kill")
        let state = acknowledged.snapshot
        #expect(acknowledged.refused.isEmpty, "\(acknowledged.refused)")
        #expect(state.acknowledged.count >= 3, "the writer made too little progress to mean anything")

        server = try ServeCommandTests.Server(arguments: arguments, port: try LoopbackPort.free(), directory: directory)
        _ = try await server.waitUntilServing()
        receiver.release("/orders")
        // What was committed: each document's `_rev` is the transaction that created it.
        let query = #"*[_type == "staff" && string::startsWith(_id, "staff-k")]{_id, _rev}"#
            .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let reply = try await ServeCommandTests.get(port: server.port, path: "/v1/data/query/production?query=\(query)", token: admin)
        #expect(reply.status == 200, "\(reply.body)")
        let committed = try JSONValue(parsing: reply.body)["result"]?.arrayValue ?? []
        let expected = Set(committed.compactMap { order in order["_rev"]?.stringValue.map { "\($0)#\(order["_id"]?.stringValue ?? "")" } })
        for k in state.acknowledged { #expect(committed.contains { $0["_id"]?.stringValue == "staff-k\(k)-a" }, "transaction \(k) was acknowledged") }
        let deadline = Date().addingTimeInterval(60)
        func keys() -> Set<String> { Set(receiver.received(at: "/orders").compactMap { $0.headers["idempotency-key"] }) }
        while Date() < deadline, !expected.isSubset(of: keys()) { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(300))
        #expect(keys() == expected, "missing \(expected.subtracting(keys()).sorted()), unexpected \(keys().subtracting(expected).sorted())")
        for request in receiver.received(at: "/orders") {
            #expect(WebhookReceiver.sanityVerifies(request.headers["sanity-webhook-signature"], body: request.body, secret: "kill-9"))
        }
        let total = receiver.received(at: "/orders").count
        print("webhooks across a kill: \(expected.count) events committed, \(state.acknowledged.count) acknowledged, \(total) requests received (\(total - expected.count) sent again)")
        #expect(try await server.stop() == 0)
    }

    /// Sends one request and reads the whole answer: its status and body.
    static func send(_ method: String, _ path: String, body: String, port: Int, token: String) async throws -> (status: Int, body: String) {
        let request = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        let connection = try ServeCommandTests.Connection(port: port)
        try connection.write(request)
        let answer = try await connection.read(timeout: 20)
        guard answer.hasPrefix("HTTP/1.1 "), let status = Int(answer.dropFirst(9).prefix(3)) else {
            throw ServeCommandTests.Failure(description: "no HTTP answer: \(answer.prefix(200))")
        }
        let body = answer.range(of: "\r\n\r\n").map { String(answer[$0.upperBound...]) } ?? ""
        return (status, body)
    }
}
