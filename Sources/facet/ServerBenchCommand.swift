import ArgumentParser
import FacetServer
import FacetStore
import Foundation
import GROQ
import Hummingbird
import Logging
import SchemaTypes

/// `facet bench server`: the HTTP query path under load, measured from outside with `wrk`.
///
/// Seeds a temporary store with the CRM demo, starts the server in this process on a free
/// loopback port, and drives `GET /v1/data/query/production` from `wrk` with many keep-alive
/// connections, for an indexed `_id` lookup and for a `_type` filter ordered and sliced.
struct ServerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Benchmark the HTTP query endpoint under load and print requests/s and p50/p99 latency.",
        discussion: """
            Needs wrk (Debian: apt-get install wrk). Build with `swift build -c release` first: debug builds are \
            many times slower. The load generator shares the machine with the server, as a client on the same host would. \
            Defaults: --docs 100000, --seconds 10 per query.

            Example:
              swift build -c release --product facet && .build/release/facet bench server --docs 100000 --connections 32 --seconds 10
            """)

    /// `--docs` (default 100000), `--connections` (32), `--seconds` per query (10).
    @OptionGroup var load: HTTPLoadOptions
    var docs: Int { load.docs(default: 100_000) }
    var connections: Int { load.connections }
    var seconds: Int { load.seconds(default: 10) }

    @Option(help: "Load generator threads.")
    var threads = 2

    func validate() throws {
        try load.check(docs: docs, within: 100...2_000_000, seconds: seconds, within: 1...3600)
        guard (1...64).contains(threads), threads <= connections else { throw ValidationError("--threads must be between 1 and 64, and at most --connections") }
    }

    /// What is driven: a name, the query, and whether its `$id` varies per request.
    struct Scenario {
        let name: String
        let query: String
        let variesID: Bool
    }

    static let scenarios = [
        Scenario(name: "_id lookup", query: "*[_id == $id][0]", variesID: true),
        Scenario(name: "_type filter, order, [0...20]", query: #"*[_type == "customer"] | order(lifetimeValue desc)[0...20]"#, variesID: false),
    ]

    func run() async throws {
        let setting = try LoadBenchSetting(benchmark: "server")
        defer { setting.remove() }
        let (wrk, directory) = (setting.wrk, setting.directory)

        let store = try DocumentStore(directory: directory + "/data")
        let ids = try Self.seed(docs: docs, into: store, directory: directory)
        defer { store.close() }

        var configuration = ServerConfiguration()
        configuration.port = 0
        let api = FacetAPI(store: store, configuration: configuration)
        let (threads, connections, seconds, slots) = (threads, connections, seconds, configuration.maxConcurrentQueries)
        try await Self.serving(api) { port in
            print("server on 127.0.0.1:\(port), \(slots) query slots; wrk -t\(threads) -c\(connections) -d\(seconds)s\n")
            for scenario in Self.scenarios {
                let script = try Self.script(for: scenario, ids: ids, in: directory)
                _ = try Self.drive(wrk, port: port, script: script, threads: threads, connections: connections, seconds: 2)
                let result = try Self.drive(wrk, port: port, script: script, threads: threads, connections: connections, seconds: seconds)
                print(result.line(for: scenario))
            }
        }
    }

    /// Runs `api` on a free loopback port in this process while `body` runs with the port.
    static func serving(_ api: FacetAPI, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        var logger = Logger(label: "facet-bench")
        // No line per request.
        logger.logLevel = .critical
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: api.router(),
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: "Facet"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let server = BackgroundServer(app)
        var ports = portStream.makeAsyncIterator()
        guard let port = await ports.next(), port > 0 else {
            await server.stop()
            throw CommandFailure("the server did not start")
        }
        try await server.stop(after: { try await body(port) })
    }

    /// Imports about `docs` documents of the CRM demo into `store`'s `production` (through a file
    /// in `directory`), and returns a sample of their ids to look up.
    static func seed(docs: Int, into store: DocumentStore, directory: String) throws -> [String] {
        let started = Date()
        let customers = max(1, docs * 12 / 100)
        let demo: CRMDemo
        do { demo = try CRMDemo(customers: min(customers, CRMDemo.customerLimit.upperBound), seed: 1) } catch {
            throw CommandFailure(error.description)
        }
        let documents = demo.generate().finalDocuments()
        let file = directory + "/seed.ndjson"
        var bytes: [UInt8] = []
        for document in documents {
            document.write(to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let dataset = try store.dataset("production", create: true)
        let report = try dataset.importNDJSON(path: file, options: ImportOptions(batchSize: 5_000))
        dataset.compact()
        try? FileManager.default.removeItem(atPath: file)
        print("seeded \(report.imported) CRM demo documents (\(customers) customers) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        var random = SplitMix64(seed: 7)
        let ids = (0..<10_000).compactMap { _ in documents[random.next(documents.count)]["_id"]?.stringValue }
        return ids
    }

    /// A wrk script that sends the scenario's query, with a random id of the sample when it varies.
    static func script(for scenario: Scenario, ids: [String], in directory: String, bearer: String? = nil) throws -> String {
        let path = "\(directory)/\(scenario.variesID ? "lookup" : "filter")-\(UUID().uuidString).lua"
        let base = "/v1/data/query/production?query=" + escape(scenario.query) + "&returnQuery=false"
        var lua = "local base = \"\(base)\"\n"
        // What a client library sends; without it the threat checks rightly note every request.
        lua += "wrk.headers[\"User-Agent\"] = \"facet-bench/1.0 (+https://facet.example/bench)\"\n"
        if let bearer { lua += "wrk.headers[\"Authorization\"] = \"Bearer \(bearer)\"\n" }
        if scenario.variesID {
            lua += "local ids = {\n" + ids.map { "\"\(escape("\"" + $0 + "\""))\"" }.joined(separator: ",\n") + "\n}\n"
            lua += """
                request = function()
                  return wrk.format("GET", base .. "&%24id=" .. ids[math.random(#ids)])
                end

                """
        } else {
            lua += "request = function()\n  return wrk.format(\"GET\", base)\nend\n"
        }
        try lua.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }

    /// What wrk measured.
    struct Result {
        var requestsPerSecond = 0.0
        var p50 = "?"
        var p99 = "?"
        var requests = 0
        var failures = 0
        /// CPU time this process (the server) spent per request while wrk ran, in µs. Unlike the
        /// rate, it hardly moves when other work shares the machine, so it is what costs are
        /// compared by.
        var cpuPerRequest = 0.0

        func line(for scenario: Scenario) -> String {
            let failed = failures > 0 ? "  \(failures) NOT 2xx" : ""
            return "  \(scenario.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(String(format: "%9.0f", requestsPerSecond)) requests/s"
                + "   p50 \(p50.padding(toLength: 9, withPad: " ", startingAt: 0)) p99 \(p99.padding(toLength: 9, withPad: " ", startingAt: 0))"
                + String(format: "  %.0f µs CPU/request", cpuPerRequest) + "  (\(requests) requests)\(failed)   \(scenario.query)"
        }
    }

    /// Runs wrk against `port`; with `cores`, wrk runs on those cores only (see ``CoreSplit``).
    static func drive(_ wrk: String, port: Int, script: String, threads: Int, connections: Int, seconds: Int,
                      cores split: CoreSplit? = nil) throws -> Result
    {
        let process = Process()
        let arguments = ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, "http://127.0.0.1:\(port)"]
        if let split {
            process.executableURL = URL(fileURLWithPath: split.taskset)
            process.arguments = ["-c", split.loadCores, wrk] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: wrk)
            process.arguments = arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let cpuBefore = processCPUSeconds()
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let cpu = processCPUSeconds() - cpuBefore
        guard process.terminationStatus == 0 else { throw CommandFailure("wrk failed:\n\(output)") }
        var result = Result()
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            switch first {
            case "Requests/sec:": result.requestsPerSecond = fields.count > 1 ? Double(fields[1]) ?? 0 : 0
            case "50%": result.p50 = fields.count > 1 ? String(fields[1]) : "?"
            case "99%": result.p99 = fields.count > 1 ? String(fields[1]) : "?"
            case "Non-2xx": result.failures = fields.last.flatMap { Int($0) } ?? 0
            default:
                if fields.count > 2, fields[1] == "requests", fields[2] == "in" { result.requests = Int(first) ?? 0 }
            }
        }
        if result.requests > 0 { result.cpuPerRequest = cpu * 1e6 / Double(result.requests) }
        return result
    }

    #if canImport(Glibc)
    private static let RUSAGE_SELF_WHO = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    private static let RUSAGE_SELF_WHO = RUSAGE_SELF
    #endif

    /// User and system CPU time of this process so far, in seconds.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF_WHO, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    /// Server and load generator on separate cores, so that they do not compete for one: the
    /// server's CPU time per request then measures its own work, not the scheduler's.
    struct CoreSplit {
        let taskset: String
        let serverCores: String
        let loadCores: String

        /// Moves every thread of this process (and those it starts later) to the server's cores;
        /// `nil` when the machine has one core or `taskset` is missing.
        static func apply() -> CoreSplit? {
            let count = ProcessInfo.processInfo.activeProcessorCount
            guard count >= 2, let taskset = executable("taskset") else { return nil }
            let half = count / 2
            let split = CoreSplit(taskset: taskset, serverCores: "0-\(half - 1)", loadCores: "\(half)-\(count - 1)")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: taskset)
            process.arguments = ["-a", "-p", "-c", split.serverCores, String(ProcessInfo.processInfo.processIdentifier)]
            process.standardOutput = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            process.waitUntilExit()
            return process.terminationStatus == 0 ? split : nil
        }
    }

    /// The full path of `name` on `PATH`, if it is there.
    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
