import FacetSchedules
import FacetStore
import Foundation
import GROQ
import Synchronization
import Testing
import TestSupport

/// Scheduled publishing on both backends: a schedule is carried out once, at its time, by one
/// of two servers looking at once; a draft that breaks the schema at its time is not published
/// and the schedule says why; a server that died after the commit is not repeated.
@Suite("Scheduled publishing")
struct PublishScheduleTests {
    /// Articles need a title.
    struct TitleRequired: DocumentValidating {
        func findings(for document: JSONValue, among documents: any DocumentSource) -> [ValidationFinding] {
            guard document["_type"] == "article", document["title"]?.stringValue?.isEmpty != false else { return [] }
            return [ValidationFinding(path: "title", level: "error", message: "Required")]
        }
    }

    /// A clock the test moves.
    final class TestClock: Sendable {
        let now = Mutex(1_900_000_000.0)
        func advance(_ seconds: Double) { now.withLock { $0 += seconds } }
        var read: @Sendable () -> Double { { self.now.withLock { $0 } } }
    }

    final class Fixture: Sendable {
        let kind: StorageKind
        let location: String
        let store: DocumentStore
        let records: any RelationalDatabase
        let clock = TestClock()
        let schedules: PublishSchedules

        init(_ kind: StorageKind) throws {
            self.kind = kind
            let (backend, location) = try TestDatabase.backend(kind)
            self.location = location
            store = DocumentStore(backend: backend, validator: TitleRequired())
            _ = try store.dataset("production", create: true)
            records = try WebhookTests.Fixture.records(kind, backend: backend, location: location)
            schedules = try PublishSchedules(store: store, records: records, clock: clock.read)
        }

        /// Another server on the same storage and records.
        func otherServer() throws -> (DocumentStore, PublishSchedules) {
            let store = DocumentStore(backend: try TestDatabase.reopen(kind, at: location), validator: TitleRequired())
            let records = try store.backend.sharedRecords ?? SQLiteRecords(path: location + "/integrations.sqlite")
            return (store, try PublishSchedules(store: store, records: records, clock: clock.read))
        }

        var dataset: Dataset { get throws { try store.dataset("production") } }
        var soon: Date { Date(timeIntervalSince1970: clock.read() + 60) }

        deinit {
            store.close()
            TestDatabase.remove(kind, at: location)
        }
    }

    @Test(arguments: StorageKind.available)
    func aScheduleRunsOnceAtItsTimeWithTwoServersLooking(kind: StorageKind) async throws {
        let f = try Fixture(kind)
        try f.dataset.mutate([.create(["_id": "drafts.a", "_type": "article", "title": "Spring collection"])])
        let plan = try f.schedules.schedule(dataset: "production", documentID: "a", action: .publish, at: f.soon, by: "ada")
        #expect(plan.state == .scheduled && plan.documentID == "a")
        #expect(try f.schedules.runDue().isEmpty, "not yet due")
        #expect(try f.dataset.document(id: "a") == nil)
        f.clock.advance(61)
        let (otherStore, other) = try f.otherServer()
        defer { otherStore.close() }
        // Both servers look at once; one carries it out.
        async let here = offThePool { try f.schedules.runDue() }
        async let there = offThePool { try other.runDue() }
        let ran = try await here + there
        #expect(ran.count == 1 && ran.first?.state == .done, "\(ran.map(\.json))")
        try f.dataset.refresh()
        #expect(try f.dataset.document(id: "a")?["title"] == "Spring collection")
        #expect(try f.dataset.document(id: "drafts.a") == nil)
        let history = try f.dataset.transactions(documentIDs: ["a"])
        #expect(history.count == 1 && history.first?.author == "scheduler for ada" && history.first?.id == plan.transactionID)
        #expect(try f.schedules.runDue().isEmpty && other.runDue().isEmpty)
        let listed = try f.schedules.list(dataset: "production")
        #expect(listed.map(\.state) == [.done] && listed.first?.json["transactionId"] == .string(plan.transactionID))
    }

