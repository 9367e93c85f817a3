import FacetMigration
import FacetSchema
import FacetStore
import Foundation
import GROQ
import Synchronization
import Testing
import TestSupport

/// Real runs on real SQLite files: batching, idempotence and the applied record, a concurrent
/// writer, and a migration whose result does not validate.
@Suite("migration runner", .ownThread(computing: true))
struct MigrationRunnerTests {
    static let schema = try! Schema([
        SchemaType.document("customer") {
            Field("name", .string()).rules(.required())
            Field("tier", .string(options: ["gold", "silver", "bronze"]))
            Field("score", .number())
        },
    ])

    /// Sets `tier` from `score`: idempotent, as migrations must be.
    static let tiers = Migration(id: "tiers", title: "Tiers from scores", documentTypes: ["customer"], document: { customer, _ in
        guard let score = customer["score"]?.numberValue else { return [] }
        let tier: JSONValue = score >= 50 ? "gold" : "silver"
        return customer["tier"] == tier ? [] : [.set(["tier"], tier)]
    })

    struct Fixture {
        let directory: String
        let store: DocumentStore
        let dataset: Dataset

        init(validated: Bool = false, customers: Int) throws {
            directory = NSTemporaryDirectory() + "facet-migration-runner-" + UUID().uuidString
            store = try DocumentStore(directory: directory, validator: validated ? Validator(schema: MigrationRunnerTests.schema) : nil)
            dataset = try store.dataset("production", create: true)
            var documents: [Mutation] = []
            for index in 0..<customers {
                documents.append(.create(["_id": .string(String(format: "c-%03d", index)), "_type": "customer", "name": .string("Client \(index)"),
                                          "score": .number(Double(index))]))
            }
            if !validated { documents.append(.create(["_id": "o-1", "_type": "order", "score": 99])) }
            try dataset.mutate(documents)
        }

        func close() {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test("documents are committed in batches of the given size, authored by the migration, with progress after each")
    func batching() throws {
        let fixture = try Fixture(customers: 25)
        defer { fixture.close() }
        let before = fixture.dataset.snapshot.sequence
        var reports: [MigrationProgress] = []
        let summary = try MigrationRunner(migration: Self.tiers, dataset: fixture.dataset, batchSize: 10).apply { reports.append($0) }
        #expect(summary.matched == 25 && summary.changed == 25 && summary.transactions == 3 && summary.mutations == 25)
        #expect(fixture.dataset.snapshot.sequence == before + 3)
        #expect(reports.map(\.processed) == [0, 10, 20, 25] && reports.allSatisfy { $0.total == 25 })
        #expect(reports.last?.changed == 25)
        #expect(fixture.dataset.document(id: "c-003")?["tier"] == "silver")
        // Other types are not touched.
        #expect(fixture.dataset.document(id: "o-1")?["tier"] == nil)
        let history = try fixture.dataset.transactions(documentIDs: ["c-003"])
        #expect(history.map(\.author).last == "migration:tiers")
        // Each of its commits is counted as the migration's (what /metrics reports by source).
        #expect(fixture.dataset.commitsBySource["migration"] == 3, "\(fixture.dataset.commitsBySource)")
        #expect(history.last?.mutations.first?["patch"]?["ifRevisionID"] != nil)
    }

    @Test("a second run changes nothing, and the record keeps who applied it first")
    func idempotence() throws {
        let fixture = try Fixture(customers: 12)
        defer { fixture.close() }
        let ledger = try MigrationLedger(directory: fixture.directory)
        #expect(try ledger.applied(dataset: "production").isEmpty)
        let runner = MigrationRunner(migration: Self.tiers, dataset: fixture.dataset, batchSize: 5)
        let first = try runner.apply(ledger: ledger, appliedBy: "ada")
        #expect(first.changed == 12)
        let sequence = fixture.dataset.snapshot.sequence
        let second = try runner.apply(ledger: ledger, appliedBy: "bea")
        #expect(second.matched == 12 && second.changed == 0 && second.transactions == 0)
        #expect(fixture.dataset.snapshot.sequence == sequence)
        let dryRun = try runner.plan()
        #expect(dryRun.changed == 0 && dryRun.mutations == 0)
        let record = try #require(try ledger.applied(dataset: "production")["tiers"])
        #expect(record.appliedBy == "ada" && record.changed == 12 && record.matched == 12 && record.title == "Tiers from scores")
        // A new ledger on the same directory reads the same record (it is on disk).
        #expect(try MigrationLedger(directory: fixture.directory).applied(dataset: "production")["tiers"]?.appliedBy == "ada")
        #expect(try ledger.applied(dataset: "staging").isEmpty)
    }

    @Test("a document another writer changes mid-run is re-read and handled again, keeping both changes")
    func concurrentWriter() throws {
        let fixture = try Fixture(customers: 8)
        defer { fixture.close() }
        let calls = Visits()
        let dataset = fixture.dataset
        // The handler stands in for an editor who saves c-004 between the migration reading it
        // and committing: the first time it sees c-004, that edit is committed.
        let migration = Migration(id: "tiers", title: "Tiers", documentTypes: ["customer"], document: { customer, context in
            let id = customer["_id"]?.stringValue ?? ""
            calls.add(id)
            if id == "c-004", calls.all.filter({ $0 == "c-004" }).count == 1 {
                _ = try dataset.mutate([.patch(try PatchMutation(json: ["id": "c-004", "set": ["name": "Edited meanwhile"]]))],
                                       options: TransactionOptions(author: "editor"))
            }
            return try Self.tiers.document!(customer, context)
        })
        let summary = try MigrationRunner(migration: migration, dataset: dataset, batchSize: 4).apply()
        #expect(summary.changed == 8 && summary.retried == 1)
        let edited = try #require(dataset.document(id: "c-004"))
        #expect(edited["name"] == "Edited meanwhile" && edited["tier"] == "silver")
        // The batch with c-004 (c-004 to c-007) was worked out twice; the first batch once.
        #expect(calls.all.filter { $0 == "c-004" }.count == 2 && calls.all.filter { $0 == "c-007" }.count == 2)
        #expect(calls.all.filter { $0 == "c-000" }.count == 1 && calls.count == 12)
        let authors = try dataset.transactions(documentIDs: ["c-004"]).map(\.author)
        #expect(authors.suffix(2) == ["editor", "migration:tiers"])
    }

    @Test("a writer that always wins makes the run stop with a conflict after the bounded attempts")
    func boundedRetries() throws {
        let fixture = try Fixture(customers: 3)
        defer { fixture.close() }
        let dataset = fixture.dataset
        let migration = Migration(id: "tiers", title: "Tiers", documentTypes: ["customer"], document: { customer, context in
            if customer["_id"] == "c-001" {
                _ = try dataset.mutate([.patch(try PatchMutation(json: ["id": "c-001", "inc": ["score": 1]]))])
            }
            return try Self.tiers.document!(customer, context)
        })
        #expect {
            try MigrationRunner(migration: migration, dataset: dataset, maxAttempts: 3).apply()
        } throws: { error in
            (error as? MigrationError)?.kind == .conflict && (error as? MigrationError)?.documentID == "c-001"
        }
        #expect(dataset.document(id: "c-001")?["score"] == 4)
        #expect(dataset.document(id: "c-000")?["tier"] == nil)
    }

