import Dispatch
import FacetPostgres
import Foundation
import GROQ
import Synchronization
import Testing
import TestSupport
@testable import FacetStore

@Suite("PostgreSQL backend", .ownThread())
struct PostgresBackendTests {
    @Test func theTestsGetAServerUnderCI() {
        // Without one, every PostgreSQL case of the parameterised suites would silently not run.
        let underCI = ProcessInfo.processInfo.environment["CI"] == "true"
        #expect(!underCI || TestDatabase.url != nil, "\(TestDatabaseMissing())")
    }

    @Test func aURLIsReadWithItsSettingsAndShownWithoutItsPassword() throws {
        let location = try PostgresLocation(url: "postgres://ada:s%40cret@db.example:6543/crm?pool=3&timeout=7&schema=facet")
        #expect(location.configuration.username == "ada" && location.configuration.password == "s@cret")
        #expect(location.configuration.host == "db.example" && location.configuration.port == 6543 && location.configuration.database == "crm")
        #expect(location.poolSize == 3 && location.checkoutTimeout == .seconds(7) && location.schema == "facet")
        #expect(!location.description.contains("cret") && location.description.contains("db.example"))
        #expect(PostgresLocation.isURL("postgresql://x") && !PostgresLocation.isURL("./facet-data"))
    }

    @Test(arguments: [
        ("postgres://h/db?pol=3", "pol"),
        ("postgres://h/db?pool=0", "pool=0"),
        ("postgres://h/db?schema=Drop%20Table", "schema="),
        ("postgres://h/db?sslmode=sometimes", "sslmode=sometimes"),
        ("postgres:///db", "no host"),
        ("mysql://h/db", "postgres://"),
    ])
    func aBadURLIsRefusedSayingWhatIsWrong(url: String, named: String) {
        let error = storeError { _ = try PostgresLocation(url: url) }
        #expect(error?.kind == .invalid && error?.message.contains(named) == true, "\(String(describing: error))")
        #expect(error?.advice.contains("postgres://") == true)
    }

