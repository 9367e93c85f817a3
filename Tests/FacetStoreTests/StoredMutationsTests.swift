import Foundation
import GROQ
import TestSupport
import Testing
@testable import FacetStore

@Suite("Mutations kept as pointers to their revisions")
struct StoredMutationsTests {
    /// One transaction of every case: bodies the documents repeat, and bodies they do not.
    private static let batch = """
        [
          {"createOrReplace": {"_id": "plain", "_type": "thing", "tags": [{"_key": "a", "name": "x"}], "nested": {"b": 1, "a": 2}}},
          {"createOrReplace": {"_id": "dated", "_type": "thing", "_createdAt": "2020-01-01T00:00:00Z", "n": 1}},
          {"create": {"_type": "thing", "generated": true}},
          {"createIfNotExists": {"_id": "kept", "_type": "thing", "n": -0.0}},
          {"createOrReplace": {"_id": "unkeyed", "_type": "thing", "items": [{"name": "gets a _key"}]}},
          {"createOrReplace": {"_id": "patched", "_type": "thing", "n": 1}},
          {"patch": {"id": "patched", "set": {"n": 2}}},
          {"createOrReplace": {"_type": "thing", "_id": "reordered", "n": 1}},
          {"createOrReplace": {"_id": "twice", "_type": "thing", "n": 1}},
          {"createOrReplace": {"_id": "twice", "_type": "thing", "n": 1}},
          {"delete": {"id": "never-there"}}
        ]
        """

    /// The mutations as the transaction recorded them: the bodies as sent, the generated
    /// document's with its id and times.
    private func recorded(_ result: TransactionResult, in dataset: Dataset) throws -> [JSONValue] {
        var expected = try JSONValue(parsing: Self.batch).arrayValue ?? []
        // Results follow the mutations: the third is the generated document.
        var document = try #require(dataset.document(id: result.results[2].id)?.objectValue)
        document.removeValue(forKey: "_rev")
        expected[2] = ["create": .object(document)]
        return expected
    }

    @Test(arguments: StorageKind.available)
    func historyGivesBackEveryMutationAsItWasRecorded(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let result = try dataset.mutate(try mutations(Self.batch))
        let expected = try recorded(result, in: dataset)
        for reader in [dataset, try fixture.otherStore().dataset("production")] {
            let history = try reader.transactions(documentIDs: ["plain"])
            let transaction = try #require(history.first)
            #expect(transaction.mutations.map { $0.serialized() } == expected.map { $0.serialized() })
        }
        try fixture.reopen()
        let again = try fixture.dataset.transactions(after: 0, limit: 10)
        #expect(again.first?.mutations.map { $0.serialized() } == expected.map { $0.serialized() })
    }

    @Test func onlyBodiesTheirDocumentsRepeatBecomePointers() throws {
        let fixture = try StoreFixture(.sqlite)
        let dataset = try fixture.dataset
        let result = try dataset.mutate(try mutations(Self.batch))
        let transaction = try #require(try dataset.transactions(documentIDs: ["plain"]).first)
        let stored = StoredMutations.stored(transaction.mutations, effects: transaction.effects)
        let pointed = stored.map { mutation -> String? in
            guard case .object(let object) = mutation else { return nil }
            var members = object.makeIterator()
            return members.next()?.value["$document"]?.stringValue
        }
        let generated = result.results[2].id
        #expect(pointed == ["plain", "dated", generated, "kept", nil, nil, nil, nil, "twice", "twice", nil])
        #expect(stored[0] == ["createOrReplace": ["$document": "plain", "$without": ["_createdAt", "_updatedAt", "_rev"]]])
        #expect(stored[1] == ["createOrReplace": ["$document": "dated", "$without": ["_updatedAt", "_rev"]]])
        #expect(stored[2] == ["create": ["$document": .string(generated), "$without": ["_rev"]]])
        let restored = try StoredMutations.restored(stored, effects: transaction.effects, transaction: transaction.id)
        #expect(restored.map { $0.serialized() } == transaction.mutations.map { $0.serialized() })

        // Replacing a document keeps its creation time, which then differs from the body's.
        let replaced = try dataset.mutate(try mutations(#"[{"createOrReplace": {"_id": "dated", "_type": "thing", "_createdAt": "2021-01-01T00:00:00Z"}}]"#))
        let second = try #require(try dataset.transactions(documentIDs: ["dated"]).first { $0.id == replaced.transactionId })
        #expect(StoredMutations.stored(second.mutations, effects: second.effects) == second.mutations)
    }

    /// A pointer whose revision is not in its transaction (a file altered by hand) fails the
    /// read with the transaction named, rather than giving back a mutation that never was.
    @Test func aPointerWithoutItsRevisionIsReportedAsDamage() throws {
        let effect = CommittedTransaction.Effect(documentID: "a", previousRevision: nil, resultRevision: "tx", document: ["_id": "a", "_type": "t"])
        let pointer: JSONValue = ["createOrReplace": ["$document": "b", "$without": ["_rev"]]]
        do {
            _ = try StoredMutations.restored([pointer], effects: [effect], transaction: "tx-1")
            Issue.record("restored a pointer to a revision the transaction does not hold")
        } catch {
            #expect(error.kind == .storage)
            #expect(error.message.contains("tx-1") && error.message.contains("\"b\""))
        }
        // A body that has an _id is a body, whatever else it holds.
        let body: JSONValue = ["createOrReplace": ["_id": "a", "_type": "t", "$document": "b"]]
        #expect(try StoredMutations.restored([body], effects: [effect], transaction: "tx-1") == [body])
    }
}
