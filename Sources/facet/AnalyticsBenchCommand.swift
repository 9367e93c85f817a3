import ArgumentParser
import Dispatch
import FacetAnalytics
import FacetSchema
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig

/// `facet bench analytics`: the predictive models and the analytics actions, timed.
///
/// Two measurements, each against the issue's target: fitting BG/NBD and Gamma-Gamma by maximum
/// likelihood on `--fit-customers` simulated customers (target under 2 s), and the analytics
/// actions on a seeded `--customers` demo (everything from scratch, target under 30 s for
/// 5,000 customers), with the stages of a full run and the re-runs that find nothing to change.
struct AnalyticsBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Benchmark model fitting and the analytics actions on the CRM demo, and print the timings.",
        discussion: """
            Build with `swift build -c release` first: debug builds are many times slower.

            Example:
              swift build -c release --product facet && .build/release/facet bench analytics --customers 5000
            """)

    @Option(help: "Customers in the seeded demo the actions run on.")
    var customers = 5_000

    @Option(help: "Simulated customers for the model-fitting benchmark (0 to skip it).")
    var fitCustomers = 100_000

    @Option(help: "The demo's random seed.")
    var seed: UInt64 = 1

    @Option(help: "Where to put the temporary data directory (default: the system's temporary directory).")
    var directory: String?

    func validate() throws {
        guard (50...200_000).contains(customers) else { throw ValidationError("--customers must be between 50 and 200000") }
        guard fitCustomers == 0 || (100...200_000).contains(fitCustomers) else {
            throw ValidationError("--fit-customers must be 0 (skip) or between 100 and 200000")
        }
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release && .build/release/facet bench analytics` for real figures\n")
        #endif
        if fitCustomers > 0 { try benchmarkFitting() }
        try await benchmarkActions()
    }

    /// BG/NBD and Gamma-Gamma on customers simulated from the demo's known process (in weeks).
    private func benchmarkFitting() throws {
        let demo: CRMDemo
        do { demo = try CRMDemo(customers: fitCustomers, seed: seed) } catch { throw CommandFailure(error.description) }
        let weeks = demo.window.weeks
        let summaries = try demo.generate().histories.enumerated().map { index, history in
            let first = history.purchases[0].time, last = history.purchases[history.purchases.count - 1].time
            let repeats = history.purchases.dropFirst()
            return try RFMSummary(id: "c\(index)", frequency: repeats.count, recency: last - first, age: weeks - first,
                                  monetaryValue: repeats.isEmpty ? 0 : repeats.reduce(0) { $0 + $1.value } / Double(repeats.count))
        }
        let process = demo.process
        let start = DispatchTime.now()
        let purchases = try BGNBDModel.fit(summaries)
        let fitted = BenchTiming.milliseconds(since: start)
        let spendStart = DispatchTime.now()
        let spend = try GammaGammaModel.fit(summaries)
        let spent = BenchTiming.milliseconds(since: spendStart)
        print("model fitting on \(fitCustomers) simulated customers (target: both under 2 s)")
        print("  BG/NBD       \(fmt(fitted)) ms, \(purchases.iterations) iterations: r \(fmt3(purchases.model.r)) (true \(fmt3(process.r))), "
              + "alpha \(fmt3(purchases.model.alpha)) (\(fmt3(process.alpha))), a \(fmt3(purchases.model.a)) (\(fmt3(process.a))), b \(fmt3(purchases.model.b)) (\(fmt3(process.b)))")
        print("  Gamma-Gamma  \(fmt(spent)) ms, \(spend.iterations) iterations: p \(fmt3(spend.model.p)) (true \(fmt3(process.p))), "
              + "q \(fmt3(spend.model.q)) (\(fmt3(process.q))), gamma \(fmt3(spend.model.gamma)) (\(fmt3(process.gamma)))")
        print("  total        \(fmt(fitted + spent)) ms — \((fitted + spent) < 2_000 ? "within" : "OVER") the 2 s target\n")
    }

    /// The actions on a demo seeded through the mutation pipeline.
    private func benchmarkActions() async throws {
        let root = (directory ?? NSTemporaryDirectory()) + "/facet-bench-analytics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try DocumentStore(directory: root, validator: try CRMSchema.validator())
        defer { store.close() }
        let dataset = try store.dataset("bench", create: true)
        let seeding = DispatchTime.now()
        let content: DemoContent
        do { content = try CRMDemo(customers: customers, seed: seed).generate() } catch { throw CommandFailure(error.description) }
        var documents = 0
        for batch in DemoContent.Batch.allCases {
            let mutations = content.documents(of: batch).compactMap { $0.objectValue.map(Mutation.createOrReplace) }
            documents += mutations.count
            for start in stride(from: 0, to: mutations.count, by: 2_000) {
                try dataset.mutate(Array(mutations[start..<min(mutations.count, start + 2_000)]))
            }
        }
        let dashboardID = "dashboard.bench"
        try dataset.mutate([.create(["_id": .string(dashboardID), "_type": "analyticsDashboard", "title": "Bench",
                                     "slug": ["_type": "slug", "current": "bench"]])])
        print("actions on the \(customers)-customer demo (\(documents) documents seeded in \(fmt(BenchTiming.milliseconds(since: seeding))) ms)")

        func context(_ id: String) throws -> ActionContext {
            guard let document = dataset.document(id: id) else { throw CommandFailure("\(id) is missing from the seeded demo") }
            return ActionContext(dataset: dataset, documentID: id, document: document, author: "facet bench analytics")
        }
        // The stages of a full run, measured apart, before any document is written.
        let probe = try context(dashboardID)
        var start = DispatchTime.now()
        let clientele = try await ClienteleHistories.read(probe)
        print("  read the clientele (5 GROQ queries)   \(fmt(BenchTiming.milliseconds(since: start))) ms: \(clientele.histories.count) clients, "
              + "\(clientele.orders.count) orders, \(clientele.contacts.count) contacts")
        start = DispatchTime.now()
        let predictions = try ClientelePredictions(clientele, settings: PredictionSettings())
        print("  fit the models and the backtest       \(fmt(BenchTiming.milliseconds(since: start))) ms: churn score \(predictions.churnScorer.rawValue)")
        start = DispatchTime.now()
        let forecasts = try clientele.histories.map(predictions.forecast(for:))
        print("  forecast every client                 \(fmt(BenchTiming.milliseconds(since: start))) ms: \(forecasts.count) clients")
        start = DispatchTime.now()
        let analyses = ClienteleTrends.analyse(clientele)
        print("  compute the seven trend dimensions    \(fmt(BenchTiming.milliseconds(since: start))) ms: \(analyses.reports.count) computed")

        start = DispatchTime.now()
        let all = try await CRMActions.refreshDashboard.run(try context(dashboardID))
        let total = BenchTiming.milliseconds(since: start)
        let written = all.writtenIDs.count
        // The targets: 30 s for 5,000 clients, 60 s for 50,000 (in proportion between).
        let target = customers <= 5_000 ? 30_000.0 : min(60_000, 30_000 + Double(customers - 5_000) / 45_000 * 30_000)
        print("  refresh-dashboard, from scratch       \(fmt(total)) ms: \(written) documents written — \(total < target ? "within" : "OVER") the \(Int(target / 1000)) s target")
        for action in [CRMActions.refreshPredictions, CRMActions.refreshTrends, CRMActions.refreshDashboard] {
            start = DispatchTime.now()
            let result = try await action.run(try context(dashboardID))
            print("  \(action.name.padding(toLength: 20, withPad: " ", startingAt: 0)) unchanged     \(fmt(BenchTiming.milliseconds(since: start))) ms: \(result.writtenIDs.count) written")
        }
        try await incremental(dataset: dataset, dashboardID: dashboardID)
        let client = try dataset.query(#"*[_type == "lizaCustomer"] | order(_id asc)[0]._id"#).stringValue ?? ""
        for action in [CRMActions.predictChurn, CRMActions.forecastLifetimeValue, CRMActions.predictNextPurchase, CRMActions.scoreAffinity,
                       CRMActions.checkUpsell] {
            start = DispatchTime.now()
            let result = try await action.run(try context(client))
            print("  \(action.name.padding(toLength: 24, withPad: " ", startingAt: 0)) on one client  \(fmt(BenchTiming.milliseconds(since: start))) ms: \(result.message)")
        }
    }

    /// A handful of new orders after the full refresh, then a refresh of only what they changed
    /// (target under 2 s).
    private func incremental(dataset: Dataset, dashboardID: String) async throws {
        let buyers = try dataset.query(#"*[_type == "customer"] | order(_id asc)[0...5]._id"#).arrayValue?.compactMap(\.stringValue) ?? []
        let product = try dataset.query(#"*[_type == "product"] | order(_id asc)[0]._id"#).stringValue ?? ""
        let day = try dataset.query(#"*[_type == "salesOrder"] | order(orderDate desc)[0].orderDate"#).stringValue ?? "2026-01-01T12:00:00Z"
        let next = AnalyticsDate.dateTime((AnalyticsDate.parse(day) ?? Date()).addingTimeInterval(86_400))
        try dataset.mutate(buyers.enumerated().map { index, buyer in
            .create(["_id": .string("order-bench-\(index)"), "_type": "salesOrder", "orderNumber": .string("SO-99\(String(format: "%04d", index))"),
                     "customer": ["_type": "reference", "_ref": .string(buyer)], "orderDate": .string(next), "status": "confirmed",
                     "channel": "boutique", "currency": "USD",
                     "lineItems": [["_key": "l1", "_type": "lineItem", "product": ["_type": "reference", "_ref": .string(product)], "quantity": 1, "unitPrice": 4_200]],
                     "subtotal": 4_200, "total": 4_200])
        })
        guard let document = dataset.document(id: dashboardID) else { throw CommandFailure("\(dashboardID) is missing") }
        let context = ActionContext(dataset: dataset, documentID: dashboardID, document: document, params: ["incremental": true],
                                    author: "facet bench analytics")
        let start = DispatchTime.now()
        let result = try await CRMActions.refreshPredictions.run(context)
        let elapsed = BenchTiming.milliseconds(since: start)
        let changed = result.data["incremental"]?["changedClients"]?.numberValue.map { Int($0) } ?? -1
        print("  refresh-predictions, incremental      \(fmt(elapsed)) ms after \(buyers.count) new orders: \(changed) clients recomputed, "
              + "\(result.writtenIDs.count) documents written — \(elapsed < 2_000 && changed >= 0 ? "within" : "OVER") the 2 s target")
    }

    private func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
    private func fmt3(_ value: Double) -> String { String(format: "%.3f", value) }
}
