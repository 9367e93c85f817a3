import Foundation
import GROQ
import Testing
import TestSupport
@testable import FacetStore

@Suite("Mutations and transactions", .ownThread())
struct MutationTests {
    @Test(arguments: StorageKind.available)
    func createSetsSystemFields(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let result = try dataset.mutate(mutations(#"{"mutations": [{"create": {"_id": "c-1", "_type": "customer", "name": "Ada"}}]}"#))
        let document = try #require(dataset.document(id: "c-1"))
        #expect(document["_type"] == "customer")
        #expect(document["name"] == "Ada")
        #expect(document["_rev"]?.stringValue == result.transactionId)
        let created = try #require(document["_createdAt"]?.stringValue)
        #expect(created.count == 24 && created.hasSuffix("Z") && created.dropFirst(19).hasPrefix("."))
        #expect(document["_updatedAt"]?.stringValue == created)
        #expect(Array(document.objectValue!.keys.prefix(5)) == ["_id", "_type", "_createdAt", "_updatedAt", "name"])
        #expect(result.results == [.init(id: "c-1", operation: "create", document: document)])
        #expect(result.json(TransactionOptions()) == ["transactionId": .string(result.transactionId), "results": [["id": "c-1", "operation": "create"]]])
    }

    /// A large transaction finishes its documents on every core: it must still fail on the
    /// first document in order that breaks a limit, name it, and store nothing; and every
    /// document it stores carries the transaction's revision, array keys and its own values.
    @Test func aLargeTransactionFailsOnItsFirstBadDocumentInOrderAndStoresNothing() throws {
        let directory = NSTemporaryDirectory() + "facet-large-transaction-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var limits = DocumentLimits()
        limits.maxDocumentBytes = 2_000
        let store = try DocumentStore(directory: directory, limits: limits)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        func batch(oversize: Set<Int>) -> [Mutation] {
            (0..<1_000).map { index in
                .create(["_id": .string("d-\(index)"), "_type": "x", "n": .number(Double(index)), "tags": [["label": "a"]],
                         "text": .string(String(repeating: "x", count: oversize.contains(index) ? 3_000 : 10))])
            }
        }
        let error = try #require(throws: StoreError.self) { try dataset.mutate(batch(oversize: [999, 611, 612])) }
        #expect(error.type == "documentTooLargeError")
        #expect(error.documentID == "d-611")
        #expect(try dataset.query("count(*)") == 0)

        let result = try dataset.mutate(batch(oversize: []))
        #expect(try dataset.query("count(*[_rev == $rev])", params: ["rev": .string(result.transactionId)]) == 1_000)
        #expect((0..<1_000).allSatisfy { index in dataset.document(id: "d-\(index)")?["n"] == .number(Double(index)) })
        #expect(try dataset.query("count(*[defined(tags[0]._key)])") == 1_000)
        let history = try dataset.transactions(documentIDs: ["d-500"])
        #expect(history.first?.effects.count == 1_000)
        #expect(Set(history.first?.effects.map(\.documentID) ?? []) == Set((0..<1_000).map { "d-\($0)" }))
    }

    @Test(arguments: StorageKind.available)
    func createGeneratesIDsAndPrefixes(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let result = try dataset.mutate(mutations(#"[{"create": {"_type": "note"}}, {"create": {"_id": "drafts.", "_type": "note"}}]"#))
        let plain = result.results[0].id, draft = result.results[1].id
        #expect(plain.count == 22)
        #expect(draft.hasPrefix("drafts.") && draft.count == 29)
        #expect(dataset.document(id: plain) != nil && dataset.document(id: draft) != nil)
    }

    @Test(arguments: ["#bad", "-x", "a..b", "a.", ".a", "a.-b", "with space", String(repeating: "x", count: 129), ""])
    func malformedIDsAreRejected(_ id: String) throws {
        let fixture = try StoreFixture()
        let dataset = try fixture.dataset
        let error = storeError { try dataset.mutate([.createOrReplace(["_id": .string(id), "_type": "x"])]) }
        #expect(error?.status == 400)
        #expect(error?.message.contains("Malformed document ID") == true)
        #expect(error?.mutationIndex == 0)
        #expect(dataset.snapshot.count == 0)
    }

    @Test func validIDsAreAccepted() throws {
        for id in ["a", "A.b_c-d", "customer.c-1.x", "x9_", String(repeating: "y", count: 128)] {
            #expect(throws: Never.self) { try DocumentID.validate(id) }
        }
    }

    @Test(arguments: StorageKind.available)
    func typeIsRequired(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        for body in [#"{"create": {"_id": "a"}}"#, #"{"create": {"_id": "a", "_type": ""}}"#, #"{"createOrReplace": {"_id": "a", "_type": 3}}"#] {
            let error = storeError { try dataset.mutate(mutations(body)) }
            #expect(error?.status == 400 && error?.message.contains("_type") == true, "\(body)")
        }
    }

    @Test(arguments: StorageKind.available)
    func createOfAnExistingIDConflicts(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x"])])
        let error = storeError { try dataset.mutate([.create(["_id": "a", "_type": "x"])]) }
        #expect(error?.status == 409)
        #expect(error?.type == "documentAlreadyExistsError")
    }

    @Test(arguments: StorageKind.available)
    func createOrReplaceKeepsCreatedAtAndReportsUpdate(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x", "_createdAt": "2020-01-01T00:00:00.000Z", "old": true])])
        let result = try dataset.mutate([.createOrReplace(["_id": "a", "_type": "x", "new": true])])
        #expect(result.results.map(\.operation) == ["update"])
        let document = try #require(dataset.document(id: "a"))
        #expect(document["_createdAt"] == "2020-01-01T00:00:00.000Z")
        #expect(document["old"] == nil && document["new"] == true)
        #expect(document["_updatedAt"] != "2020-01-01T00:00:00.000Z")
    }

    @Test(arguments: StorageKind.available)
    func createIfNotExistsLeavesExistingAlone(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x", "v": 1])])
        let before = try #require(dataset.document(id: "a"))
        let result = try dataset.mutate([.createIfNotExists(["_id": "a", "_type": "x", "v": 2]), .createIfNotExists(["_id": "b", "_type": "x"])])
        #expect(result.results.map(\.operation) == ["none", "create"])
        #expect(dataset.document(id: "a") == before)
    }

    @Test(arguments: StorageKind.available)
    func deleteByIDAndByQuery(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate((1...5).map { .create(["_id": .string("n\($0)"), "_type": "note", "n": .number(Double($0))]) })
        let byID = try dataset.mutate(mutations(#"[{"delete": {"id": ["n1", "missing"]}}]"#))
        #expect(byID.results.map(\.operation) == ["delete", "none"])
        let byQuery = try dataset.mutate(mutations(#"[{"delete": {"query": "*[_type == 'note' && n > $min]", "params": {"min": 3}}}]"#))
        #expect(Set(byQuery.results.map(\.id)) == ["n4", "n5"])
        #expect(try dataset.query("*[_type == 'note']._id") == ["n2", "n3"])
    }

    @Test(arguments: StorageKind.available)
    func patchByIDAndByQueryWithSet(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x", "tier": "gold"]), .create(["_id": "b", "_type": "x", "tier": "silver"])])
        let rev = try #require(dataset.document(id: "a")?["_rev"]?.stringValue)
        let result = try dataset.mutate(mutations(#"[{"patch": {"query": "*[tier == 'gold']", "set": {"vip": true}}}]"#))
        #expect(result.results == [.init(id: "a", operation: "update", document: dataset.document(id: "a"))])
        let patched = try #require(dataset.document(id: "a"))
        #expect(patched["vip"] == true)
        #expect(patched["_rev"]?.stringValue != rev)
        #expect(dataset.document(id: "b")?["vip"] == nil)
    }

    @Test(arguments: StorageKind.available)
    func patchOfAMissingDocumentFails(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let error = storeError { try dataset.mutate(mutations(#"[{"patch": {"id": "nope", "set": {"a": 1}}}]"#)) }
        #expect(error?.status == 404)
        #expect(error?.documentID == "nope")
    }

    @Test(arguments: StorageKind.available)
    func patchMayNotChangeTheID(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x"])])
        let error = storeError { try dataset.mutate(mutations(#"[{"patch": {"id": "a", "set": {"_id": "b"}}}]"#)) }
        #expect(error?.status == 400)
        #expect(dataset.document(id: "a") != nil && dataset.document(id: "b") == nil)
    }

    @Test(arguments: StorageKind.available)
    func ifRevisionIDMismatchFailsTheWholeTransaction(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x", "v": 1])])
        let rev = try #require(dataset.document(id: "a")?["_rev"]?.stringValue)
        let error = storeError {
            try dataset.mutate(mutations(#"[{"create": {"_id": "b", "_type": "x"}}, {"patch": {"id": "a", "ifRevisionID": "stale", "set": {"v": 2}}}]"#))
        }
        #expect(error?.status == 409)
        #expect(error?.type == "documentRevisionIDDoesNotMatchError")
        #expect(error?.mutationIndex == 1)
        #expect(error?.details["currentRevisionID"] == .string(rev))
        #expect(error?.details["expectedRevisionID"] == "stale")
        #expect(error?.message.contains(rev) == true && error?.message.contains("stale") == true)
        #expect(dataset.document(id: "b") == nil, "the first mutation must not be committed")
        try dataset.mutate(mutations(#"[{"patch": {"id": "a", "ifRevisionID": "\#(rev)", "set": {"v": 2}}}]"#))
        #expect(dataset.document(id: "a")?["v"] == 2)
    }

    @Test(arguments: StorageKind.available)
    func dryRunWritesNothing(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        var options = TransactionOptions(returnDocuments: true, dryRun: true)
        options.transactionId = "tx-dry"
        let result = try dataset.mutate([.create(["_id": "a", "_type": "x"])], options: options)
        #expect(result.sequence == nil)
        #expect(result.results.first?.document?["_id"] == "a")
        #expect(dataset.document(id: "a") == nil)
        try fixture.reopen()
        #expect(try fixture.dataset.document(id: "a") == nil)
    }

    @Test(arguments: StorageKind.available)
    func resultShapesFollowTheOptions(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let options = TransactionOptions(returnIds: true, returnDocuments: true, transactionId: "tx-1")
        let result = try dataset.mutate([.create(["_id": "a", "_type": "x"])], options: options)
        #expect(result.transactionId == "tx-1")
        let json = result.json(options)
        #expect(json["documentIds"] == ["a"])
        #expect(json["results"]?[0]?["document"]?["_rev"] == "tx-1")
        let reused = storeError { try dataset.mutate([.create(["_id": "b", "_type": "x"])], options: options) }
        #expect(reused?.status == 409)
        #expect(dataset.document(id: "b") == nil)
    }

    @Test(arguments: StorageKind.available)
    func arrayObjectsGetKeys(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "a", "_type": "x", "items": [["n": 1], ["_key": "k2", "n": 2], "plain"], "nested": ["rows": [["cells": [["v": 1]]]]]])])
        let document = try #require(dataset.document(id: "a"))
        let first = try #require(document["items"]?[0]?["_key"]?.stringValue)
        #expect(first.count == 12)
        #expect(document["items"]?[1]?["_key"] == "k2")
        #expect(document["items"]?[2] == "plain")
        #expect(document["nested"]?["rows"]?[0]?["_key"] != nil)
        #expect(document["nested"]?["rows"]?[0]?["cells"]?[0]?["_key"] != nil)
        var options = TransactionOptions()
        options.autoGenerateArrayKeys = false
        try dataset.mutate([.create(["_id": "b", "_type": "x", "items": [["n": 1]]])], options: options)
        #expect(dataset.document(id: "b")?["items"]?[0]?["_key"] == nil)
    }

    @Test(arguments: StorageKind.available)
    func badInputChangesNothing(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "keep", "_type": "x"])])
        let before = dataset.snapshot.sequence
        #expect(storeError { _ = try Mutation.list(parsing: #"{"mutations": [{"create": {"_id": "a""#) }?.status == 400)
        #expect(storeError { _ = try Mutation.list(parsing: #"{"mutations": [{"explode": {}}]}"#) }?.message.contains("Unknown mutation kind \"explode\"") == true)
        #expect(storeError { _ = try Mutation.list(parsing: #"{"mutations": [{"delete": {}}]}"#) }?.status == 400)
        var deep: JSONValue = "bottom"
        for _ in 0..<70 { deep = ["d": deep] }
        let tooDeep = storeError { try dataset.mutate([.create(["_id": "deep", "_type": "x", "v": deep])]) }
        #expect(tooDeep?.message.contains("nested more than 64") == true)
        let big = String(repeating: "x", count: 9 * 1024 * 1024)
        let tooBig = storeError { try dataset.mutate([.create(["_id": "big", "_type": "x", "v": .string(big)])]) }
        #expect(tooBig?.status == 413)
        #expect(dataset.snapshot.sequence == before)
        #expect(try dataset.query("count(*)") == 1)
    }

    @Test(arguments: StorageKind.available)
    func documentsSurviveReopening(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        try fixture.dataset.mutate([.create(["_id": "a", "_type": "x", "name": "Ada"]), .create(["_id": "b", "_type": "x"])])
        try fixture.dataset.mutate(mutations(#"[{"delete": {"id": "b"}}]"#))
        let before = try fixture.dataset.document(id: "a")
        try fixture.reopen()
        let dataset = try fixture.dataset
        #expect(dataset.document(id: "a") == before)
        #expect(dataset.document(id: "b") == nil)
        #expect(dataset.snapshot.sequence == 2)
    }
}
