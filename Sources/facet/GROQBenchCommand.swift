import ArgumentParser
import Foundation
import GROQ

/// `facet bench groq`: times the GROQ engine over generated CRM-shaped datasets.
struct GROQBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groq",
        abstract: "Benchmark GROQ queries over generated CRM datasets and print documents/s and ms/query.",
        discussion: "Build with `swift build -c release` first: debug builds are many times slower."
    )

    @Option(name: .customLong("docs"), help: "Dataset size; repeat for several sizes (default: 10000 and 100000).")
    var sizes: [Int] = []

    @Option(help: "Timed runs per query (the median is reported).")
    var runs: Int = 7

    @Option(help: "Only run the queries whose name contains this text.")
    var only: String?

    @Option(name: .customLong("query"), help: "Time this query too (repeatable).")
    var extraQueries: [String] = []

    func validate() throws {
        guard sizes.allSatisfy({ $0 > 0 && $0 <= 5_000_000 }) else {
            throw ValidationError("--docs must be between 1 and 5000000")
        }
        guard runs > 0 && runs <= 1000 else { throw ValidationError("--runs must be between 1 and 1000") }
    }

    static let queries: [(name: String, query: String)] = [
        ("type filter + field comparison", #"*[_type == "customer" && lifetimeValue > 25000]"#),
        ("range + defined, no type", #"*[lifetimeValue > 25000 && defined(email)]"#),
        ("same, ordered, top 20", #"*[_type == "customer" && lifetimeValue > 25000] | order(lifetimeValue desc)[0...20]"#),
        ("projection with -> per document", #"*[_type == "order"]{_id, total, "customer": customer->name}"#),
        ("count() over a filter", #"count(*[_type == "order" && status == "paid"])"#),
        ("match text search", #"*[_type == "customer" && name match "ann*"]{_id, name}"#),
        ("references() join", #"*[_type == "order" && references("customer-00000042")]{_id, total}"#),
        ("correlated references(^._id), 200 rows", #"*[_type == "customer"][0...200]{name, "orders": count(*[_type == "order" && references(^._id)])}"#),
        ("correlated _ref == ^._id, 200 rows", #"*[_type == "customer"][0...200]{name, "orders": *[_type == "order" && customer._ref == ^._id]{total}}"#),
        ("correlated count + sum per customer", #"*[_type == "customer"]{name, "n": count(*[_type == "order" && customer._ref == ^._id]), "sum": math::sum(*[_type == "order" && customer._ref == ^._id].total)}"#),
        ("five field counts in one object", #"{"a": count(*[_type == "order" && status == "paid"]), "b": count(*[_type == "order" && status == "pending"]), "c": count(*[_type == "order" && status == "refunded"]), "d": count(*[_type == "customer" && tier == "gold"]), "e": count(*[_type == "customer" && tier == "silver"])}"#),
    ]

    /// Two field conditions with no type: timed over a source without indexes, where every
    /// document is tested, and over the indexed dataset, where a value and a range index answer.
    static let scanQuery = #"*[lifetimeValue > 25000 && address.country == "FR"]"#

    func run() throws {
        let sizes = self.sizes.isEmpty ? [10_000, 100_000] : self.sizes
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release && .build/release/facet bench groq` for real figures\n")
        #endif
        for size in sizes {
            let generated = BenchDataset.generate(documents: size)
            let started = DispatchTime.now()
            let dataset = InMemoryDataset(generated)
            let indexMs = milliseconds(since: started)
            print("dataset: \(size) documents (\(generated.count { $0["_type"]?.stringValue == "customer" }) customers), indexed in \(format(indexMs)) ms")
            print("memory: \(ProcessMemory.current.description)")

            let scan = try GROQQuery(Self.scanQuery)
            let scanning = ScanningSource(documents: dataset.documents)
            let scanMs = try median { try scan.evaluate(in: scanning) }
            let docsPerSecond = Double(size) / (scanMs / 1000)
            print("  full scan, no index     \(format(scanMs)) ms   \(format(docsPerSecond / 1e6)) M documents/s   \(Self.scanQuery)")
            let indexedScanMs = try median { try scan.evaluate(in: dataset) }
            print("  same, from indexes      \(format(indexedScanMs)) ms")

            let extra = extraQueries.enumerated().map { (name: "your query \($0.offset + 1)", query: $0.element) }
            for (name, text) in Self.queries + extra where only.map({ name.contains($0) }) ?? true {
                let parseStart = DispatchTime.now()
                let query = try GROQQuery(text)
                let parseMs = milliseconds(since: parseStart)
                let ms = try median { try query.evaluate(in: dataset) }
                let resultSize = try query.evaluate(in: dataset).arrayValue?.count ?? 1
                let rate = Double(size) / (ms / 1000)
                let verdict = ms < 50 ? "ok" : "SLOW (target < 50 ms)"
                print("  \(name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(format(ms)) ms  \(format(rate / 1e6)) M docs/s  parse \(format(parseMs)) ms  results \(resultSize)  \(verdict)")
                let profile = QueryProfile()
                _ = try query.evaluate(in: dataset, options: EvaluationOptions(profile: profile))
                print("      plan: " + Self.planSummary(profile))
            }
            if size <= 20_000 {
                try compareWithScanning(dataset)
            }
            print("")
        }
    }

    /// The same joins over a source without indexes, where `->` and `references()` must scan, as
    /// the reference JavaScript implementation does: the ratio is what the indexes buy.
    private func compareWithScanning(_ dataset: InMemoryDataset) throws {
        let scanning = ScanningSource(documents: dataset.documents)
        for (name, text) in Self.queries where name.contains("->") || name.contains("references") || name.contains("200 rows") {
            let query = try GROQQuery(text)
            guard try query.evaluate(in: scanning) == query.evaluate(in: dataset) else {
                throw CommandFailure("\(name): the indexed and the scanning evaluation disagree")
            }
            let indexed = try median { try query.evaluate(in: dataset) }
            let scanned = try median { try query.evaluate(in: scanning) }
            print("  \(name.padding(toLength: 32, withPad: " ", startingAt: 0)) indexed \(format(indexed)) ms, scanning \(format(scanned)) ms: \(String(format: "%.0f", scanned / max(indexed, 0.001)))x faster")
        }
    }

    /// `type index ×1 → 20000 rows; value indexes ×200 → 800 rows; scan ×1 …`: which index each
    /// step of the plan read, how often it ran, and the rows it kept.
    static func planSummary(_ profile: QueryProfile) -> String {
        let steps = profile.steps
        guard !steps.isEmpty else { return "no filter over the documents" }
        return steps.map { step in
            let access = step.access.split(separator: ":").first.map(String.init) ?? step.access
            return "\(step.usesIndex || !step.query.hasPrefix("*[") ? access : "SCAN") ×\(step.runs) → \(step.rows) rows"
        }.joined(separator: "; ")
    }

    private func median<Result>(_ body: () throws -> Result) rethrows -> Double {
        try BenchTiming.median(runs: runs, body)
    }

    private func milliseconds(since start: DispatchTime) -> Double { BenchTiming.milliseconds(since: start) }

    private func format(_ value: Double) -> String { String(format: "%8.3f", value) }
}
