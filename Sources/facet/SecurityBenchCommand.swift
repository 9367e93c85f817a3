import ArgumentParser
import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig

/// `facet bench security`: what security costs an `_id` lookup over HTTP.
///
/// Two servers run side by side in this process on copies of the same CRM demo: one without
/// security (loopback access, fields stored in the clear) and one as `facet serve` runs it
/// (bearer tokens, the role's policy and view, sealed fields, threat checks). `wrk` drives the
/// same lookups at each in alternating rounds, as a manager (who sees everything) and as support
/// (whose view hides types and fields); the cost is the drop in requests per second, as a ratio
/// measured in the same run. The parts are then timed alone, in process.
struct SecurityBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security",
        abstract: "Benchmark the cost security adds to an _id lookup (tokens, policy, redaction, encryption).",
        discussion: """
            Needs wrk (Debian: apt-get install wrk). Build with `swift build -c release` first.

            Example:
              swift build -c release --product facet && .build/release/facet bench security --docs 50000 --rounds 3
            """)

    @Option(help: "About how many documents to seed in each store (the CRM demo).")
    var docs = 50_000

    @Option(help: "Concurrent keep-alive connections.")
    var connections = 32

    @Option(help: "Seconds per measurement.")
    var seconds = 5

    @Option(help: "Rounds; each measures every configuration once, and the median is reported.")
    var rounds = 3

    func validate() throws {
        guard (100...1_000_000).contains(docs) else { throw ValidationError("--docs must be between 100 and 1000000") }
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be between 1 and 10000") }
        guard (1...600).contains(seconds) else { throw ValidationError("--seconds must be between 1 and 600") }
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be between 1 and 20") }
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release --product facet && .build/release/facet bench security` for real figures\n")
        #endif
        guard let wrk = ServerBenchCommand.executable("wrk") else {
            throw CommandFailure("wrk is not installed: install it (Debian: apt-get install wrk) and run the benchmark again")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-bench-security-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/secure", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let schema = try CRMSchema.compile()
        let plainStore = try DocumentStore(directory: directory + "/plain")
        defer { plainStore.close() }
        let ids = try ServerBenchCommand.seed(docs: docs, into: plainStore, directory: directory)
        let security = try SecuritySystem(directory: directory + "/secure", policy: CRMRoles.policy(schema: schema), schema: schema,
                                          environment: [:])
        let secureStore = try security.documentStore(validator: nil)
        defer { secureStore.close() }
        _ = try ServerBenchCommand.seed(docs: docs, into: secureStore, directory: directory)
        // The checks all run, but nothing is refused: the load generator is one address sending
        // machine-regular requests, which a real policy would rightly slow down.
        var policy = ThreatPolicy()
        policy.addressLimit = RateLimit(perSecond: 1e9, burst: 1_000_000_000)
        policy.identityLimit = policy.addressLimit
        for kind in AutomationClass.allCases { policy.automation[kind] = .flag }
        security.threats.policy = policy
        let manager = try security.identities.createToken(name: "bench-manager", role: .manager, by: .system()).secret
        let support = try security.identities.createToken(name: "bench-support", role: .support, by: .system()).secret

        let plain = FacetAPI(store: plainStore)
        let secured = FacetAPI(store: secureStore, schema: schema, access: TokenAccess(security: security), security: security)
        let scenario = ServerBenchCommand.scenarios[0]
        let (connections, seconds, rounds) = (connections, seconds, rounds)
        try await ServerBenchCommand.serving(plain) { plainPort in
            try await ServerBenchCommand.serving(secured) { securePort in
                let runs: [(name: String, port: Int, script: String)] = [
                    ("no security", plainPort, try ServerBenchCommand.script(for: scenario, ids: ids, in: directory)),
                    ("secured, manager (sees all)", securePort, try ServerBenchCommand.script(for: scenario, ids: ids, in: directory, bearer: manager)),
                    ("secured, support (restricted)", securePort, try ServerBenchCommand.script(for: scenario, ids: ids, in: directory, bearer: support)),
                ]
                print("_id lookups (\(scenario.query)), wrk -t2 -c\(connections) -d\(seconds)s, \(rounds) alternating rounds\n")
                for run in runs { _ = try ServerBenchCommand.drive(wrk, port: run.port, script: run.script, threads: 2, connections: connections, seconds: 2) }
                var measured = Array(repeating: [ServerBenchCommand.Result](), count: runs.count)
                for _ in 0..<rounds {
                    for (index, run) in runs.enumerated() {
                        measured[index].append(try ServerBenchCommand.drive(wrk, port: run.port, script: run.script, threads: 2,
                                                                            connections: connections, seconds: seconds))
                    }
                }
                let medians = measured.map { results in results.sorted { $0.requestsPerSecond < $1.requestsPerSecond }[results.count / 2] }
                // The server's CPU time per request is the cost measure (it barely moves when other
                // work shares the machine); the rate is shown beside it, as clients see it.
                let cpu = measured.map { results in results.map(\.cpuPerRequest).sorted()[results.count / 2] }
                for (index, (run, result)) in zip(runs, medians).enumerated() {
                    let failed = measured[index].reduce(0) { $0 + $1.failures }
                    print("  \(run.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(String(format: "%9.0f", result.requestsPerSecond)) requests/s"
                        + "   p50 \(result.p50.padding(toLength: 9, withPad: " ", startingAt: 0)) p99 \(result.p99.padding(toLength: 9, withPad: " ", startingAt: 0))"
                        + String(format: "   %6.1f µs server CPU/request", cpu[index])
                        + (run.port == plainPort ? "" : String(format: "   cost %+.1f%% CPU, %+.1f%% rate", (cpu[index] / cpu[0] - 1) * 100,
                                                               (1 - result.requestsPerSecond / medians[0].requestsPerSecond) * 100))
                        + (failed > 0 ? "   \(failed) NOT 2xx" : ""))
                }
            }
        }
        try await timeParts(security: security, store: secureStore, manager: manager, support: support)
    }

    /// Each part alone, in process: how long one request spends in it.
    private func timeParts(security: SecuritySystem, store: DocumentStore, manager: String, support: String) async throws {
        print("\nparts, timed alone (per call):")
        let dataset = try store.dataset("production")
        let customers = dataset.snapshot.source(.raw).documents(ofType: "customer") ?? []
        guard !customers.isEmpty else { return }
        func time(_ label: String, _ count: Int, _ body: () throws -> Void) rethrows {
            let started = ContinuousClock.now
            for _ in 0..<count { try body() }
            let elapsed = ContinuousClock.now - started
            let micros = (Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12) / Double(count)
            print("  \(label.padding(toLength: 48, withPad: " ", startingAt: 0)) \(String(format: "%8.2f", micros)) µs")
        }
        let started = ContinuousClock.now
        var verified = 0
        while ContinuousClock.now - started < .seconds(1) {
            _ = try await security.sessions.principal(forBearer: manager)
            verified += 1
        }
        var index = 0
        print("  \("bearer token check (repeated token)".padding(toLength: 48, withPad: " ", startingAt: 0)) \(String(format: "%8.2f", 1e6 / Double(verified))) µs")
        let browser = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        index = 0
        time("threat checks of one query request", 100_000) {
            let signals = RequestSignals(method: "GET", path: "/v1/data/query/production", address: "10.0.\(index % 200).\(index % 7)",
                                         userAgent: browser, credential: "Bearer " + manager,
                                         parameters: [("query", "*[_id == $id][0]"), ("$id", "\"\(customers[index % customers.count]["_id"]?.stringValue ?? "")\"")])
            _ = security.threats.assess(signals); index += 1
        }
        let principal = try await security.sessions.principal(forBearer: support)
        let visibility = try require(security.policy.visibility(for: principal))
        index = 0
        time("role view of one customer (support: redaction)", 200_000) {
            _ = visibility.present(customers[index % customers.count]); index += 1
        }
        let sealed = try customers.prefix(2_000).map { try security.encryption.seal($0, dataset: "production") }
        index = 0
        try time("seal one customer (AES-256-GCM, 4 fields)", 20_000) {
            _ = try security.encryption.seal(customers[index % sealed.count], dataset: "production"); index += 1
        }
        index = 0
        try time("open one sealed customer", 20_000) {
            _ = try security.encryption.unseal(sealed[index % sealed.count], dataset: "production"); index += 1
        }
    }
}

/// `#require` for a command: the value, or a failure naming what was missing.
private func `require`<Value>(_ value: Value?) throws -> Value {
    guard let value else { throw CommandFailure("the benchmark could not prepare what it measures") }
    return value
}
