import Foundation
import GROQ
import Testing
import TestSupport
@testable import FacetStore

/// `mutateEach` works out the next batch while the one before is written: it must end as
/// calling `mutate` once per batch would, whatever happens in between.
@Suite("Batches worked out beside the writes", .ownThread())
struct MutateEachTests {
    private func batch(_ n: Int, size: Int = 3) -> [Mutation] {
        (0..<size).map { .createOrReplace(["_id": .string("d-\(n)-\($0)"), "_type": "x", "batch": .number(Double(n))]) }
    }

    @Test(arguments: StorageKind.available)
    func eachBatchIsATransactionOfItsOwnInOrderAndHeardByListeners(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let subscription = try dataset.listen("*[_type == 'x']")
        defer { subscription.cancel() }
        let before = subscription.backlog
        var handedOut = 0
        var results: [TransactionResult] = []
        try dataset.mutateEach({ () throws(StoreError) -> [Mutation]? in
            handedOut += 1
            switch handedOut {
            case 3: return []  // an empty batch is skipped
            case 7: return nil
            default: return batch(handedOut)
            }
        }) { results.append($0) }
        #expect(results.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(Set(results.map(\.transactionId)).count == 5)
        #expect(results.map { $0.results.map(\.id) } == [1, 2, 4, 5, 6].map { n in (0..<3).map { "d-\(n)-\($0)" } })
        #expect(try dataset.query("count(*[_type == 'x'])") == 15)
        #expect(subscription.backlog - before == 5, "one notice per transaction")
        // Each is a transaction of its own in history, as written.
        let history = try dataset.transactions(documentIDs: ["d-2-0", "d-6-2"])
        #expect(history.map(\.sequence) == [2, 5])
        let reopened = try fixture.otherStore()
        defer { reopened.close() }
        #expect(try reopened.dataset("production").query("*[_type == 'x'] | order(_id)._id") == dataset.query("*[_type == 'x'] | order(_id)._id"))
    }