    @Test("a result that fails validation stops the run listing documents and markers; earlier batches stay committed")
    func validationFailure() throws {
        let fixture = try Fixture(validated: true, customers: 10)
        defer { fixture.close() }
        // Scores 6 and 8 get a tier the schema does not allow.
        let migration = Migration(id: "bad-tiers", title: "Bad tiers", documentTypes: ["customer"], document: { customer, _ in
            guard let score = customer["score"]?.numberValue, customer["tier"] == nil else { return [] }
            return [.set(["tier"], [6, 8].contains(score) ? "platinum" : "bronze")]
        })
        let runner = MigrationRunner(migration: migration, dataset: fixture.dataset, validator: fixture.store.validator, batchSize: 5)
        let plan = try runner.plan()
        #expect(plan.invalid.map(\.id) == ["c-006", "c-008"])
        var caught: MigrationError?
        do { try runner.apply() } catch { caught = error }
        let error = try #require(caught)
        #expect(error.kind == .validation && error.committedDocuments == 5)
        #expect(error.invalidDocuments.map(\.id) == ["c-006", "c-008"])
        #expect(error.invalidDocuments.first?.markers.first?.path == "tier")
        #expect(error.description.contains("c-008 (customer)") && error.description.contains("error at tier: Must be one of"))
        // The first batch is committed whole; the failing batch not at all.
        #expect((0..<5).allSatisfy { fixture.dataset.document(id: "c-00\($0)")?["tier"] == "bronze" })
        #expect((5..<10).allSatisfy { fixture.dataset.document(id: "c-00\($0)")?["tier"] == nil })
    }

    @Test("paging walks every document once in _id order, whatever the page size")
    func paging() throws {
        let fixture = try Fixture(customers: 23)
        defer { fixture.close() }
        let snapshot = fixture.dataset.snapshot
        for size in [1, 4, 23, 50] {
            var ids: [String] = []
            var after: String?
            while true {
                let page = snapshot.documents(ofTypes: ["customer", "order"], after: after, limit: size)
                guard let last = page.last?["_id"]?.stringValue else { break }
                #expect(page.count <= size)
                ids += page.compactMap { $0["_id"]?.stringValue }
                after = last
            }
            #expect(ids == (0..<23).map { String(format: "c-%03d", $0) } + ["o-1"])
        }
        #expect(snapshot.count(ofTypes: ["customer"]) == 23 && snapshot.count(ofTypes: nil) == 24)
    }
}
