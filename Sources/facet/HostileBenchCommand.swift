import ArgumentParser
import Dispatch
import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig

/// `facet bench hostile`: how long a flood of hostile queries from one low-privilege user delays
/// an administrator's `_id` lookup.
///
/// One secured server (tokens, roles, the role's view, query budgets, fair query slots) runs in
/// this process on the CRM demo. An admin sends `_id` lookups one at a time, first on an idle
/// server, then while `--flood` connections of one support token send, as fast as they are
/// answered, the queries that used to hurt: nested scans that run for hours, one array shared by
/// every row of a huge answer, elements built by the million, custom functions that expand
/// exponentially, and operator chains too deep to parse. The rate limits are lifted so that the
/// flood reaches the query slots: the worst case, where only the budgets and fair slots protect
/// the admin. The target is a p99 under 50 ms while the flood runs.
struct HostileBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostile",
        abstract: "Benchmark how long a flood of hostile queries from one support user delays an admin's _id lookup.",
        discussion: """
            Example:
              swift build -c release --product facet && .build/release/facet bench hostile --docs 20000 --flood 16
            """)

    @Option(help: "About how many documents to seed (the CRM demo).")
    var docs = 20_000

    @Option(help: "Connections of the support user sending hostile queries at once.")
    var flood = 16

    @Option(help: "Admin lookups timed in each phase.")
    var lookups = 400

    func validate() throws {
        guard (100...1_000_000).contains(docs) else { throw ValidationError("--docs must be between 100 and 1000000") }
        guard (1...512).contains(flood) else { throw ValidationError("--flood must be between 1 and 512") }
        guard (10...100_000).contains(lookups) else { throw ValidationError("--lookups must be between 10 and 100000") }
    }

    /// The queries found to hurt the server before it had budgets, one of each per round.
    static func hostileQueries() -> [String] {
        var exponential = "fn f::l0($p) = $p{_id};"
        for level in 1...26 { exponential += "fn f::l\(level)($p) = $p{\"a\": f::l\(level - 1)(@), \"b\": f::l\(level - 1)(@)};" }
        return [
            "*[_type == 'customer' && count(*[_type == 'customer' && _id > ^._id && count(*[_id < ^.^._id && _id > ^._id]) > 0]) > 0]._id",
            #"*[_type == "staff"][0...2]{"x": *[]{"y": *[]}}"#,
            #"*[_type == "customer"]{"x": *[_id != ^._id]._id}"#,
            exponential + "*[_type == 'staff']{\"x\": f::l26(@)}",
            "1" + String(repeating: "-1", count: 10_500),
        ]
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release --product facet && .build/release/facet bench hostile` for real figures\n")
        #endif
        let server = try SecuredBenchServer(name: "hostile", docs: docs)
        defer { server.close() }
        let (ids, admin) = (server.ids, server.admin)
        let support = try server.security.identities.createToken(name: "bench-support", role: .support, by: .system()).secret
        let configuration = ServerConfiguration()
        let api = server.api(configuration)
        let (flood, lookups) = (flood, lookups)
        let hostile = Self.hostileQueries().map { "/v1/data/query/production?query=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) }
        let budget = configuration.queryBudget(forRole: "support")
        print("\(configuration.maxConcurrentQueries) query slots; support's budget per query: \(budget.timeLimit), "
              + "\(budget.maxElements) elements, \(budget.maxResultBytes >> 20) MB; \(flood) connections flooding\n")

        // The clients block on their sockets, so they run on threads of their own: the server's
        // handlers need every thread of Swift's task pool.
        let (idle, flooded, statuses) = try await Self.serving(api) { port in
            _ = try Self.probe(port: port, bearer: admin, ids: ids, count: 50)  // warm-up
            let idle = try Self.probe(port: port, bearer: admin, ids: ids, count: lookups)
            let stop = Flag()
            let statuses = StatusCounts()
            let finished = DispatchGroup()
            for index in 0..<flood {
                finished.enter()
                let thread = Thread {
                    defer { finished.leave() }
                    let client: LoopbackHTTPClient
                    do { client = try LoopbackHTTPClient(port: port) } catch {
                        statuses.add(0)
                        return
                    }
                    var next = index
                    while !stop.isSet {
                        statuses.add((try? client.get(hostile[next % hostile.count], headers: ["Authorization": "Bearer \(support)"])) ?? 0)
                        next += 1
                    }
                }
                thread.start()
            }
            // Let the flood fill the slots, then time lookups for as long as a flood query may
            // run, twice over, so that every kind of hostile query is under way meanwhile.
            Thread.sleep(forTimeInterval: 2)
            var flooded: [Double] = []
            let until = DispatchTime.now() + .seconds(Int(2 * budget.timeLimit.components.seconds))
            while flooded.count < lookups || DispatchTime.now() < until {
                flooded += try Self.probe(port: port, bearer: admin, ids: ids, count: 50)
            }
            stop.set()
            finished.wait()
            return (idle, flooded, statuses.snapshot)
        }
        func line(_ name: String, _ times: [Double]) -> String {
            let sorted = times.sorted()
            func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))] }
            return "  \(name.padding(toLength: 30, withPad: " ", startingAt: 0))"
                + String(format: "p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms", at(0.5), at(0.99), sorted.last ?? 0)
        }
        print("admin's _id lookups, one at a time (*[_id == $id][0]):")
        print(line("idle server", idle))
        print(line("during the support flood", flooded))
        let p99 = flooded.sorted()[min(flooded.count - 1, Int(Double(flooded.count) * 0.99))]
        print("\nthe flood's answers by status: " + statuses.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key == 0 ? "no answer" : String($0.key))" }.joined(separator: ", "))
        print(String(format: "target p99 under 50 ms during the flood: %@ (%.2f ms)", p99 < 50 ? "met" : "NOT met", p99))
    }

    /// Times `count` lookups of random ids, one after another, in milliseconds.
    static func probe(port: Int, bearer: String, ids: [String], count: Int) throws -> [Double] {
        let client = try LoopbackHTTPClient(port: port)
        var times: [Double] = []
        var random = SystemRandomNumberGenerator()
        for _ in 0..<count {
            let id = ids.randomElement(using: &random) ?? "none"
            let path = "/v1/data/query/production?query=*%5B_id%20%3D%3D%20%24id%5D%5B0%5D&%24id=%22\(id)%22"
            let started = DispatchTime.now()
            let status = try client.get(path, headers: ["Authorization": "Bearer \(bearer)"])
            times.append(BenchTiming.milliseconds(since: started))
            guard status == 200 else { throw CommandFailure("an admin lookup was answered \(status)") }
        }
        return times
    }

    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }

    final class StatusCounts: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [Int: Int] = [:]
        func add(_ status: Int) { lock.withLock { counts[status, default: 0] += 1 } }
        var snapshot: [Int: Int] { lock.withLock { counts } }
    }

    /// Serves `api` while `body` runs on a thread of its own with the server's port.
    static func serving<Value: Sendable>(_ api: FacetAPI, _ body: @escaping @Sendable (Int) throws -> Value) async throws -> Value {
        let box = ResultBox<Value>()
        try await ServerBenchCommand.serving(api) { port in
            let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                Thread { continuation.resume(with: Result { try body(port) }) }.start()
            }
            box.set(value)
        }
        return try box.get()
    }

    final class ResultBox<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Value?
        func set(_ value: Value) { lock.withLock { self.value = value } }
        func get() throws -> Value {
            guard let value = lock.withLock({ value }) else { throw CommandFailure("the benchmark did not finish") }
            return value
        }
    }
}
