import ArgumentParser
import FacetAssets
import Dispatch
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import Synchronization

/// `facet demo`: demo data for the jewelry CRM.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Demo data for the jewelry CRM.",
        subcommands: [Seed.self])

    /// `facet demo seed`: writes the generated CRM through the mutation pipeline.
    struct Seed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed a dataset with a realistic, deterministic jewelry CRM.",
            discussion: """
                Writes staff, collections, products, customers and LIZA VIPs with cultural and creative \
                profiles, campaigns, interactions and four years of sales orders (2022–2025) drawn from a \
                known process (BG/NBD purchasing, Gamma-Gamma order values, a holiday lift). The true \
                parameters are in the analyticsModel document "\(CRMDemo.truthDocumentID)".

                Every document is written with createOrReplace in transactions of --batch-size documents, \
                validated by the CRM schema and reference-checked like any other write, so seeding again \
                with the same --customers and --seed leaves the same documents. A dataset already seeded \
                with other settings is refused: seed another dataset, or delete that one first.

                Examples:
                  facet demo seed --data ./facet-data
                  facet demo seed --data ./facet-data --dataset demo --customers 500 --seed 7
                """)

        @OptionGroup var store: StoreOptions

        @Option(name: .long, help: "How many customers (1 to 200000).")
        var customers = 5_000

        @Option(name: .long, help: "The random seed: the same seed gives the same CRM.")
        var seed: UInt64 = 1

        @Option(name: .long, help: "Documents per transaction.")
        var batchSize = 2_000

        func validate() throws {
            guard CRMDemo.customerLimit.contains(customers) else {
                throw ValidationError("--customers must be between \(CRMDemo.customerLimit.lowerBound) and \(CRMDemo.customerLimit.upperBound); got \(customers)")
            }
            guard (1...50_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 50000; got \(batchSize)") }
        }

        func run() throws {
            let started = DispatchTime.now()
            let demo: CRMDemo
            do { demo = try CRMDemo(customers: customers, seed: seed) } catch { throw CommandFailure(error.description) }
            let content = demo.generate()
            let generated = DispatchTime.now()

            let documentStore = try store.openStore()
            defer { documentStore.close() }
            let dataset = try store.openDataset(documentStore, create: true)
            try refuseOtherDemo(in: dataset, content: content)
            let pictures: DemoPictures
            pictures = DemoPictures(assets: try store.openAssets(), dataset: dataset)

            let terminal = isatty(2) == 1
            let total = DemoContent.Batch.allCases.reduce(0) { $0 + content.count(of: $1) }
            var written = 0
            var counts: [String: Int] = [:]
            var building = 0.0, writing = 0.0
            let options = TransactionOptions(author: "facet demo seed", source: "seed")
            var batches = DemoBatches(content: content, batchSize: batchSize)
            func record(_ slice: DemoBatches.Slice, _ documents: [JSONValue]) {
                // Staff written again with their client books are counted once.
                if slice.batch != .clientBooks {
                    for document in documents { counts[document["_type"]?.stringValue ?? "?", default: 0] += 1 }
                }
                written += documents.count
                if terminal { FileHandle.standardError.write(Data("\rwriting \(slice.batch.rawValue): \(written) of \(total) documents…".utf8)) }
            }
            func failure(_ slice: DemoBatches.Slice, _ error: StoreError) -> CommandFailure {
                if terminal { Output.error("") }
                return CommandFailure("""
                    writing \(slice.batch.rawValue) \(slice.range.lowerBound + 1)–\(slice.range.upperBound) of \(slice.size) failed: \(error.description)
                    """)
            }
            let writingStarted = DispatchTime.now()
            // The indexes are built once at the end: rebuilt every few thousand documents, their
            // cost grew with the square of the demo's size.
            try dataset.bulkLoad { () throws(any Error) in
                // Up to the catalogue, one batch at a time: its pictures are written as assets
                // between its batches.
                while batches.catalogueAhead, let (slice, documents) = batches.next(waited: &building) {
                    let illustrated = DemoBatches.isIllustrated(slice.batch) ? try pictures.illustrate(documents, options: options) : documents
                    do throws(StoreError) {
                        try dataset.mutate(illustrated.compactMap { $0.objectValue.map(Mutation.createOrReplace) }, options: options)
                    } catch { throw failure(slice, error) }
                    record(slice, illustrated)
                }
                // The rest with each batch worked out while the one before is written.
                var handedOut: [(slice: DemoBatches.Slice, documents: [JSONValue])] = []
                do throws(StoreError) {
                    try dataset.mutateEach({ () throws(StoreError) -> [Mutation]? in
                        guard let (slice, documents) = batches.next(waited: &building) else { return nil }
                        handedOut.append((slice, documents))
                        return documents.compactMap { $0.objectValue.map(Mutation.createOrReplace) }
                    }, options: options) { _ in
                        let (slice, documents) = handedOut.removeFirst()
                        record(slice, documents)
                    }
                } catch {
                    if let slice = handedOut.first?.slice { throw failure(slice, error) }
                    throw CommandFailure("writing the demo failed: \(error.description)")
                }
            }
            writing = Self.seconds(from: writingStarted, to: DispatchTime.now()) - building
            if terminal { Output.error("") }
            let finished = DispatchTime.now()
            let order = ["staff", "collection", "product", "customer", "lizaCustomer", "marketingCampaign", "salesOrder", "interaction",
                         "creativeExpression", "analyticsModel"]
            let documentCount = counts.values.reduce(0, +)
            print("seeded dataset \(store.datasetName) with \(documentCount) documents (\(customers) customers, seed \(seed)) in \(Self.format(Self.seconds(from: started, to: finished))) s")
            print("  generation \(Self.format(Self.seconds(from: started, to: generated))) s, documents (beside the commits) \(Self.format(building)) s, "
                  + "transactions \(Self.format(writing)) s (validation, reference checks and commits)")
            for type in order + counts.keys.filter({ !order.contains($0) }).sorted() {
                guard let count = counts[type] else { continue }
                print("  \(type): \(count)")
            }
        }

        /// Refuses to seed over a demo made with another seed or size, which would leave a mix of
        /// both (documents of the old demo that the new one has no counterpart for).
        private func refuseOtherDemo(in dataset: Dataset, content: DemoContent) throws {
            guard let existing = dataset.document(id: CRMDemo.truthDocumentID) else { return }
            let planned = content.documents(of: .generatorTruth).first
            guard existing["parameters"] != planned?["parameters"] || existing["notes"] != planned?["notes"] else { return }
            var recorded: [String: Double] = [:]
            for parameter in existing["parameters"]?.arrayValue ?? [] {
                if let name = parameter["name"]?.stringValue, let value = parameter["value"]?.numberValue { recorded[name] = value }
            }
            let before = recorded["seed"].map { "seed \(UInt64(exactly: $0.rounded()).map(String.init) ?? String($0))" } ?? "another seed"
            let size = recorded["customers"].map { "\(Int($0)) customers" } ?? "another size"
            throw CommandFailure("""
                dataset \(store.datasetName) already holds a demo made with \(before) and \(size); seeding \(customers) customers with \
                seed \(seed) over it would leave documents of both. Seed another dataset (--dataset NAME), or delete this one first \
                (facet dataset delete \(store.datasetName) --force).
                """)
        }

        private static func seconds(from start: DispatchTime, to end: DispatchTime) -> Double {
            Double(end.uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        }

        private static func format(_ seconds: Double) -> String { String(format: "%.2f", seconds) }
    }
}

