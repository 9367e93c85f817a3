import FacetServer
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// The 503 server that holds the port while the database is away: it answers while connections
/// pour in, and stops without losing one when the database answers.
@Suite("A server waiting for its database")
struct DatabaseWaitTests {
    struct Unreachable: Error {}

    /// Stopping the holding server while clients keep connecting once crashed the process: a
    /// connection accepted but not yet taken up was dropped unclosed, which SwiftNIO treats as a
    /// programming error. Several rounds, as the window is narrow.
    @Test(.timeLimit(.minutes(3)))
    func theHoldingServerStopsCleanlyWhileClientsPourIn() async throws {
        var logger = Logger(label: "database-wait-test")
        logger.logLevel = .critical
        for round in 0..<4 {
            let port = try LoopbackPort.free()
            let reachable = Atomic<Bool>(false)
            let storm = ConnectionStorm(port: port, threads: 4)
            let opening = Task.detached {
                // The database "returns" once the holding server has answered a few requests.
                while (storm.statuses[503] ?? 0) < 20 { try await Task.sleep(for: .milliseconds(20)) }
                reachable.store(true, ordering: .relaxed)
            }
            let value = try await DatabaseWait.answering(host: "127.0.0.1", port: port, logger: logger,
                                                         isUnavailable: { $0 is Unreachable }) { () throws -> Int in
                guard reachable.load(ordering: .relaxed) else { throw Unreachable() }
                return round
            }
            // The port is free the moment the wait returns: the real server binds it.
            let rebound = LoopbackPort.isFree(port)
            try await storm.stop()
            opening.cancel()
            #expect(value == round)
            #expect((storm.statuses[503] ?? 0) >= 20, "\(storm.statuses)")
            #expect(storm.statuses.keys.allSatisfy { $0 == 503 }, "\(storm.statuses)")
            #expect(rebound, "port \(port) still held after the wait")
        }
    }

    /// An error other than the database's absence ends the wait, is thrown, and frees the port.
    @Test func anotherErrorEndsTheWaitAndFreesThePort() async throws {
        struct Broken: Error {}
        let port = try LoopbackPort.free()
        let tries = Atomic<Int>(0)
        await #expect(throws: Broken.self) {
            _ = try await DatabaseWait.answering(host: "127.0.0.1", port: port, logger: Logger(label: "database-wait-test"),
                                                 isUnavailable: { $0 is Unreachable }) { () throws -> Int in
                if tries.add(1, ordering: .relaxed).newValue == 1 { throw Unreachable() }
                throw Broken()
            }
        }
        #expect(tries.load(ordering: .relaxed) == 2)
        #expect(LoopbackPort.isFree(port))
    }
}
