import ArgumentParser
import Dispatch
import FacetPostgres
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import Hummingbird
import Logging
import SchemaTypes
import StudioConfig
import Synchronization

/// `facet bench cluster`: several servers on one storage, as behind a load balancer — commits and
/// `_id` queries per second with one, two and three servers, how long a commit on one server
/// takes to reach a query and a listener on another, and the import rate; on PostgreSQL and on
/// SQLite side by side.
struct ClusterBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Benchmark several servers on one PostgreSQL database (and on one SQLite directory, beside it).",
        discussion: """
            The servers run in this process on loopback ports, each with its own store and connections, as \\
            separate processes would. Needs wrk for the query rate (Debian: apt-get install wrk). PostgreSQL's \\
            figures are measured in a schema of their own, removed afterwards. Build with \\
            `swift build -c release` first.

            Example:
              .build/release/facet bench cluster --database postgres://postgres@127.0.0.1:5432/postgres
            """)

    @Option(name: .long, help: "The PostgreSQL database (default: $FACET_DATABASE_URL).")
    var database: String?

    @Option(name: .customLong("docs"), help: "Documents imported before the servers start (default 20000).")
    var documents = 20_000

    @Option(help: "Seconds each rate is measured for.")
    var seconds = 5

    @Option(help: "Clients committing at once, spread over the servers.")
    var clients = 8

    @Option(help: "Commits whose arrival on another server is timed.")
    var probes = 200

    @Flag(help: "Open each server's store through its security, as `facet serve` does: every commit is also appended to the audit log, which on PostgreSQL all servers share.")
    var audited = false

    func validate() throws {
        guard (100...2_000_000).contains(documents) else { throw ValidationError("--docs must be between 100 and 2000000") }
        guard (1...600).contains(seconds) else { throw ValidationError("--seconds must be between 1 and 600") }
        guard (1...256).contains(clients) else { throw ValidationError("--clients must be between 1 and 256") }
        guard (10...100_000).contains(probes) else { throw ValidationError("--probes must be between 10 and 100000") }
    }

    func run() async throws {
        guard let url = database ?? ProcessInfo.processInfo.environment["FACET_DATABASE_URL"] else {
            throw CommandFailure("give the PostgreSQL database with --database postgres://… (or FACET_DATABASE_URL)")
        }
        let setting = try LoadBenchSetting(benchmark: "cluster")
        defer { setting.remove() }
        let (wrk, directory) = (setting.wrk, setting.directory)
        let file = directory + "/seed.ndjson"
        let generated = BenchDataset.generate(documents: documents)
        var bytes: [UInt8] = []
        for document in generated {
            document.write(to: &bytes)
            bytes.append(0x0A)
        }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        var random = SplitMix64(seed: 11)
        let ids = (0..<2_000).compactMap { _ in generated[random.next(generated.count)]["_id"]?.stringValue }

        let schemaURL = url + (url.contains("?") ? "&" : "?") + "schema=facet_bench_" + String(UUID().uuidString.prefix(8)).lowercased()
        let kinds: [(name: String, open: @Sendable () throws -> any StorageBackend)] = [
            ("PostgreSQL", { try PostgresBackend(location: PostgresLocation(url: schemaURL)) }),
            ("SQLite", { try SQLiteBackend(directory: directory + "/data") }),
        ]
        defer {
            if let backend = try? PostgresBackend(location: PostgresLocation(url: schemaURL)) {
                try? backend.dropSchema()
                backend.close()
            }
        }
        for kind in kinds {
            print("\(kind.name):")
            let seeding = DocumentStore(backend: try kind.open())
            let dataset = try seeding.dataset("production", create: true)
            let report = try dataset.importNDJSON(path: file, options: ImportOptions(batchSize: 1_000))
            seeding.close()
            let target = kind.name == "SQLite" ? 30_000.0 : 20_000
            let rate = Double(report.imported) / report.seconds
            print("  import of \(report.imported) documents: \(Int(rate)) documents/s  \(rate >= target ? "ok" : "MISSED") (target >= \(Int(target))/s)")
            for count in 1...3 {
                try await measure(servers: count, open: kind.open, wrk: wrk, ids: ids, directory: directory)
            }
        }
    }

    /// Starts `count` servers on one storage and prints what they manage together.
    private func measure(servers count: Int, open: @Sendable () throws -> any StorageBackend, wrk: String, ids: [String],
                         directory: String) async throws
    {
        var logger = Logger(label: "facet-bench")
        logger.logLevel = .critical
        var stores: [DocumentStore] = []
        var tasks: [Task<Void, any Error>] = []
        var ports: [Int] = []
        defer {
            for task in tasks { task.cancel() }
            for store in stores { store.close() }
        }
        // One master key for every server, as a deployment gives them.
        let environment = ["FACET_MASTER_KEY": Data((0..<32).map { UInt8($0) }).base64EncodedString()]
        let policy = audited ? CRMRoles.policy(schema: try CRMSchema.compile()) : nil
        for index in 0..<count {
            let store: DocumentStore
            if let policy {
                let security = try SecuritySystem(directory: directory + "/server-\(index)", backend: try open(), policy: policy, schema: nil,
                                                  environment: environment)
                store = try security.documentStore(validator: nil)
            } else {
                store = DocumentStore(backend: try open())
            }
            _ = try store.dataset("production")
            stores.append(store)
            let api = FacetAPI(store: store)
            let (portStream, portKnown) = AsyncStream.makeStream(of: Int.self)
            let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "Facet"),
                                  onServerRunning: { portKnown.yield($0.localAddress?.port ?? 0) }, logger: logger)
            let group = api.serviceGroup(running: app, stopsOnSignals: false, drainTimeLimit: .seconds(1), logger: logger)
            tasks.append(Task { try await group.run() })
            guard let port = await portStream.first(where: { _ in true }), port > 0 else { throw CommandFailure("a server did not start") }
            ports.append(port)
        }
        let (seconds, clients, serving) = (seconds, clients, ports)
        let commits = try await BenchTiming.offThread { try Self.commitRate(ports: serving, clients: clients, seconds: seconds) }
        let script = try ServerBenchCommand.script(for: .init(name: "_id lookup", query: "*[_id == $id][0]", variesID: true), ids: ids,
                                                   in: directory)
        let queries = try await BenchTiming.offThread {
            let results = Mutex<[Double]>([])
            DispatchQueue.concurrentPerform(iterations: serving.count) { index in
                let result = try? ServerBenchCommand.drive(wrk, port: serving[index], script: script, threads: 1,
                                                           connections: max(2, 16 / serving.count), seconds: seconds)
                results.withLock { $0.append(result?.requestsPerSecond ?? 0) }
            }
            return results.withLock { $0.reduce(0, +) }
        }
        var line = "  \(count) server\(count == 1 ? " " : "s"): \(String(format: "%7.0f", commits)) commits/s, \(String(format: "%7.0f", queries)) _id queries/s"
        if count > 1 {
            let probes = probes
            let query = try await BenchTiming.offThread { try Self.delays(from: serving[0], to: serving[1], probes: probes, listener: false) }
            let listener = try await BenchTiming.offThread { try Self.delays(from: serving[0], to: serving[1], probes: probes, listener: true) }
            line += String(format: "; commit on one, seen on another by a query p50 %.1f ms p99 %.1f ms, by a listener p50 %.1f ms p99 %.1f ms",
                           query.p50, query.p99, listener.p50, listener.p99)
        }
        print(line)
    }

    /// Commits per second from `clients` threads, each writing its own documents on the
    /// servers in turn.
    private static func commitRate(ports: [Int], clients: Int, seconds: Int) throws -> Double {
        let committed = Atomic<Int>(0)
        let failure = Mutex<String?>(nil)
        let deadline = DispatchTime.now() + .seconds(seconds)
        DispatchQueue.concurrentPerform(iterations: clients) { client in
            do {
                let http = try LoopbackHTTPClient(port: ports[client % ports.count])
                var n = 0
                while DispatchTime.now() < deadline {
                    let body = #"{"mutations": [{"createOrReplace": {"_id": "note-\#(client)-\#(n % 100)", "_type": "benchNote", "n": \#(n)}}]}"#
                    let answer = try http.request("POST", "/v1/data/mutate/production", headers: ["Content-Type": "application/json"], body: body)
                    guard answer.status == 200 else { throw CommandFailure("a commit answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))") }
                    committed.add(1, ordering: .relaxed)
                    n += 1
                }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        if let failure = failure.withLock({ $0 }) { throw CommandFailure(failure) }
        return Double(committed.load(ordering: .relaxed)) / Double(seconds)
    }

    /// How long after a commit on `from` is acknowledged a query (or a listener) on `to` sees
    /// it, in milliseconds: p50 and p99 of `probes` commits.
    private static func delays(from: Int, to: Int, probes: Int, listener: Bool) throws -> (p50: Double, p99: Double) {
        let writer = try LoopbackHTTPClient(port: from)
        let reader = try LoopbackHTTPClient(port: to)
        let probe = "probe-" + (listener ? "listen" : "query")
        if listener {
            let filter = ServerBenchCommand.escape("*[_id == \"\(probe)\"]")
            try reader.startStream("/v1/data/listen/production?query=\(filter)&includeResult=false")
            try reader.await("event: welcome")
        }
        var delays: [Double] = []
        for n in 1...probes {
            let body = #"{"mutations": [{"createOrReplace": {"_id": "\#(probe)", "_type": "benchNote", "n": \#(n)}}]}"#
            guard try writer.request("POST", "/v1/data/mutate/production", headers: ["Content-Type": "application/json"], body: body).status == 200 else {
                throw CommandFailure("a probe commit failed")
            }
            let acknowledged = DispatchTime.now()
            if listener {
                try reader.await("event: mutation")
            } else {
                let path = "/v1/data/query/production?query=" + ServerBenchCommand.escape("*[_id == \"\(probe)\"][0].n") + "&returnQuery=false"
                while (try? JSONValue(parsing: try reader.request("GET", path).body))?["result"] != .number(Double(n)) {}
            }
            delays.append(BenchTiming.milliseconds(since: acknowledged))
        }
        delays.sort()
        return (delays[delays.count / 2], delays[min(delays.count - 1, delays.count * 99 / 100)])
    }
}
