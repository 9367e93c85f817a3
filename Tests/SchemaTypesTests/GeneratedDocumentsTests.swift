import FacetSchema
import FacetStore
import Foundation
import GROQ
import StudioConfig
import Synchronization
import Testing

/// An analytics run's documents written in groups of transactions, each worked out while the one
/// before is written: what is written, kept and deleted, the progress heard, and a refused batch.
@Suite("Generated documents")
struct GeneratedDocumentsTests {
    static func withDataset(_ body: (Dataset) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "facet-generated-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory)
        defer { store.close() }
        try await body(try store.dataset("production", create: true))
    }

    static func context(_ dataset: Dataset) -> ActionContext {
        ActionContext(dataset: dataset, documentID: "dashboard", document: ["_id": "dashboard", "_type": "dashboard"], author: "analyst")
    }

    static func scores(_ count: Int, value: Double) -> [JSONObject] {
        (0..<count).map { ["_id": .string("score.\($0)"), "_type": "score", "value": .number(value + Double($0))] }
    }

    /// More documents than a turn holds (eight transactions of a thousand): every one written,
    /// in order, with a transaction per batch, progress rising to the whole, and a second run on
    /// the same figures writing nothing.
    @Test func manyBatchesAreWrittenInTurnsAndARerunWritesNothing() async throws {
        try await Self.withDataset { (dataset: Dataset) async throws in
            try dataset.mutate([.createOrReplace(["_id": "score.stale", "_type": "score", "value": 1])])
            let count = GeneratedDocuments.batchSize * GeneratedDocuments.batchesPerTurn + 2_500
            let heard = Mutex<[Double]>([])
            let first = try await GeneratedDocuments.replace(Self.scores(count, value: 10), type: "score", prefixes: ["score."],
                                                             context: Self.context(dataset)) { share in heard.withLock { $0.append(share) } }
            #expect(first.written.count == count)
            #expect(first.written == (0..<count).map { "score.\($0)" })
            #expect(first.deleted == ["score.stale"])
            // The deletion rides in the last batch.
            #expect(first.transactionIDs.count == (count + 1 + GeneratedDocuments.batchSize - 1) / GeneratedDocuments.batchSize)
            #expect(Set(first.transactionIDs).count == first.transactionIDs.count)
            let shares = heard.withLock { $0 }
            #expect(shares.count == first.transactionIDs.count)
            #expect(shares == shares.sorted() && shares.last == 1, "\(shares)")
            #expect(try dataset.query(#"count(*[_type == "score"])"#) == .number(Double(count)))
            #expect(try dataset.query(#"*[_id == "score.9000"][0].value"#) == 9_010)

            let second = try await GeneratedDocuments.replace(Self.scores(count, value: 10), type: "score", prefixes: ["score."],
                                                              context: Self.context(dataset))
            #expect(second.written.isEmpty && second.deleted.isEmpty && second.transactionIDs.isEmpty)
            #expect(second.unchanged == count)
        }
    }

    /// An editor's save during a long run waits for the group of batches being written, not for
    /// the whole run: its transaction lands before the run's last one. The save is made on a
    /// thread of its own, started when the run's first batch is durable and waiting on the
    /// writer before the run goes on, so that a busy machine's scheduling cannot put it last.
    @Test func anotherWriterGetsInBetweenTurns() async throws {
        try await Self.withDataset { (dataset: Dataset) async throws in
            let count = GeneratedDocuments.batchSize * GeneratedDocuments.batchesPerTurn * 4
            let saved = Mutex<Result<TransactionResult, StoreError>?>(nil)
            let once = Mutex(false)
            let outcome = try await GeneratedDocuments.replace(Self.scores(count, value: 0), type: "score", prefixes: ["score."],
                                                               context: Self.context(dataset)) { _ in
                guard once.withLock({ started in defer { started = true }; return !started }) else { return }
                let ready = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    ready.signal()
                    let result = Result { () throws(StoreError) in
                        try dataset.mutate([.createOrReplace(["_id": "client-1", "_type": "client", "name": "Ada"])])
                    }
                    saved.withLock { $0 = result }
                }
                ready.wait()
            }
            #expect(outcome.transactionIDs.count == count / GeneratedDocuments.batchSize)
            var waited = 0
            while saved.withLock({ $0 }) == nil, waited < 600 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            // The run's transactions and the save are numbered one after another: some of the
            // run came after the save (a run holding the writer throughout leaves it last).
            let savedSequence = try #require(try saved.withLock { $0 }?.get().sequence)
            let last = dataset.snapshot.sequence
            #expect(last == Int64(outcome.transactionIDs.count) + 1)
            #expect(last - savedSequence >= Int64(GeneratedDocuments.batchesPerTurn), "the save was transaction \(savedSequence) of \(last)")
        }
    }

    /// A batch the store refuses ends the run with the error: the batches before it are
    /// committed, it and those after it are not.
    @Test func aRefusedBatchKeepsTheOnesBeforeAndWritesNoneAfter() async throws {
        try await Self.withDataset { (dataset: Dataset) async throws in
            var documents = Self.scores(3_500, value: 0)
            // An id the store refuses, in the third batch.
            documents[2_400]["_id"] = "score.#bad"
            await #expect(throws: StoreError.self) {
                _ = try await GeneratedDocuments.replace(documents, type: "score", prefixes: ["score."], context: Self.context(dataset))
            }
            #expect(try dataset.query(#"count(*[_type == "score"])"#) == 2_000)
            #expect(try dataset.query(#"defined(*[_id == "score.1999"][0])"#) == true)
            #expect(try dataset.query(#"defined(*[_id == "score.2000"][0])"#) == false)
        }
    }
}
