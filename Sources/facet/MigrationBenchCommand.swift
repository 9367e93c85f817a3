import ArgumentParser
import Dispatch
import FacetMigration
import FacetStore
import Foundation
import GROQ
import Migrations

/// `facet bench migration`: a node-level migration (phone numbers to E.164) over a large dataset.
struct MigrationBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migration",
        abstract: "Benchmark a node-level migration: the dry run, then the real run in batched, guarded transactions.",
        discussion: "Build with `swift build -c release` first: debug builds are many times slower.")

    @Option(name: .customLong("docs"), help: "Documents to migrate (default 100000).")
    var documents = 100_000

    @Option(name: .long, help: "Documents per transaction.")
    var batchSize = 500

    @Option(name: .long, help: "Where to put the temporary data directory (default: the system's temporary directory).")
    var directory: String?

    func validate() throws {
        guard (1...5_000_000).contains(documents) else { throw ValidationError("--docs must be between 1 and 5000000") }
        guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 10000") }
    }

    func run() throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release && .build/release/facet bench migration` for real figures\n")
        #endif
        let root = (directory ?? NSTemporaryDirectory()) + "/facet-bench-migration-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try DocumentStore(directory: root)
        defer { store.close() }
        let dataset = try store.dataset("bench", create: true)

        // Clients with a phone at the top and in nested contacts, written as people write them.
        let load = DispatchTime.now()
        var batch: [Mutation] = []
        for index in 0..<documents {
            let number = String(format: "%08d", index)
            batch.append(.create([
                "_id": .string("customer-\(number)"), "_type": "customer", "name": .string("Client \(index)"),
                "phone": .string("+33 6 \(number.prefix(2)) \(number.dropFirst(2).prefix(2)) \(number.dropFirst(4).prefix(2)) \(number.suffix(2))"),
                "address": ["city": "Paris", "country": "FR"],
                "contacts": [["_key": "assistant", "_type": "contact", "name": "Assistant", "phone": .string("01 42 \(number.prefix(2)) \(number.suffix(2)) 00")]],
                "segment": "regular", "lifetimeValue": .number(Double(index % 9_000)),
            ]))
            if batch.count == 1_000 {
                try dataset.mutate(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if !batch.isEmpty { try dataset.mutate(batch) }
        print("load: \(documents) documents in \(fmt(BenchTiming.milliseconds(since: load))) ms")

        let runner = MigrationRunner(migration: phoneE164, dataset: dataset, batchSize: batchSize)
        let planStart = DispatchTime.now()
        let plan = try runner.plan()
        let planMS = BenchTiming.milliseconds(since: planStart)
        let planRate = Double(plan.matched) / (planMS / 1000)
        print("dry run: \(plan.text) in \(fmt(planMS)) ms = \(Int(planRate)) documents/s")

        let applyStart = DispatchTime.now()
        let summary = try runner.apply()
        let applyMS = BenchTiming.milliseconds(since: applyStart)
        let rate = Double(summary.matched) / (applyMS / 1000)
        print("run: \(summary.text) in \(fmt(applyMS)) ms = \(Int(rate)) documents/s  \(rate >= 10_000 ? "ok" : "BELOW") (target >= 10000/s)")

        let againStart = DispatchTime.now()
        let again = try runner.apply()
        let againMS = BenchTiming.milliseconds(since: againStart)
        print("second run: \(again.text) in \(fmt(againMS)) ms = \(Int(Double(again.matched) / (againMS / 1000))) documents/s")
        guard again.changed == 0, summary.changed == documents else {
            throw CommandFailure("the migration did not change every document exactly once (\(summary.changed) then \(again.changed))")
        }
    }

    private func fmt(_ milliseconds: Double) -> String { String(format: "%.1f", milliseconds) }
}