    @Test func aDatabaseOutOfReachIsUnavailableNotAnInternalError() throws {
        // A port nothing listens on: bound and closed again.
        let url = "postgres://postgres@127.0.0.1:\(try LoopbackPort.free())/facet?connect_timeout=2"
        let started = ContinuousClock.now
        // The backend is made all the same (a server starts before its database), and each use
        // says the database is out of reach.
        let backend = try PostgresBackend(location: PostgresLocation(url: url))
        let error = storeError { _ = try backend.datasetNames() }
        #expect(error?.kind == .unavailable && error?.status == 503, "\(String(describing: error))")
        #expect(error?.message.contains("Cannot connect to the database at postgres://postgres@127.0.0.1:") == true, "\(String(describing: error))")
        #expect(backend.reachability()?.kind == .unavailable)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func writersOnTwoServersTakeTurnsAndLoseNothing() async throws {
        guard TestDatabase.url != nil else { return }
        let fixture = try StoreFixture(.postgres)
        let other = try fixture.otherStore()
        defer { other.close() }
        let datasets = [try fixture.dataset, try other.dataset("production", create: true)]
        try datasets[0].mutate([.create(["_id": "counter", "_type": "x", "n": 0])])
        try datasets[1].refresh()
        // Both increment the same counter 25 times at once; each commit is worked out again on
        // the other's newer state when it lost the race, so every increment lands.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for dataset in datasets {
                group.addTask {
                    try await offThePool {
                        for _ in 0..<25 { try dataset.mutate(mutations(#"[{"patch": {"id": "counter", "inc": {"n": 1}}}]"#)) }
                    }
                }
            }
            try await group.waitForAll()
        }
        for dataset in datasets { try dataset.refresh() }
        #expect(datasets[0].document(id: "counter")?["n"] == 50)
        #expect(datasets[1].document(id: "counter") == datasets[0].document(id: "counter"))
        let history = try datasets[0].transactions(documentIDs: ["counter"])
        #expect(history.count == 51)
        #expect(history.map(\.sequence) == Array(1...51), "one order, no gaps")
    }

    @Test func aStagedDatasetIsInvisibleUntilPublishedAndRefusedWhenItsNameIsTaken() throws {
        guard TestDatabase.url != nil else { return }
        let fixture = try StoreFixture(.postgres)
        let backend = fixture.store.backend
        let staged = try backend.stageDataset("imported")
        _ = try staged.storage.append(CommittedTransaction(sequence: 1, id: "t1", timestamp: "2026-01-01T00:00:00.000Z", author: nil,
                                                           mutations: [], effects: [.init(documentID: "a", previousRevision: nil, resultRevision: "t1",
                                                                                          document: ["_id": "a", "_type": "x"])]))
        #expect(try backend.datasetNames().contains("imported") == false)
        try staged.publish()
        #expect(try backend.datasetNames().contains("imported"))
        #expect(try fixture.store.dataset("imported").document(id: "a")?["_type"] == "x")

        let second = try backend.stageDataset("imported")
        #expect(storeError { try second.publish() }?.type == "datasetExistsError")
        #expect(try backend.datasetNames() == ["imported"], "the refused one is gone")
    }

    @Test func aDatasetCopiedToPostgreSQLAndBackKeepsItsDocumentsAndHistory() throws {
        guard TestDatabase.url != nil else { return }
        let sqlite = try StoreFixture(.sqlite)
        let postgres = try StoreFixture(.postgres)
        let source = try sqlite.dataset
        for n in 0..<30 {
            try source.mutate([.createOrReplace(["_id": .string("c-\(n % 7)"), "_type": "customer", "n": .number(Double(n)), "name": "Zoë"])])
        }
        try source.mutate(mutations(#"[{"delete": {"id": "c-3"}}]"#))
        let there = try DatasetCopy.copy("production", from: sqlite.store.backend, to: postgres.store.backend)
        #expect(there.documents == 6 && there.transactions == 31)
        let copied = try postgres.store.dataset("production")
        #expect(copied.document(id: "c-1") == source.document(id: "c-1") && copied.document(id: "c-3") == nil)
        #expect(try copied.transactions(documentIDs: ["c-3"]).map(\.id) == source.transactions(documentIDs: ["c-3"]).map(\.id))
        #expect(try copied.document(id: "c-3", at: .lastRevision)?["n"] == 24, "a deleted document's history came along")

        // Back, under another name, with the same checksums.
        let back = try DatasetCopy.copy("production", from: postgres.store.backend, to: sqlite.store.backend, as: "returned")
        #expect(back == there)
        // A second copy onto the same name is refused, and the first is untouched.
        let again = storeError { _ = try DatasetCopy.copy("production", from: sqlite.store.backend, to: postgres.store.backend) }
        #expect(again?.type == "datasetExistsError")
        #expect(try postgres.store.backend.datasetNames() == ["production"])
    }

    @Test func aLeaseHasOneHolderAndMovesWhenItsHolderStopsRenewing() async throws {
        guard TestDatabase.url != nil else { return }
        let fixture = try StoreFixture(.postgres)
        let other = try fixture.otherStore()
        defer { other.close() }
        let first = HeldLease(backend: fixture.store.backend, name: "scheduler", holder: "server-a", duration: .seconds(1))
        let second = HeldLease(backend: other.backend, name: "scheduler", holder: "server-b", duration: .seconds(1))
        #expect(first.renew() && first.isHeld)
        #expect(!second.renew() && !second.isHeld, "one holder at a time")
        #expect(first.renew(), "the holder renews")
        // The holder dies: it renews no more, and the lease runs out.
        try await Task.sleep(for: .milliseconds(1_300))
        #expect(!first.isHeld, "a holder that could not renew stops counting itself the holder")
        #expect(second.renew() && second.isHeld, "taken over once it ran out")
        #expect(!first.renew())
        // Given up on stopping: taken over at once.
        second.release()
        #expect(first.renew())
        #expect(HeldLease(backend: fixture.store.backend, name: "another", holder: "server-b").renew(), "leases are by name")
    }

    @Test func aCommitWaitingPastTheLockTimeoutIsAnsweredUnavailableNotLeftHanging() async throws {
        guard TestDatabase.url != nil else { return }
        // Only the waiting server has two seconds per statement (and per lock wait): the rest of
        // the test must not fail because a database busy with other tests took a second.
        let base = try TestDatabase.freshSchemaURL()
        defer { TestDatabase.dropSchema(of: base) }
        let holder = DocumentStore(backend: try PostgresBackend(location: PostgresLocation(url: base)))
        let waiter = DocumentStore(backend: try PostgresBackend(location: PostgresLocation(url: base + "&statement_timeout=2")))
        defer {
            holder.close()
            waiter.close()
        }
        try holder.dataset("production", create: true).mutate([.create(["_id": "a", "_type": "x"])])
        // Opening reads under the same two seconds: on a database busy with other tests, tried
        // for up to a minute.
        var opened: Dataset?, openFailures: [String] = []
        while opened == nil, openFailures.count < 60 {
            do throws(StoreError) { opened = try waiter.dataset("production") } catch {
                openFailures.append(error.message)
                try await Task.sleep(for: .seconds(1))
            }
        }
        let waiting = try #require(opened, "the waiting server could not open the dataset: \(openFailures.suffix(3))")
        // Another server holds the dataset's row lock for six seconds, three times the wait allowed.
        let storage = try holder.backend.openDataset("production", create: false)
        // A thread of its own: the test's threads may all be busy.
        let (locked, released) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        Thread {
            _ = try? storage.appendHoldingLock(after: 1) { _ in
                locked.signal()
                Thread.sleep(forTimeInterval: 6)
                return nil
            }
            released.signal()
        }.start()
        try await offThePool {
            #expect(locked.wait(timeout: .now() + 30) == .success)
            // Left to wait, the commit would go through once the lock is free: the refusal is
            // the lock timeout cutting the wait short.
            let error = storeError { try waiting.mutate([.create(["_id": "b", "_type": "x"])]) }
            #expect(error?.kind == .unavailable && error?.status == 503, "\(String(describing: error))")
            #expect(error?.message.contains("in time") == true)
            #expect(released.wait(timeout: .now() + 30) == .success)
        }
        // Once the lock is free the same commit goes through (given a few tries: with two seconds
        // of statement time, a database busy with other tests may cut a first try short).
        var refusals: [StoreError] = []
        while refusals.count < 30, let refusal = storeError({ try waiting.mutate([.create(["_id": "b", "_type": "x"])]) }) {
            try #require(refusal.kind == .unavailable, "\(refusal)")
            refusals.append(refusal)
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(refusals.count < 30, "\(refusals)")
        #expect(waiting.document(id: "b") != nil)
    }

    @Test(arguments: StorageKind.available)
    func stringsWithNULAndFourMegabyteFieldsAreStoredAndReadBackExactly(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let big = String(repeating: "é🙂x", count: 4 << 20 / 7)
        try dataset.mutate([.create(["_id": "odd", "_type": "a\u{0}b", "text": .string("nul \u{0} inside"), "big": .string(big)])])
        let written = dataset.document(id: "odd")
        try fixture.reopen()
        let read = try fixture.dataset.document(id: "odd")
        #expect(read == written)
        #expect(read?["_type"] == "a\u{0}b" && read?["big"]?.stringValue?.utf8.count == big.utf8.count)
        #expect(try fixture.dataset.document(id: "odd", at: .lastRevision) == written)
    }

    @Test func aStorageUsedByOneServerGrantsEveryLease() throws {
        let fixture = try StoreFixture(.sqlite)
        #expect(HeldLease(backend: fixture.store.backend, name: "scheduler", holder: "a").renew())
        #expect(HeldLease(backend: fixture.store.backend, name: "scheduler", holder: "b").renew())
    }
}
