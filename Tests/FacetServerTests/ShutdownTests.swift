import FacetServer
import FacetStore
import Foundation
import GROQ
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport

/// Stopping a running server: listeners are told to reconnect and their streams end, requests in
/// flight finish, new ones are refused with 503 while the server drains, and the run returns.
@Suite("Graceful shutdown")
struct ShutdownTests {
    /// The next event, keep-alive comments skipped; `nil` when the stream ended. The wait is
    /// long: the test is about what arrives, and a machine running the whole suite may take a
    /// while to send it.
    private func event(_ listener: RawHTTPConnection) async throws -> ReceivedEvent? {
        while let event = try await listener.nextEvent(timeout: .seconds(60)) {
            if event.name != nil { return event }
        }
        return nil
    }

    @Test func listenersReconnectRequestsInFlightFinishAndNewOnesAreRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let router = fixture.api.router()
        // A request that is still running when the shutdown begins, and runs until the test has
        // seen the drain refuse a new one (however slowly a busy machine gets there).
        let (slowStarted, slowStart) = AsyncStream.makeStream(of: Void.self)
        let (gate, openGate) = AsyncStream.makeStream(of: Void.self)
        router.get("slow") { _, _ -> String in
            slowStart.yield()
            _ = await gate.first { _ in true }
            return "done"
        }
        let (ports, portKnown) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "shutdown-test")
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { portKnown.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let group = fixture.api.serviceGroup(running: app, stopsOnSignals: false, logger: logger)
        let running = Task { try await group.run() }
        let port = try #require(await ports.first { _ in true })

        let listener = try RawHTTPConnection(port: port)
        try listener.get("/v1/data/listen/production?query=*")
        #expect(try await listener.head(timeout: .seconds(60)).status == 200)
        #expect(try await event(listener)?.name == "welcome")
        let slow = Task { () -> (Int, String) in
            let connection = try RawHTTPConnection(port: port)
            try connection.get("/slow")
            let head = try await connection.head(timeout: .seconds(60))
            let body = try await connection.wholeBody(timeout: .seconds(60))
            return (head.status, String(decoding: body, as: UTF8.self))
        }
        _ = await slowStarted.first { _ in true }

        await group.triggerGracefulShutdown()

        let last = try #require(try await event(listener))
        #expect(last.name == "reconnect")
        #expect(last.data?["reason"]?.stringValue?.contains("shutting down") == true)
        #expect(try await listener.nextEvent(timeout: .seconds(60)) == nil, "the stream ends")
        #expect(fixture.api.lifecycle.isDraining)

        // While the slow request runs, the server drains: a new request is refused.
        let late = try RawHTTPConnection(port: port)
        try late.get("/health")
        let refusal = try await late.head(timeout: .seconds(60))
        #expect(refusal.status == 503)
        #expect(refusal.headers["retry-after"] == "5")
        let body = try JSONValue(parsing: try await late.wholeBody(timeout: .seconds(60)))
        #expect(body["statusCode"] == 503)
        #expect(body["error"]?["type"] == "serverShuttingDown")

        openGate.yield()
        let (status, text) = try await slow.value
        #expect(status == 200 && text == "done", "the request in flight finished")
        try await running.value
        #expect(try fixture.store.dataset("production").listenerCount == 0)
        #expect(fixture.api.lifecycle.requestsInFlight == 0 && fixture.api.lifecycle.openStreams == 0)
    }

    @Test func anApplicationRunWithoutTheDrainStillEndsItsListeners() async throws {
        // HummingbirdTesting stops the application with its own graceful shutdown when the test
        // closure returns; the open listener must not keep it from stopping.
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        let listener = try await app.test(.live) { client -> RawHTTPConnection in
            let listener = try RawHTTPConnection(port: try #require(client.port))
            try listener.get("/v1/data/listen/production?query=*")
            #expect(try await listener.head(timeout: .seconds(60)).status == 200)
            #expect(try await event(listener)?.name == "welcome")
            return listener
        }
        #expect(try await event(listener)?.name == "reconnect")
        #expect(try await listener.nextEvent() == nil)
    }
}
