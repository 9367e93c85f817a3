import ArgumentParser
import Dispatch
import FacetStore
import FacetWebhooks
import FacetServer
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// `facet bench webhooks`: what hooks cost the writers, and how soon a change reaches a receiver.
///
/// Commits per second are measured without hooks and with five hooks whose receiver takes a
/// second to answer, taking turns (none, five, none, five), so that the machine's drift falls on
/// both alike; then the delay from a commit to its delivery at a receiver that answers at once.
struct WebhookBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Benchmark commits with and without slow webhooks, and the delivery delay to a fast receiver.",
        discussion: """
            Everything runs in this process: a store on SQLite files in a temporary directory, the hooks' \\
            dispatcher and sender, and the receiver on a loopback port. Build with `swift build -c release` first.

            Example:
              .build/release/facet bench webhooks --seconds 5
            """)

    @Option(help: "Seconds each commit rate is measured for.")
    var seconds = 5

    @Option(help: "Threads committing at once.")
    var clients = 4

    @Option(help: "Commits whose delivery is timed.")
    var probes = 300

    func validate() throws {
        guard (1...600).contains(seconds) else { throw ValidationError("--seconds must be between 1 and 600") }
        guard (1...64).contains(clients) else { throw ValidationError("--clients must be between 1 and 64") }
        guard (10...100_000).contains(probes) else { throw ValidationError("--probes must be between 10 and 100000") }
    }

    /// What the receiver saw: when each fast delivery arrived, by idempotency key.
    final class Arrivals: Sendable {
        let times = Mutex<[String: DispatchTime]>([:])
        let slow = Atomic<Int>(0)
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release --product facet && .build/release/facet bench webhooks` for real figures\n")
        #endif
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-bench-webhooks-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let arrivals = Arrivals()
        let router = Router()
        router.post("slow") { _, _ -> HTTPResponse.Status in
            arrivals.slow.add(1, ordering: .relaxed)
            try await Task.sleep(for: .seconds(1))
            return .ok
        }
        router.post("fast") { request, _ -> HTTPResponse.Status in
            if let key = request.headers[HTTPField.Name("idempotency-key")!] {
                let now = DispatchTime.now()
                arrivals.times.withLock { $0[key] = now }
            }
            return .ok
        }
        var logger = Logger(label: "facet-bench")
        logger.logLevel = .critical
        let (portStream, portKnown) = AsyncStream.makeStream(of: Int.self)
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                                   onServerRunning: { portKnown.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let receiving = BackgroundServer(receiver)
        guard let port = await portStream.first(where: { _ in true }), port > 0 else {
            await receiving.stop()
            throw CommandFailure("the receiver did not start")
        }
        try await receiving.stop(after: {
            print("Commits/s, \(clients) threads, \(seconds) s each, single-document transactions on SQLite, each run on a new dataset:")
            var without: [Double] = [], with: [Double] = []
            var queued = 0
            for round in 0..<4 {
                let hooked = round % 2 == 1
                // A store of its own for each run, closed after it: what one run leaves working in the
                // background (checkpoints, images) must not slow the next.
                let bench = try Bench(directory: directory + "/run-\(round)")
                defer { bench.close() }
                let (name, webhooks) = ("production", bench.webhooks)
                let dataset = try bench.store.dataset(name, create: true)
                var slowHooks: [Webhook] = []
                if hooked {
                    for index in 0..<5 {
                        slowHooks.append(try webhooks.create(dataset: name, ["name": .string("Slow \(index)"), "url": .string("http://127.0.0.1:\(port)/slow")], by: nil))
                    }
                }
                let (clients, seconds) = (clients, seconds)
                let rate = try await BenchTiming.offThread { try Self.commitRate(dataset, clients: clients, seconds: seconds, prefix: "r\(round)") }
                (hooked ? { with.append(rate) } : { without.append(rate) })()
                print(String(format: "  %@: %8.0f commits/s", hooked ? "five hooks, receiver answering in 1 s" : "no hooks                             ", rate))
                for hook in slowHooks { queued += try webhooks.deliveries(hook: hook.id, dataset: name, state: .pending, limit: 1000).count }
            }
            let ratio = (with.reduce(0, +) / Double(with.count)) / (without.reduce(0, +) / Double(without.count))
            print(String(format: "  with / without: %.2f (the slow receiver was sent %d requests; %d+ deliveries were still queued)", ratio,
                         arrivals.slow.load(ordering: .relaxed), queued))

            // What the rounds' stores write as they close (their images) is let finish first.
            try await Task.sleep(for: .seconds(3))
            let bench = try Bench(directory: directory + "/probes")
            defer { bench.close() }
            let dataset = try bench.store.dataset("production", create: true)
            _ = try bench.webhooks.create(dataset: "production", ["name": "Fast", "url": .string("http://127.0.0.1:\(port)/fast")], by: nil)
            let probes = probes
            let committed = try await BenchTiming.offThread { () -> [String: DispatchTime] in
                var times: [String: DispatchTime] = [:]
                for index in 0..<probes {
                    let result = try dataset.mutate([.createOrReplace(["_id": .string("probe-\(index)"), "_type": "probe", "n": .number(Double(index))])])
                    times["\(result.transactionId)#probe-\(index)"] = DispatchTime.now()
                    Thread.sleep(forTimeInterval: 0.005)
                }
                return times
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, arrivals.times.withLock({ $0.count }) < committed.count {
                try await Task.sleep(for: .milliseconds(20))
            }
            let arrived = arrivals.times.withLock { $0 }
            let delays = committed.compactMap { key, time in arrived[key].map { Double($0.uptimeNanoseconds &- time.uptimeNanoseconds) / 1e6 } }
            print(String(format: "Delivery delay, commit to arrival at a receiver answering at once (%d of %d arrived): p50 %.1f ms, p99 %.1f ms",
                         delays.count, committed.count, BenchTiming.percentile(delays, 0.5), BenchTiming.percentile(delays, 0.99)))
        })
    }

    /// A store on SQLite files in `directory` and its hooks, delivering until closed.
    final class Bench: Sendable {
        let store: DocumentStore
        let webhooks: Webhooks
        let delivering: Task<Void, Never>

        init(directory: String) throws {
            store = DocumentStore(backend: try SQLiteBackend(directory: directory))
            var settings = WebhookSettings()
            settings.allowPrivateAddresses = true
            settings.timeout = .seconds(5)
            let webhooks = try Webhooks(store: store, records: SQLiteRecords(path: directory + "/integrations.sqlite", flushEachCommit: false),
                                        secretKey: (0..<32).map { UInt8($0) }, settings: settings)
            self.webhooks = webhooks
            delivering = Task { await webhooks.run() }
        }

        func close() {
            delivering.cancel()
            store.close()
        }
    }

    /// Commits per second from `clients` threads for `seconds`, each committing one document
    /// at a time.
    static func commitRate(_ dataset: Dataset, clients: Int, seconds: Int, prefix: String) throws -> Double {
        let committed = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
        let start = DispatchTime.now()
        let deadline = start + .seconds(seconds)
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            var index = 0
            while DispatchTime.now() < deadline {
                do {
                    _ = try dataset.mutate([.createOrReplace(["_id": .string("\(prefix)-\(client)-\(index)"), "_type": "thing", "n": .number(Double(index))])])
                    committed.add(1, ordering: .relaxed)
                    index += 1
                } catch {
                    failure.withLock { $0 = "\(error)" }
                    return
                }
            }
        }
        if let failure = failure.withLock({ $0 }) { throw CommandFailure("a commit failed: \(failure)") }
        return Double(committed.load(ordering: .relaxed)) / (BenchTiming.milliseconds(since: start) / 1000)
    }
}
