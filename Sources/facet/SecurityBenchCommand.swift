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
/// (whose view hides types and fields), and reports the server's CPU time per request and the
/// rate, each round's secured figure against the plain one just before it.
///
/// Over loopback on a small machine those figures swing with the scheduler by more than security
/// costs, so the same lookups are then answered by each router in process, with no sockets, in
/// alternating batches: what security adds there, divided by the CPU time of a whole plain
/// request over HTTP, is its share of the request time. Last, the parts are timed alone.
struct SecurityBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security",
        abstract: "Benchmark the cost security adds to an _id lookup (tokens, policy, redaction, encryption).",
        discussion: """
            Needs wrk (Debian: apt-get install wrk). Build with `swift build -c release` first. Defaults: --docs 50000 \
            in each store, --seconds 5 per measurement.

            Example:
              swift build -c release --product facet && .build/release/facet bench security --docs 50000 --rounds 3
            """)

    /// `--docs` seeded in each store (default 50000), `--connections` (32), `--seconds` per
    /// measurement (5).
    @OptionGroup var load: HTTPLoadOptions
    var docs: Int { load.docs(default: 50_000) }
    var connections: Int { load.connections }
    var seconds: Int { load.seconds(default: 5) }

    @Option(help: "Rounds; each measures every configuration once, and the median is reported.")
    var rounds = 3

    @Flag(inversion: .prefixedNo, help: "Run the server and wrk on separate cores (halves the rate, steadies the CPU figures).")
    var splitCores = true

    func validate() throws {
        try load.check(docs: docs, within: 100...1_000_000, seconds: seconds, within: 1...600)
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be between 1 and 20") }
    }

    func run() async throws {
        let setting = try LoadBenchSetting(benchmark: "security", subdirectory: "secure")
        defer { setting.remove() }
        let (wrk, directory) = (setting.wrk, setting.directory)

        let schema = try CRMSchema.compile()
        let plainStore = try DocumentStore(directory: directory + "/plain")
        defer { plainStore.close() }
        let ids = try ServerBenchCommand.seed(docs: docs, into: plainStore, directory: directory)
        let security = try SecuritySystem(directory: directory + "/secure", policy: CRMRoles.policy(schema: schema), schema: schema,
                                          environment: [:])
        let secureStore = try security.documentStore(validator: nil)
        defer { secureStore.close() }
        _ = try ServerBenchCommand.seed(docs: docs, into: secureStore, directory: directory)
        security.threats.policy = .measuringOnly
        let manager = try security.identities.createToken(name: "bench-manager", role: .manager, by: .system()).secret
        let support = try security.identities.createToken(name: "bench-support", role: .support, by: .system()).secret

        let plain = FacetAPI(store: plainStore)
        let secured = FacetAPI(store: secureStore, schema: schema, access: TokenAccess(security: security), security: security)
        let scenario = ServerBenchCommand.scenarios[0]
        let (connections, seconds, rounds) = (connections, seconds, rounds)
        let split = splitCores ? ServerBenchCommand.CoreSplit.apply() : nil
        try await ServerBenchCommand.serving(plain) { plainPort in
            try await ServerBenchCommand.serving(secured) { securePort in
                let runs: [(name: String, port: Int, script: String)] = [
                    ("no security", plainPort, try ServerBenchCommand.script(for: scenario, ids: ids, in: directory)),
                    ("secured, manager (sees all)", securePort, try ServerBenchCommand.script(for: scenario, ids: ids, in: directory, bearer: manager)),
                    ("secured, support (restricted)", securePort, try ServerBenchCommand.script(for: scenario, ids: ids, in: directory, bearer: support)),
                ]
                print("_id lookups (\(scenario.query)), wrk -t2 -c\(connections) -d\(seconds)s, \(rounds) alternating rounds"
                    + (split.map { ", server on cores \($0.serverCores), wrk on \($0.loadCores)" } ?? "") + "\n")
                for run in runs {
                    _ = try ServerBenchCommand.drive(wrk, port: run.port, script: run.script, threads: 2, connections: connections, seconds: 2, cores: split)
                }
                var measured = Array(repeating: [ServerBenchCommand.Result](), count: runs.count)
                for _ in 0..<rounds {
                    for (index, run) in runs.enumerated() {
                        measured[index].append(try ServerBenchCommand.drive(wrk, port: run.port, script: run.script, threads: 2,
                                                                            connections: connections, seconds: seconds, cores: split))
                    }
                }
                let medians = measured.map { results in results.sorted { $0.requestsPerSecond < $1.requestsPerSecond }[results.count / 2] }
                // The server's CPU time per request is the cost measure (it barely moves when other
                // work shares the machine); the rate is shown beside it, as clients see it.
                let cpu = measured.map { results in results.map(\.cpuPerRequest).sorted()[results.count / 2] }
                // Each round's secured figure is compared with the plain one measured just before
                // it, so that a slow minute on the machine moves both sides of the ratio.
                func pairedCost(_ index: Int, _ figure: (ServerBenchCommand.Result) -> Double) -> Double {
                    let ratios = zip(measured[index], measured[0]).map { figure($0) / figure($1) - 1 }.sorted()
                    return ratios[ratios.count / 2] * 100
                }
                for (index, (run, result)) in zip(runs, medians).enumerated() {
                    let failed = measured[index].reduce(0) { $0 + $1.failures }
                    print("  \(run.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(String(format: "%9.0f", result.requestsPerSecond)) requests/s"
                        + "   p50 \(result.p50.padding(toLength: 9, withPad: " ", startingAt: 0)) p99 \(result.p99.padding(toLength: 9, withPad: " ", startingAt: 0))"
                        + String(format: "   %6.1f µs server CPU/request", cpu[index])
                        + (index == 0 ? "" : String(format: "   cost %+.1f%% CPU, %+.1f%% rate", pairedCost(index, \.cpuPerRequest),
                                                    -pairedCost(index, \.requestsPerSecond)))
                        + (failed > 0 ? "   \(failed) NOT 2xx" : ""))
                }
                // One client at a time: the request time a client waits for, without queueing.
                var single = Array(repeating: [Double](), count: runs.count)
                for _ in 0..<max(3, rounds) {
                    for (index, run) in runs.enumerated() {
                        let result = try ServerBenchCommand.drive(wrk, port: run.port, script: run.script, threads: 1, connections: 1,
                                                                  seconds: seconds, cores: split)
                        single[index].append(1e6 / max(result.requestsPerSecond, 1))
                    }
                }
                print("\none client at a time (wrk -t1 -c1), mean request time:")
                for (index, run) in runs.enumerated() {
                    let median = single[index].sorted()[single[index].count / 2]
                    let ratios = zip(single[index], single[0]).map { $0 / $1 - 1 }.sorted()
                    print("  \(run.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", median)) µs"
                        + (index == 0 ? "" : String(format: "   cost %+.1f%%", ratios[ratios.count / 2] * 100)))
                }
                // Over loopback, the rates and CPU of a two-core machine swing with the scheduler
                // by more than security costs; in process, the cost stands out. Its share of a
                // request is what it adds there over what a whole plain request costs here.
                let added = try await timeInProcess(plain: plain, secured: secured, ids: ids, manager: manager, support: support,
                                                    rounds: max(9, rounds * 3))
                print("\nsecurity's share of an _id lookup's request time (added in process ÷ a plain request's \(String(format: "%.1f", cpu[0])) µs of server CPU):")
                for (index, run) in runs.enumerated().dropFirst() {
                    print("  \(run.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(String(format: "%+6.1f%%", added[index] / cpu[0] * 100))")
                }
            }
        }
        try await timeParts(security: security, store: secureStore, manager: manager, support: support)
    }

    /// The same lookups answered by each router in this process (no sockets): the application's
    /// own work per request, in alternating batches, each secured batch compared with the plain
    /// one just before it.
    private func timeInProcess(plain: FacetAPI, secured: FacetAPI, ids: [String], manager: String, support: String,
                               rounds: Int) async throws -> [Double]
    {
        let base = "/v1/data/query/production?query=" + ServerBenchCommand.escape("*[_id == $id][0]") + "&returnQuery=false&%24id="
        let targets = ids.map { base + ServerBenchCommand.escape("\"" + $0 + "\"") }
        let runs: [(name: String, requests: InProcessRequests, bearer: String?)] = [
            ("no security", InProcessRequests(api: plain), nil),
            ("secured, manager (sees all)", InProcessRequests(api: secured), manager),
            ("secured, support (restricted)", InProcessRequests(api: secured), support),
        ]
        let batch = 2_000
        var perRequest = Array(repeating: [Double](), count: runs.count)
        var next = 0
        for round in -1..<rounds {
            for (index, run) in runs.enumerated() {
                let started = ContinuousClock.now
                for _ in 0..<batch {
                    let status = try await run.requests.get(targets[next % targets.count], bearer: run.bearer)
                    guard status == .ok else { throw CommandFailure("an in-process lookup answered \(status.code)") }
                    next += 1
                }
                let elapsed = ContinuousClock.now - started
                // The first round warms caches and is not counted.
                if round >= 0 { perRequest[index].append(elapsed / .microseconds(1) / Double(batch)) }
            }
        }
        print("\nthe same lookups answered in process (router only, no sockets), \(rounds) alternating rounds of \(batch):")
        var added: [Double] = []
        for (index, run) in runs.enumerated() {
            let median = perRequest[index].sorted()[rounds / 2]
            // Each secured batch against the plain batch just before it.
            let differences = zip(perRequest[index], perRequest[0]).map { $0 - $1 }.sorted()
            added.append(differences[rounds / 2])
            print("  \(run.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", median)) µs/request"
                + (index == 0 ? "" : String(format: "   %+.1f µs (%+.1f%%)", added[index], added[index] / perRequest[0].sorted()[rounds / 2] * 100)))
        }
        return added
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

extension ThreatPolicy {
    /// Every check runs, nothing is refused: a load generator is one address sending
    /// machine-regular requests, which a real policy would rightly slow down.
    static var measuringOnly: ThreatPolicy {
        var policy = ThreatPolicy()
        policy.addressLimit = RateLimit(perSecond: 1e9, burst: 1_000_000_000)
        policy.identityLimit = policy.addressLimit
        for kind in AutomationClass.allCases { policy.automation[kind] = .flag }
        return policy
    }
}
