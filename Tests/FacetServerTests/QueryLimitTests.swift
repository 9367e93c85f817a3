import Dispatch
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import FacetServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The limits on expensive queries: time, result size, concurrency, and slow clients.
@Suite("Query limits")
struct QueryLimitTests {
    /// A query over a few thousand documents that would run for hours: three nested scans, each
    /// depending on the one outside it (so none can be computed once and reused).
    static let runaway = "*[count(*[rank > ^.rank && count(*[rank < ^.^.rank && rank > ^.rank]) > 0]) > 0]._id"

    static func fixture(timeLimit: Duration = .seconds(10), maxResultBytes: Int = 64 << 20, slots: Int = 4,
                        documents: Int = 2_000, padding: Int = 0) throws -> ServerFixture {
        var configuration = ServerConfiguration()
        configuration.queryTimeLimit = timeLimit
        configuration.maxResultBytes = maxResultBytes
        configuration.maxConcurrentQueries = slots
        let fixture = try ServerFixture(configuration: configuration)
        let text = String(repeating: "x", count: padding)
        guard documents > 0 else { return fixture }
        try fixture.store.dataset("production").mutate((0..<documents).map { i in
            .create(["_id": .string("doc-\(100_000 + i)"), "_type": i % 2 == 0 ? "customer" : "order",
                     "rank": .number(Double(i)), "text": .string(text)])
        })
        return fixture
    }

    static func uri(_ query: String) -> String {
        "/v1/data/query/production?query=" + query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    }

    static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    // MARK: Time