    /// A refused batch ends the run: those before it are committed, none after it is, and the
    /// error names the mutation as `mutate` would.
    @Test(arguments: StorageKind.available)
    func aRefusedBatchKeepsTheOnesBeforeItAndRunsNoneAfter(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        var handedOut = 0
        var committed = 0
        let error = try #require(throws: StoreError.self) {
            try dataset.mutateEach({ () throws(StoreError) -> [Mutation]? in
                handedOut += 1
                if handedOut == 3 { return [.create(["_id": "d-1-0", "_type": "x"])] }  // exists by then
                return handedOut < 6 ? batch(handedOut) : nil
            }) { _ in committed += 1 }
        }
        #expect(error.type == "documentAlreadyExistsError")
        #expect(error.mutationIndex == 0)
        #expect(committed == 2)
        #expect(try dataset.query("*[_type == 'x'] | order(_id)._id") == .array((1...2).flatMap { n in (0..<3).map { .string("d-\(n)-\($0)") } }))
        let reopened = try fixture.otherStore()
        defer { reopened.close() }
        #expect(try reopened.dataset("production").query("count(*)") == 6)
        // The store takes the next writer at once.
        try dataset.mutate(batch(9))
        #expect(try dataset.query("count(*)") == 9)
    }

    /// Another process commits while a batch is being written: the write is refused, the
    /// batch is worked out again on the newer state, and so is the next one, which was worked
    /// out on the older state (here it patches a document only the other process created).
    @Test(arguments: StorageKind.available)
    func anotherProcessCommittingMeanwhileIsCaughtUpWith(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let other = try fixture.otherStore()
        defer { other.close() }
        let writer = try other.dataset("production")
        let patch = try mutations(#"[{"patch": {"id": "elsewhere", "inc": {"n": 1}}}]"#)
        var handedOut = 0
        var results: [TransactionResult] = []
        try dataset.mutateEach({ () throws(StoreError) -> [Mutation]? in
            handedOut += 1
            switch handedOut {
            case 1: return batch(1)
            case 2:
                // Handed out while batch 1 is about to be written.
                try writer.mutate([.create(["_id": "elsewhere", "_type": "x", "n": 1])])
                return patch
            case 3: return batch(3)
            default: return nil
            }
        }) { results.append($0) }
        #expect(results.map(\.sequence) == [2, 3, 4], "after the other process's transaction 1")
        #expect(dataset.document(id: "elsewhere")?["n"] == 2)
        #expect(try dataset.query("count(*)") == 7)
        try writer.refresh()
        #expect(writer.document(id: "elsewhere")?["n"] == 2)
        #expect(try writer.query("count(*)") == 7)
    }

    /// Each batch is sealed beside the write before it: what is stored is sealed, and a batch
    /// the sealing refuses ends the run as a refused write would, with the batches before it
    /// committed and stored sealed, and nothing of it or after it.
    @Test func batchesAreSealedAheadAndARefusedSealingEndsTheRun() throws {
        let directory = NSTemporaryDirectory() + "facet-sealed-batches-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, sealing: MarkingSealing())
        let dataset = try store.dataset("production", create: true)
        var handedOut = 0
        var committed: [Int64] = []
        let error = try #require(throws: StoreError.self) {
            try dataset.mutateEach({ () throws(StoreError) -> [Mutation]? in
                handedOut += 1
                guard handedOut <= 5 else { return nil }
                return (0..<50).map { index in
                    .create(["_id": .string("s-\(handedOut)-\(index)"), "_type": "x",
                             "secret": .string(handedOut == 4 && index == 7 ? "refuse" : "secret \(index)")])
                }
            }) { committed.append($0.sequence!) }
        }
        #expect(error.type == "sealingRefused")
        #expect(committed == [1, 2, 3])
        #expect(try dataset.query("count(*)") == 150)
        #expect(dataset.document(id: "s-2-3")?["secret"] == "secret 3", "opened in memory")
        store.close()

        // Read without the sealing: each stored document holds the sealed value.
        let plain = try DocumentStore(directory: directory)
        defer { plain.close() }
        let stored = try plain.dataset("production")
        #expect(try stored.query("count(*)") == 150)
        #expect(try stored.query("count(*[secret match 'sealed*'])") == 150)
        #expect(stored.document(id: "s-3-49")?["secret"] == "sealed:secret 49")
    }

    /// `nextBatch` failing ends the run with the batch worked out ahead of it never written,
    /// and the dataset free for the next writer.
    @Test(arguments: StorageKind.available)
    func aFailingSourceOfBatchesEndsTheRunWithNothingAheadWritten(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        var handedOut = 0
        var committed: [Int64] = []
        let error = try #require(throws: StoreError.self) {
            try dataset.mutateEach({ () throws(StoreError) -> [Mutation]? in
                handedOut += 1
                if handedOut == 3 { throw StoreError.invalid("the source failed", advice: "") }
                return batch(handedOut)
            }) { committed.append($0.sequence!) }
        }
        #expect(error.message == "the source failed")
        #expect(committed == [1])
        #expect(try dataset.query("*[_type == 'x'] | order(_id)._id") == ["d-1-0", "d-1-1", "d-1-2"])
        try dataset.mutate(batch(9))
        #expect(try dataset.query("count(*)") == 6)
    }

    @Test(arguments: StorageKind.available)
    func aTransactionIDForSeveralTransactionsIsRefused(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let error = try #require(throws: StoreError.self) {
            try dataset.mutateEach({ () throws(StoreError) -> [Mutation]? in nil }, options: TransactionOptions(transactionId: "t-1"))
        }
        #expect(error.status == 400)
    }
}

/// A sealing that stores `secret` prefixed with `sealed:`, and refuses to seal the value `refuse`.
private struct MarkingSealing: DocumentSealing {
    func seal(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        guard case .object(var object) = document, let secret = object["secret"]?.stringValue else { return document }
        if secret == "refuse" { throw StoreError(.invalid, type: "sealingRefused", message: "cannot seal this") }
        object["secret"] = .string("sealed:" + secret)
        return .object(object)
    }

    func unseal(_ document: consuming JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        guard case .object(var object) = document, let secret = object["secret"]?.stringValue, secret.hasPrefix("sealed:") else { return document }
        object["secret"] = .string(String(secret.dropFirst("sealed:".count)))
        return .object(object)
    }

    func sealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue { .null }

    func unsealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue { mutation }
}