/// The demo's batches in the order they are written, each made on another thread while the
/// one before it commits.
private struct DemoBatches {
    struct Slice: Sendable {
        let batch: DemoContent.Batch
        let range: Range<Int>
        /// The number of documents in the whole batch.
        let size: Int
    }

    private let content: DemoContent
    private let slices: [Slice]
    /// Each batch's documents by position, as the thread making them leaves them.
    private final class Made: Sendable {
        let documents = Mutex<[Int: [JSONValue]]>([:])
    }

    private let made = Made()
    private let making = DispatchGroup()
    private var index = 0

    init(content: DemoContent, batchSize: Int) {
        self.content = content
        slices = DemoContent.Batch.allCases.flatMap { batch in
            let size = content.count(of: batch)
            return stride(from: 0, to: size, by: batchSize).map { Slice(batch: batch, range: $0..<min(size, $0 + batchSize), size: size) }
        }
        makeAhead(0)
    }

    /// Whether a batch of the catalogue, whose pictures are added as it is written, is still to
    /// come: until then batches are written one at a time.
    var catalogueAhead: Bool {
        slices[index...].contains { Self.isIllustrated($0.batch) }
    }

    static func isIllustrated(_ batch: DemoContent.Batch) -> Bool { batch == .collections || batch == .products }

    /// The next batch and its documents (`nil` after the last), adding the time spent waiting
    /// for them to `waited`.
    mutating func next(waited: inout Double) -> (Slice, [JSONValue])? {
        guard index < slices.count else { return nil }
        let started = DispatchTime.now()
        making.wait()
        let documents = made.documents.withLock { $0.removeValue(forKey: index) } ?? []
        waited += Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        index += 1
        makeAhead(index)
        return (slices[index - 1], documents)
    }

    private func makeAhead(_ index: Int) {
        guard index < slices.count else { return }
        let (slice, content, made) = (slices[index], content, made)
        DispatchQueue.global().async(group: making) {
            let documents = content.documents(of: slice.batch, in: slice.range)
            made.documents.withLock { $0[index] = documents }
        }
    }
}
