import FacetServer
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

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

    /// A client that sends half a request and never more does not hold the start up: the holding
    /// server gives accepted connections a few seconds to finish, then closes them, and the port
    /// is free for the real server.
    @Test(.timeLimit(.minutes(2)))
    func aClientThatNeverFinishesItsRequestDoesNotHoldTheStart() async throws {
        let port = try LoopbackPort.free()
        let reachable = Atomic<Bool>(false)
        let waiting = Task {
            try await DatabaseWait.answering(host: "127.0.0.1", port: port, logger: Logger(label: "database-wait-test"),
                                             isUnavailable: { $0 is Unreachable }) { () throws -> Int in
                guard reachable.load(ordering: .relaxed) else { throw Unreachable() }
                return 1
            }
        }
        // Connected once the holding server listens, with a request cut off after its headers' start.
        var descriptor: Int32 = -1
        for _ in 0..<100 where descriptor < 0 {
            let candidate = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = LoopbackPort.address(port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(candidate, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            if connected { descriptor = candidate } else { close(candidate); try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(descriptor >= 0, "the holding server never listened")
        defer { close(descriptor) }
        let partial = Array("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow:".utf8)
        #expect(partial.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == partial.count)
        reachable.store(true, ordering: .relaxed)
        // The wait returns at all (a drain without an end would hold it until the time limit),
        // the port is free, and the half-sent connection was closed by the server rather than
        // left open: its socket reads the end of the stream (or a reset), never "would block".
        #expect(try await waiting.value == 1)
        #expect(LoopbackPort.isFree(port))
        var buffer = [UInt8](repeating: 0, count: 4096)
        var received = 0
        repeat {
            received = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        } while received > 0
        let readError = errno
        #expect(received == 0 || (received < 0 && readError != EAGAIN && readError != EWOULDBLOCK),
                "the half-sent connection is still open (recv \(received), errno \(readError))")
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