    @Test func aRunawayQueryIsStoppedAtTheTimeLimitWithAdvice() async throws {
        let fixture = try Self.fixture(timeLimit: .milliseconds(300))
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            let started = DispatchTime.now()
            try await client.execute(uri: Self.uri(Self.runaway), method: .get) { response in
                let elapsed = Self.seconds(since: started)
                #expect(response.status == .badRequest)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                let error = try #require(body["error"])
                #expect(error["type"] == "queryTimeout")
                #expect(error["limitMs"] == 300)
                #expect(error["query"] == .string(Self.runaway))
                let description = error["description"]?.stringValue ?? ""
                #expect(description.contains("time limit of 300 ms"), "\(description)")
                #expect(description.contains("_type ==") && description.contains("slice"), "\(description)")
                // It names the filter that was running when the time ran out.
                let stoppedWhile = error["stoppedWhile"]?.stringValue ?? ""
                #expect(stoppedWhile.contains(" for *[rank "), "\(stoppedWhile)")
                #expect(description.contains("stopped while \(stoppedWhile)"), "\(description)")
                #expect(body["statusCode"] == 400)
                // Answered at the limit; the bound is loose because tasks may wait for a thread
                // while other tests keep every core busy.
                // Not before its limit. How soon after is not asserted: on a loaded machine the
                // threads of a parallel evaluation can wait for a core far longer than the limit;
                // the answer being a timeout, not a result, shows the evaluation was stopped.
                #expect(elapsed >= 0.3, "answered after \(elapsed) s")
            }
            // Stopped at the limit, as timed on the worker thread that evaluated it (less than the
            // limit when the request waited for a thread before it started).
            let evaluation = fixture.api.metrics.snapshot.queryEvaluation
            #expect(evaluation.count == 1)
            // Run to its end, the query would take hours (cubic in 2,000 documents): any bound far
            // below that shows it was stopped, however long a loaded machine took to notice.
            #expect(evaluation.sum < 60, "evaluated for \(evaluation.sum) s")
            // The slot is free again: a cheap query is answered at once.
            try await client.execute(uri: Self.uri("count(*[_type == 'customer'])"), method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["result"] == 1000)
            }
        }
        #expect(fixture.api.metrics.snapshot.queriesStopped[.timeout] == 1)
    }

    /// The first query of a perspective builds its view of the dataset, which on a large one
    /// takes longer than a query may: that one-off work is not the query's, and is not counted.
    @Test func buildingAViewDoesNotCountAgainstTheFirstQuery() async throws {
        let fixture = try Self.fixture(timeLimit: .milliseconds(40), documents: 0)
        defer { fixture.close() }
        // Seconds of commits: on a thread of its own, not one the servers of other tests need.
        let dataset = try fixture.store.dataset("production")
        try await offThePool {
            _ = try dataset.mutate((0..<20_000).map { i in
                .create(["_id": .string("doc-\(100_000 + i)"), "_type": i % 2 == 0 ? "customer" : "order", "rank": .number(Double(i))])
            })
        }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            // Each perspective builds a view of its own. On a machine so loaded that the query
            // waited 40 ms for a thread (refused as queued: the wait counts), the next perspective
            // tries again; building the view is never what makes it fail.
            var refusals: [String] = []
            for perspective in ["drafts", "published"] {
                let started = DispatchTime.now()
                let (status, body) = try await client.execute(uri: Self.uri("*[_id == 'doc-100002']._id") + "&perspective=" + perspective,
                                                              method: .get) { response in
                    (response.status, try JSONValue(parsing: Array(response.body.readableBytesView)))
                }
                let elapsed = Self.seconds(since: started)
                if status == .serviceUnavailable, body["error"]?["description"]?.stringValue?.contains("waited") == true {
                    refusals.append("\(perspective): \(body)")
                    continue
                }
                #expect(status == .ok, "\(body)")
                #expect(body["result"] == ["doc-100002"])
                // The view took longer than the limit to build, so the limit was really passed.
                #expect(elapsed > 0.04, "answered after \(elapsed) s")
                break
            }
            #expect(refusals.count < 2, "every attempt waited past its limit for a thread: \(refusals)")
        }
    }

    // MARK: Size

    @Test func aResultOverTheSizeLimitIsRefusedWithAdviceToPaginate() async throws {
        let fixture = try Self.fixture(maxResultBytes: 20_000)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            // All documents (about 140 kB), and the same wrapped in an object: both refused.
            for query in ["*", "{'everything': *}", "*[_type == 'order'] | order(rank desc)"] {
                try await client.execute(uri: Self.uri(query), method: .get) { response in
                    #expect(response.status == .badRequest, "\(query)")
                    let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                    #expect(error?["type"] == "queryResultTooLarge", "\(query)")
                    #expect(error?["limitBytes"] == 20_000)
                    #expect(error?["description"]?.stringValue?.contains("[0...1000]") == true)
                }
            }
            // A page of it is fine.
            try await client.execute(uri: Self.uri("*[0...100]{_id, rank}"), method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["result"]?.arrayValue?.count == 100)
                #expect(body["result"]?[0] == ["_id": "doc-100000", "rank": 0])
            }
        }
        #expect(fixture.api.metrics.snapshot.queriesStopped[.resultTooLarge] == 3)
    }

    @Test func boundedWritingIsByteForByteTheSerialiser() throws {
        let values: [JSONValue] = [
            .null, 1.5, "tÃ©l \"quoted\"\n", [], [:],
            .array((0..<100).map { ["_id": .string("d\($0)"), "n": .number(Double($0)), "tags": ["a", "b"]] }),
            .object(.init(uniqueKeysWithValues: (0..<40).map { ("k\($0)", JSONValue.array([.number(Double($0)), .null])) })),
        ]
        for value in values {
            var bytes: [UInt8] = []
            #expect(value.write(to: &bytes, limit: .max))
            #expect(String(decoding: bytes, as: UTF8.self) == value.serialized())
            var short: [UInt8] = []
            #expect(!JSONValue.array(Array(repeating: value, count: 200)).write(to: &short, limit: 100))
            #expect(short.count < 100 + max(200, value.serialized().utf8.count + 1), "stopped soon after the limit")
        }
    }

    // MARK: Concurrency

    @Test func withOneSlotTwoSlowQueriesRunOneAfterTheOther() async throws {
        // The limit is far above what the queries need: on a busy machine the second waits for
        // the first, and this test is about their order, not the time limit.
        let fixture = try Self.fixture(timeLimit: .seconds(300), slots: 1, documents: 1_000)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        // Each scans 1,000 × 1,000 pairs: a good fraction of a second in a debug build.
        let slow = Self.uri("count(*[count(*[rank < ^.rank]) > 500])")
        try await app.test(.router) { client in
            let started = DispatchTime.now()
            let evaluations = try await withThrowingTaskGroup(of: Double.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await client.execute(uri: slow, method: .get) { response in
                            #expect(response.status == .ok)
                            let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                            #expect(body["result"] == 499)
                            return body["ms"]?.numberValue ?? 0
                        }
                    }
                }
                return try await group.reduce(into: [Double]()) { $0.append($1) }
            }
            let wall = Self.seconds(since: started) * 1000
            // One after the other, the evaluations cannot overlap: together they fit in the wall time.
            #expect(evaluations.reduce(0, +) <= wall, "evaluations \(evaluations) ms within \(wall) ms")
            #expect(evaluations.allSatisfy { $0 > 0 })
        }
    }

    @Test func waitingQueriesHoldNoSlotAndFailWithTheTimeLimitIfNoneComes() async throws {
        // A limit long enough that all twenty arrive and queue before the first gives up, even on
        // a machine busy with the rest of the suite.
        let fixture = try Self.fixture(timeLimit: .seconds(12), slots: 1, documents: 10)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            // Something holds the only slot until the gate opens.
            let gate = DispatchSemaphore(value: 0)
            let holder = Task { try await fixture.api.workers.run { gate.wait() } }
            while fixture.api.workers.load.running == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let started = DispatchTime.now()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await client.execute(uri: Self.uri("count(*)"), method: .get) { response in
                            #expect(response.status == .serviceUnavailable)
                            #expect(response.headers[.retryAfter] == "5")
                            let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                            #expect(error?["type"] == "queryTimeout")
                            #expect(error?["slots"] == 1)
                            #expect(error?["description"]?.stringValue?.contains("busy") == true)
                        }
                    }
                }
                // All twenty wait in the queue, not on threads: the `queued` count below says each
                // gave up there. (How many wait at one instant is not asserted: when other suites
                // keep the cooperative threads busy, requests arrive late and one by one.)
                try await group.waitForAll()
            }
            let elapsed = Self.seconds(since: started)
            // They gave up at their limit, with the slot still taken.
            #expect(elapsed >= 12, "gave up after \(elapsed) s")
            #expect(fixture.api.workers.load.waiting == 0)
            #expect(fixture.api.workers.load.running == 1)
            gate.signal()
            try await holder.value
            try await client.execute(uri: Self.uri("count(*)"), method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(fixture.api.metrics.snapshot.queriesStopped[.queued] == 20)
    }

    @Test func aQueryWaitingForASlotRunsWhenOneIsFreedInTime() async throws {
        let fixture = try Self.fixture(timeLimit: .seconds(5), slots: 1, documents: 10)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            let gate = DispatchSemaphore(value: 0)
            let holder = Task { try await fixture.api.workers.run { gate.wait() } }
            while fixture.api.workers.load.running == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let query = Task {
                try await client.execute(uri: Self.uri("count(*)"), method: .get) { response in
                    #expect(response.status == .ok)
                    let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                    #expect(body["result"] == 10)
                }
            }
            while fixture.api.workers.load.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
            gate.signal()
            try await query.value
            try await holder.value
            #expect(try await Self.settled(fixture.api.workers) == (running: 0, waiting: 0))
        }
    }

    @Test func aCancelledWaiterLeavesTheQueue() async throws {
        let workers = BlockingWork(limit: 1)
        let gate = DispatchSemaphore(value: 0)
        let holder = Task { try await workers.run { gate.wait() } }
        while workers.load.running == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let waiter = Task { try await workers.run { 42 } }
        while workers.load.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(workers.load.waiting == 0)
        gate.signal()
        try await holder.value
        #expect(try await workers.run { 7 } == 7)
        #expect(try await Self.settled(workers).running == 0)
    }

    /// Caller A's flood holds all but one slot; B's work takes the last at once; when a slot
    /// frees, the waiting caller running the fewest pieces goes first, whatever the arrival order.
    @Test func theQueueIsFairBetweenCallers() async throws {
        let workers = BlockingWork(limit: 3)
        let gate = DispatchSemaphore(value: 0)
        let order = StartOrder()
        var flood: [Task<Void, any Error>] = []
        for index in 0..<5 {
            flood.append(Task { try await workers.run(for: "A") { order.append("A\(index)"); gate.wait() } })
        }
        while workers.load.running < 2 || workers.load.waiting < 3 { try await Task.sleep(for: .milliseconds(5)) }
        // A holds two of three slots (all but one) and waits with three more.
        #expect(workers.load.running == 2)
        let b = Task { try await workers.run(for: "B") { order.append("B"); gate.wait() } }
        // A slot is counted as running before its work starts: wait for the work itself (on a
        // loaded machine the count came first and the check saw A's name last). B may be queued
        // for a moment first: the third thread, started by A's flood, may not have reached the
        // queue yet, and takes B when it does. Wrongly held back, B would never start, so the
        // wait is long and bounded: on a loaded machine B's task itself may wait for a thread.
        let deadline = ContinuousClock.now + .seconds(120)
        while !order.names.contains("B"), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(workers.load.running == 3)
        #expect(order.names.last == "B")
        let c = Task { try await workers.run(for: "C") { order.append("C") } }
        while workers.load.waiting < 4 { try await Task.sleep(for: .milliseconds(5)) }
        // One slot frees: C (running nothing) goes before A's older work.
        gate.signal()
        try await c.value
        #expect(order.names.contains("C"))
        for _ in 0..<6 { gate.signal() }
        for task in flood { try await task.value }
        try await b.value
        #expect(try await Self.settled(workers) == (running: 0, waiting: 0))
        #expect(order.names.count == 7)
    }

    /// The load once the workers have finished: a caller gets its result before the thread
    /// that ran the work counts it as done, so the count may lag an instant behind the answer.
    static func settled(_ workers: BlockingWork) async throws -> (running: Int, waiting: Int) {
        let deadline = ContinuousClock.now + .seconds(30)
        while workers.load != (running: 0, waiting: 0), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return workers.load
    }

    /// The order in which pieces of work started.
    final class StartOrder: @unchecked Sendable {
        private let lock = NSLock()
        private var started: [String] = []
        func append(_ name: String) { lock.withLock { started.append(name) } }
        var names: [String] { lock.withLock { started } }
    }

    // MARK: The query string

    @Test func queriesSentAsFormsOrComponentsReadTheSame() async throws {
        // `URLSearchParams` writes a space as `+` and may encode the `$` of a parameter name;
        // `encodeURIComponent` writes `%20` and `%2B`. Both must reach the evaluator as typed.
        let fixture = try Self.fixture(documents: 10)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            for uri in ["/v1/data/query/production?query=count(*%5Brank+%3E%3D+%24min%5D)+%2B+1&%24min=8",
                        "/v1/data/query/production?query=count(*%5Brank%20%3E%3D%20%24min%5D)%20%2B%201&$min=8"] {
                try await client.execute(uri: uri, method: .get) { response in
                    let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                    #expect(body["result"] == 3, "\(uri): \(body)")
                    #expect(body["query"] == "count(*[rank >= $min]) + 1")
                }
            }
        }
        #expect(URLQuery("a=%zz&b&c=1%2").pairs.map { "\($0.name)=\($0.value)" } == ["a=%zz", "b=", "c=1%2"])
        #expect(URLQuery("x=caf%C3%A9")["x"] == "café")
    }

    // MARK: Slow clients

    @Test func aClientThatStopsReadingHoldsNoWorker() async throws {
        // About 5 MB of result, far more than a small socket buffer takes.
        let fixture = try Self.fixture(slots: 1, documents: 2_500, padding: 2_000)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let stalled = try StalledConnection(port: port, request: "GET \(Self.uri("*")) HTTP/1.1\r\nHost: localhost\r\n\r\n")
            defer { stalled.close() }
            // Wait until the big answer has been produced and is stuck in the connection.
            let started = DispatchTime.now()
            while fixture.api.metrics.snapshot.queryEvaluation.count == 0, Self.seconds(since: started) < 30 {
                try await Task.sleep(for: .milliseconds(10))
            }
            // The only slot comes free once the answer is serialised (later on a loaded machine):
            // the stalled client holds its connection, not a worker.
            let serialising = DispatchTime.now()
            while fixture.api.workers.load.running != 0, Self.seconds(since: serialising) < 30 {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await Self.settled(fixture.api.workers).running == 0)
            // Were the only slot still held, this query would wait for it past its 10 s time limit
            // and be refused (503): an answer at all proves the slot free, however slowly a loaded
            // machine gives it.
            try await client.execute(uri: Self.uri("*[_id == 'doc-100007'][0].rank"), method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["result"] == 7)
            }
            #expect(fixture.api.metrics.snapshot.queryEvaluation.count == 2)
        }
    }
}

/// A TCP connection that sends one request and never reads the answer, with a receive buffer
/// kept small so that the server cannot push the whole answer into it.
final class StalledConnection: Sendable {
    let descriptor: Int32

    init(port: Int, request: String) throws {
        #if canImport(Glibc)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var size: Int32 = 4096
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = LoopbackPort.address(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let bytes = Array(request.utf8)
        guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw POSIXError(.EIO) }
    }

    func close() {
        #if canImport(Glibc)
        _ = Glibc.close(descriptor)
        #else
        _ = Darwin.close(descriptor)
        #endif
    }
}
