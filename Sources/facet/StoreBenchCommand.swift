import ArgumentParser
import Dispatch
import FacetStore
import Foundation
import GROQ

/// `facet bench store`: times the document engine on a real SQLite file, or on PostgreSQL.
struct StoreBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Benchmark NDJSON import, single-document transactions and indexed queries on SQLite or PostgreSQL.",
        discussion: """
            Build with `swift build -c release` first: debug builds are many times slower. With --database \
            postgres://… the same work runs on PostgreSQL, in a dataset of its own that is deleted afterwards.
            """)

    @Option(name: .customLong("docs"), help: "Documents to import (default 100000).")
    var documents = 100_000

    @Option(help: "Single-document createOrReplace transactions to time.")
    var transactions = 2_000

    @Option(help: "Timed runs per query (the median is reported).")
    var runs = 15

    @Option(name: .long, help: "Where to put the temporary data directory (default: the system's temporary directory).")
    var directory: String?

    @Option(name: .long, help: "A PostgreSQL database to run on instead of a SQLite file (postgres://…).")
    var database: String?

    func validate() throws {
        guard (1...5_000_000).contains(documents) else { throw ValidationError("--docs must be between 1 and 5000000") }
        guard (1...1_000_000).contains(transactions) else { throw ValidationError("--transactions must be between 1 and 1000000") }
        guard (1...1000).contains(runs) else { throw ValidationError("--runs must be between 1 and 1000") }
    }

    func run() throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release && .build/release/facet bench store` for real figures\n")
        #endif
        let root = (directory ?? NSTemporaryDirectory()) + "/facet-bench-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)

        // 1. Import.
        let file = root + "/bench.ndjson"
        var bytes: [UInt8] = []
        for document in BenchDataset.generate(documents: documents) {
            document.write(to: &bytes)
            bytes.append(0x0A)
        }
        guard FileManager.default.createFile(atPath: file, contents: Data(bytes)) else { throw CommandFailure("cannot write \(file)") }
        let backend = try DatabaseChoice.backend(url: database)
        let store = DocumentStore(backend: try backend ?? SQLiteBackend(directory: root + "/data"))
        let name = backend == nil ? "bench" : "bench-" + String(UUID().uuidString.prefix(8)).lowercased()
        defer {
            if backend != nil { try? store.deleteDataset(name) }
            store.close()
        }
        print("on \(backend == nil ? "SQLite" : "PostgreSQL")")
        let dataset = try store.dataset(name, create: true)
        let report = try dataset.importNDJSON(path: file, options: ImportOptions(batchSize: 1_000))
        let rate = Double(report.imported) / report.seconds
        let target = backend == nil ? 30_000.0 : 20_000
        print("import: \(report.imported) documents (\(bytes.count / 1_048_576) MiB) in \(fmt(report.seconds * 1000)) ms = \(Int(rate)) documents/s  \(verdict(rate >= target, "target >= \(Int(target))/s"))")

        // 2. Single-document transactions on the imported dataset.
        var latencies: [Double] = []
        latencies.reserveCapacity(transactions)
        for index in 0..<transactions {
            let start = DispatchTime.now()
            try dataset.mutate([.createOrReplace(["_id": .string("bench-\(index % 500)"), "_type": "benchNote", "n": .number(Double(index)),
                                                  "text": "a single-document transaction, as an editor's autosave makes"])])
            latencies.append(ms(since: start))
        }
        latencies.sort()
        let median = latencies[latencies.count / 2], p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        if backend == nil {
            print("createOrReplace, one document per transaction (\(transactions), durable commits): median \(fmt(median)) ms \(verdict(median < 1, "target < 1 ms")), p99 \(fmt(p99)) ms \(verdict(p99 < 5, "target < 5 ms")), max \(fmt(latencies.last ?? 0)) ms")
        } else {
            // The targets are the embedded store's: here each commit is a round trip and the database's durable flush.
            print("createOrReplace, one document per transaction (\(transactions), durable commits): median \(fmt(median)) ms, p99 \(fmt(p99)) ms, max \(fmt(latencies.last ?? 0)) ms")
        }

        // 3. Indexed query, on a settled snapshot and right after a write.
        let text = #"*[_type == "customer" && lifetimeValue > 25000] | order(lifetimeValue desc)[0...20]"#
        let query = try GROQQuery(text)
        dataset.compact()
        let settled = try medianMs { try dataset.query(query) }
        print("query \(text)")
        print("  on a compacted snapshot      \(fmt(settled)) ms  \(verdict(settled < 20, "target < 20 ms"))")
        var afterWrite: [Double] = []
        for index in 0..<runs {
            try dataset.mutate([.createOrReplace(["_id": .string("bench-\(index)"), "_type": "benchNote", "n": .number(Double(index))])])
            let start = DispatchTime.now()
            let result = try dataset.query(query)
            afterWrite.append(ms(since: start))
            withExtendedLifetime(result) {}
        }
        afterWrite.sort()
        print("  first query after a write    \(fmt(afterWrite[afterWrite.count / 2])) ms  (merges the snapshot's recent changes)")
        let published = try medianMs { try dataset.query(query, perspective: .published) }
        print("  published perspective        \(fmt(published)) ms")
        let byID = try medianMs { try dataset.query(#"*[_id == "customer-00000042"][0]"#) }
        print("  *[_id == ...] lookup         \(fmt(byID)) ms")
        let references = try medianMs { try dataset.query(#"count(*[references("customer-00000042")])"#) }
        print("  count(*[references(...)])    \(fmt(references)) ms")
    }

    private func medianMs<Result>(_ body: () throws -> Result) rethrows -> Double {
        try BenchTiming.median(runs: runs, body)
    }

    private func ms(since start: DispatchTime) -> Double { BenchTiming.milliseconds(since: start) }

    private func fmt(_ value: Double) -> String { String(format: "%.3f", value) }

    private func verdict(_ ok: Bool, _ target: String) -> String { ok ? "ok (\(target))" : "MISSED (\(target))" }
}
