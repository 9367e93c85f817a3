import Foundation
import GROQ
import OrderedCollections
import TestSupport
import Testing
@testable import FacetStore

@Suite("Revision history", .ownThread())
struct HistoryTests {
    /// The document without the fields the store sets, for comparing with a model.
    private func content(_ document: JSONValue?) -> JSONObject? {
        guard case .object(var object)? = document else { return nil }
        for key in ["_rev", "_createdAt", "_updatedAt"] { object.removeValue(forKey: key) }
        return object
    }

    @Test(arguments: StorageKind.available)
    func historyReconstructsEveryRevisionOfAThousandRandomTransactions(_ storage: StorageKind) async throws {
        // Seconds of work: on a thread of its own, not one the servers of other tests need.
        try await offThePool {
            let fixture = try StoreFixture(storage)
            let dataset = try fixture.dataset
            var random = SeededRandom(seed: 20_261_125)
            let ids = (0..<12).map { "doc-\($0)" }
            var model: [String: JSONObject] = [:]
            var lastRevision: [String: String] = [:]
            /// For each transaction: its id, time, and the model state of every id after it.
            var states: [(id: String, timestamp: String, model: [String: JSONObject])] = []
            var touchedBy: [String: [String]] = [:]
            for step in 0..<1_000 {
                var batch: [Mutation] = []
                var next = model
                var touched = Set<String>()
                for _ in 0..<(1 + random.next(3)) {
                    let id = ids[random.next(ids.count)]
                    switch random.next(4) {
                    case 0:
                        let object: JSONObject = ["_id": .string(id), "_type": "thing", "step": .number(Double(step)), "tag": .string("t\(random.next(5))")]
                        batch.append(.createOrReplace(object))
                        next[id] = object
                        touched.insert(id)
                    case 1 where next[id] != nil:
                        batch.append(.delete(.ids([id])))
                        next[id] = nil
                        touched.insert(id)
                    case 2 where next[id] != nil:
                        let value = JSONValue.number(Double(random.next(1000)))
                        batch.append(.patch(try PatchMutation(json: ["id": .string(id), "set": ["value": value]])))
                        next[id]?["value"] = value
                        touched.insert(id)
                    default:
                        if next[id] == nil {
                            let object: JSONObject = ["_id": .string(id), "_type": "thing", "created": .number(Double(step))]
                            batch.append(.createIfNotExists(object))
                            next[id] = object
                            touched.insert(id)
                        }
                    }
                }
                guard !batch.isEmpty else { continue }
                let result = try dataset.mutate(batch, options: TransactionOptions(author: "user-\(step % 3)"))
                // A document created and deleted in one transaction leaves no revision.
                touched = touched.filter { model[$0] != nil || next[$0] != nil }
                model = next
                for id in touched {
                    lastRevision[id] = result.transactionId
                    touchedBy[id, default: []].append(result.transactionId)
                }
                let timestamp = try #require(try dataset.transactions(documentIDs: [], filter: HistoryFilter(reverse: true, limit: 1)).first?.timestamp)
                states.append((result.transactionId, timestamp, model))
            }
            #expect(states.count > 900)
            // The current state matches the model.
            for id in ids {
                #expect(content(dataset.document(id: id)) == model[id], "\(id)")
                if model[id] != nil { #expect(dataset.document(id: id)?["_rev"]?.stringValue == lastRevision[id]) }
            }
            // Every revision reads back as the model had it right after that transaction.
            for state in states {
                for id in ids where touchedBy[id]?.contains(state.id) == true {
                    let read = try dataset.document(id: id, at: .revision(state.id))
                    #expect(content(read) == state.model[id], "\(id) at \(state.id)")
                    if read != nil { #expect(read?["_rev"]?.stringValue == state.id) }
                }
            }
            // Reading at a time gives the state after the last transaction at or before it.
            for index in stride(from: 0, to: states.count, by: 37) {
                let time = states[index].timestamp
                let last = states.lastIndex { $0.timestamp <= time } ?? index
                for id in ids {
                    #expect(content(try dataset.document(id: id, at: .time(time))) == states[last].model[id], "\(id) at \(time)")
                }
            }
            // Each document's transaction list is exactly the transactions that touched it, in order.
            for id in ids {
                let listed = try dataset.transactions(documentIDs: [id]).map(\.id)
                #expect(listed == touchedBy[id] ?? [], "\(id)")
            }
            // Effects step each document from its state before a transaction to the state after it
            // and back, whether the state before is in the listing or read from history.
            for id in ids {
                for listing in [try dataset.transactions(documentIDs: [id]),
                                try dataset.transactions(documentIDs: [id], filter: HistoryFilter(reverse: true, limit: 3))] {
                    for (transaction, states) in zip(listing, try dataset.previousStates(of: listing)) {
                        for (effect, before) in zip(transaction.effects, states) {
                            #expect(before == (try effect.previousRevision.flatMap { try dataset.document(id: effect.documentID, at: .revision($0)) }))
                            let pair = MendozaPatch.effect(from: before, to: effect.document)
                            #expect(try MendozaPatch.apply(try #require(pair["apply"]), to: before ?? .null) == effect.document ?? .null)
                            #expect(try MendozaPatch.apply(try #require(pair["revert"]), to: effect.document ?? .null) == before ?? .null)
                        }
                    }
                }
            }
            // History survives reopening.
            try fixture.reopen()
            let reopened = try fixture.dataset
            for state in states.suffix(20) {
                for id in ids where touchedBy[id]?.contains(state.id) == true {
                    #expect(content(try reopened.document(id: id, at: .revision(state.id))) == state.model[id])
                }
            }
        }
    }

    @Test(arguments: StorageKind.available)
    func deletedDocumentsKeepTheirHistoryAndCanBeRestored(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let created = try dataset.mutate([.create(["_id": "a", "_type": "x", "v": 1])], options: TransactionOptions(author: "ada"))
        let patched = try dataset.mutate(mutations(#"[{"patch": {"id": "a", "set": {"v": 2}}}]"#), options: TransactionOptions(author: "bob"))
        let deleted = try dataset.mutate(mutations(#"[{"delete": {"id": "a"}}]"#))
        #expect(dataset.document(id: "a") == nil)
        #expect(try dataset.document(id: "a", at: .revision(created.transactionId))?["v"] == 1)
        #expect(try dataset.document(id: "a", at: .revision(patched.transactionId))?["v"] == 2)
        #expect(try dataset.document(id: "a", at: .revision(deleted.transactionId)) == nil)
        #expect(try dataset.document(id: "a", at: .lastRevision)?["v"] == 2)
        let log = try dataset.transactions(documentIDs: ["a"])
        #expect(log.map(\.id) == [created.transactionId, patched.transactionId, deleted.transactionId])
        #expect(log.map(\.author) == ["ada", "bob", nil])
        #expect(log[1].effects.first?.previousRevision == created.transactionId)
        let line = log[1].historyJSON()
        #expect(line["documentIDs"] == ["a"])
        #expect(line["mutations"]?[0]?["patch"]?["set"]?["v"] == 2)
        #expect(log[1].historyJSON(excludeMutations: true)["mutations"] == nil)
        #expect(try dataset.transactions(documentIDs: ["a"], filter: HistoryFilter(reverse: true, limit: 2)).map(\.id)
                == [deleted.transactionId, patched.transactionId])
        #expect(try dataset.transactions(documentIDs: ["a"], filter: HistoryFilter(authors: ["bob"])).map(\.id) == [patched.transactionId])
        #expect(try dataset.transactions(documentIDs: ["a"], filter: HistoryFilter(fromTransaction: patched.transactionId)).count == 2)

        let restored = try dataset.restore(id: "a", to: .revision(created.transactionId))
        let current = try #require(dataset.document(id: "a"))
        #expect(current["v"] == 1)
        #expect(current["_rev"]?.stringValue == restored.transactionId)
        #expect(try dataset.transactions(documentIDs: ["a"]).count == 4, "a restore is a new transaction; nothing is lost")
    }

    @Test(arguments: StorageKind.available)
    func unknownRevisionsAndBadTimesAreClearErrors(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x"])])
        #expect(storeError { _ = try dataset.document(id: "a", at: .revision("nope")) }?.status == 404)
        #expect(storeError { _ = try dataset.document(id: "a", at: .time("yesterday")) }?.status == 400)
        #expect(try dataset.document(id: "a", at: .time("2000-01-01T00:00:00Z")) == nil)
        #expect(try dataset.document(id: "a", at: .time("2999-01-01")) != nil)
        #expect(storeError { try dataset.restore(id: "a", to: .time("2000-01-01T00:00:00Z")) }?.status == 404)
    }
}

/// A small deterministic generator (SplitMix64), so random tests repeat exactly.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in `0..<bound`.
    mutating func next(_ bound: Int) -> Int { Int(next64() % UInt64(bound)) }
}