    @Test(arguments: StorageKind.available)
    func aDraftThatBreaksTheSchemaAtItsTimeIsNotPublishedAndTheScheduleSaysWhy(kind: StorageKind) throws {
        let f = try Fixture(kind)
        try f.dataset.mutate([.create(["_id": "drafts.b", "_type": "article", "title": "Fine now"])])
        _ = try f.schedules.schedule(dataset: "production", documentID: "drafts.b", action: .publish, at: f.soon, by: "ada")
        // Edited before its time into a draft the schema refuses.
        try f.dataset.mutate([.createOrReplace(["_id": "drafts.b", "_type": "article", "title": ""])])
        f.clock.advance(120)
        let ran = try f.schedules.runDue()
        #expect(ran.first?.state == .failed)
        #expect(ran.first?.outcome?.contains("title: Required") == true, "\(ran.first?.outcome ?? "")")
        #expect(try f.dataset.document(id: "b") == nil && f.dataset.document(id: "drafts.b") != nil)
    }

    @Test(arguments: StorageKind.available)
    func aServerThatDiedAfterTheCommitIsNotRepeated(kind: StorageKind) throws {
        let f = try Fixture(kind)
        try f.dataset.mutate([.create(["_id": "c", "_type": "article", "title": "Live"])])
        let plan = try f.schedules.schedule(dataset: "production", documentID: "c", action: .unpublish, at: f.soon, by: nil)
        f.clock.advance(61)
        // A server took it and committed, then died before recording the outcome.
        _ = try f.records.write { db in try db.execute("UPDATE publish_schedules SET state = 'running', taken_at = ? WHERE id = ?", [f.clock.read(), plan.id]) }
        try f.dataset.perform([.unpublish(draftID: "drafts.c", publishedID: "c")], options: TransactionOptions(transactionId: plan.transactionID))
        try f.dataset.mutate([.createOrReplace(["_id": "c", "_type": "article", "title": "Published again by hand"])])
        #expect(try f.schedules.runDue().isEmpty, "a running schedule is left to its server for a while")
        f.clock.advance(121)
        let ran = try f.schedules.runDue()
        #expect(ran.first?.state == .done && ran.first?.outcome?.contains("restart") == true)
        // Not carried out twice: the document published by hand stays.
        #expect(try f.dataset.document(id: "c")?["title"] == "Published again by hand")
    }

    @Test(arguments: StorageKind.available)
    func badSchedulesAreRefusedAndCancellingWorksOnlyWhileWaiting(kind: StorageKind) throws {
        let f = try Fixture(kind)
        try f.dataset.mutate([.create(["_id": "drafts.d", "_type": "article", "title": "D"])])
        let past = Date(timeIntervalSince1970: f.clock.read() - 3600)
        #expect(throws: ScheduleError.self) { try f.schedules.schedule(dataset: "production", documentID: "d", action: .publish, at: past, by: nil) }
        do {
            _ = try f.schedules.schedule(dataset: "production", documentID: "nothing", action: .publish, at: f.soon, by: nil)
            Issue.record("a document with nothing to publish was scheduled")
        } catch { #expect(error.kind == .notFound) }
        do {
            _ = try f.schedules.schedule(dataset: "elsewhere", documentID: "d", action: .publish, at: f.soon, by: nil)
            Issue.record("a missing dataset was accepted")
        } catch { #expect(error.kind == .notFound) }
        // A caller whose role may not write is refused at once.
        var denied = TransactionOptions()
        denied.authorizer = RefuseEverything()
        do {
            _ = try f.schedules.schedule(dataset: "production", documentID: "d", action: .publish, at: f.soon, by: "intern", options: denied)
            Issue.record("a caller who may not publish scheduled it")
        } catch { #expect(error.kind == .forbidden) }
        let plan = try f.schedules.schedule(dataset: "production", documentID: "d", action: .publish, at: f.soon, by: nil)
        #expect(try f.schedules.cancel(id: plan.id, dataset: "production", by: "ada").state == .cancelled)
        f.clock.advance(120)
        #expect(try f.schedules.runDue().isEmpty)
        do {
            _ = try f.schedules.cancel(id: plan.id, dataset: "production", by: "ada")
            Issue.record("a cancelled schedule was cancelled again")
        } catch { #expect(error.kind == .conflict) }
        #expect(try f.dataset.document(id: "d") == nil)
    }

    struct RefuseEverything: TransactionAuthorizing {
        func authorize(_ changes: [DocumentChange]) throws(StoreError) {
            throw StoreError(.forbidden, type: "permissionDenied", message: "Nothing may be written")
        }
    }
}
