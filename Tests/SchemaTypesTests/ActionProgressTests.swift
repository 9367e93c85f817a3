import FacetSchema
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig
import Synchronization
import Testing
import TestSupport

/// How actions report their progress: the value the host hands them, and the stages the
/// analytics refreshes report through it.
@Suite("Action progress", .ownThread(computing: true))
struct ActionProgressTests {
    /// Collects what an action reports.
    final class Reports: Sendable {
        private let list = Mutex<[(stage: String, done: Double)]>([])
        var all: [(stage: String, done: Double)] { list.withLock { $0 } }
        var progress: ActionProgress { ActionProgress { stage, done in self.list.withLock { $0.append((stage, done)) } } }
    }

    @Test func sharesAreKeptWithinZeroAndOne() {
        let reports = Reports()
        let progress = reports.progress
        progress("a", -0.5)
        progress("b", 0.25)
        progress("c", 7)
        progress("d", .nan)
        #expect(reports.all.map(\.done) == [0, 0.25, 1, 0])
        #expect(reports.all.map(\.stage) == ["a", "b", "c", "d"])
        ActionProgress.ignored("nothing", 0.5)
    }

    @Test func aSliceMapsItsPartOntoTheWhole() {
        let reports = Reports()
        let part = reports.progress.slice(0.2...0.6)
        part("start", 0)
        part("half", 0.5)
        part("end", 1)
        part("beyond", 3)
        #expect(reports.all.map(\.stage) == ["start", "half", "end", "beyond"])
        let shares = reports.all.map(\.done)
        #expect(shares.count == 4)
        #expect(abs(shares[0] - 0.2) < 1e-12 && abs(shares[1] - 0.4) < 1e-12 && abs(shares[2] - 0.6) < 1e-12 && abs(shares[3] - 0.6) < 1e-12)
        // Slices nest: half of the second half is three quarters.
        let nested = Reports()
        nested.progress.slice(0.5...1).slice(0...0.5)("x", 1)
        #expect(nested.all.first?.done == 0.75)
    }

    @Test func aContextCarriesItsProgressToTheAction() async throws {
        let directory = NSTemporaryDirectory() + "facet-progress-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        let action = DocumentAction("step", title: "Step", description: "Reports twice", types: ["note"]) { context in
            context.progress("first", 0.5)
            var copy = context
            copy.progress = context.progress.slice(0.5...1)
            copy.progress("second", 1)
            return ActionResult(message: "done")
        }
        let reports = Reports()
        _ = try await action.run(ActionContext(dataset: dataset, documentID: "n-1", document: ["_type": "note"], progress: reports.progress))
        #expect(reports.all.map(\.stage) == ["first", "second"])
        #expect(reports.all.map(\.done) == [0.5, 1])
        // Without a progress, reports go nowhere.
        _ = try await action.run(ActionContext(dataset: dataset, documentID: "n-1", document: ["_type": "note"]))
    }

    /// A small demo CRM with a dashboard.
    static func withDemo(_ body: (Dataset) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "facet-progress-demo-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: CRM.validator)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        let content = try CRMDemo(customers: 120, seed: 4).generate()
        for batch in DemoContent.Batch.allCases {
            let mutations = content.documents(of: batch).compactMap { $0.objectValue.map(Mutation.createOrReplace) }
            if !mutations.isEmpty { try dataset.mutate(mutations) }
        }
        try dataset.mutate([.create([
            "_id": "dashboard.clientele", "_type": "analyticsDashboard", "title": "Clientele", "slug": ["_type": "slug", "current": "clientele"],
        ])])
        try await body(dataset)
    }

    static func context(_ dataset: Dataset, _ id: String, progress: ActionProgress) throws -> ActionContext {
        let document = try #require(dataset.document(id: id))
        return ActionContext(dataset: dataset, documentID: id, document: document, author: "analyst", progress: progress)
    }

    @Test func everyRefreshReportsRisingStagesToTheContext() async throws {
        try await Self.withDemo { dataset in
            for action in [CRMActions.refreshPredictions, CRMActions.refreshTrends, CRMActions.refreshDashboard] {
                let reports = Reports()
                _ = try await action.run(try Self.context(dataset, "dashboard.clientele", progress: reports.progress))
                let shares = reports.all.map(\.done)
                #expect(shares.first == 0, "\(action.name)")
                #expect(shares == shares.sorted(), "\(action.name): \(reports.all)")
                #expect((shares.last ?? 0) >= 0.9, "\(action.name): \(reports.all)")
                #expect(Set(reports.all.map(\.stage)).count >= 3, "\(action.name): \(reports.all)")
            }
            // The dashboard's one figure spans both refreshes: the trends come after the predictions.
            let reports = Reports()
            _ = try await CRMActions.refreshDashboard.run(try Self.context(dataset, "dashboard.clientele", progress: reports.progress))
            let stages = reports.all.map(\.stage)
            let fitting = try #require(stages.firstIndex(of: "fitting the models"))
            let trends = try #require(stages.firstIndex(of: "analysing seven trend dimensions"))
            #expect(fitting < trends)
            #expect(stages.last == "updating the dashboard")

            // A client's prediction reports its stages too.
            let client = try #require(try dataset.query(#"*[_type == "customer"] | order(_id asc)[0]._id"#).stringValue)
            let clientReports = Reports()
            _ = try await CRMActions.predictChurn.run(try Self.context(dataset, client, progress: clientReports.progress))
            // With this process's refresh remembered, the client alone is read ("reading the client").
            #expect(clientReports.all.map(\.stage).first?.hasPrefix("reading the client") == true)
            #expect(clientReports.all.map(\.done) == clientReports.all.map(\.done).sorted())
        }
    }

    @Test func aProgressGivenToTheRefreshIsHeardInsteadOfTheContexts() async throws {
        try await Self.withDemo { dataset in
            let given = Reports(), contextual = Reports()
            let context = try Self.context(dataset, "dashboard.clientele", progress: contextual.progress)
            let progress = given.progress
            _ = try await PredictionRefresh.run(context, types: [.churn]) { stage, done in progress(stage, done) }
            #expect(!given.all.isEmpty)
            #expect(contextual.all.isEmpty)
        }
    }
}
