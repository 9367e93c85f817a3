import GROQ
import Testing
import TestSupport
@testable import FacetStore

@Suite("Reference integrity", .ownThread())
struct ReferenceTests {
    @Test(arguments: StorageKind.available)
    func aStrongReferenceMustPointToAnExistingDocument(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let error = storeError { try dataset.mutate([.create(["_id": "o-1", "_type": "order", "lines": [["product": ["_ref": "p-404"]]]])]) }
        #expect(error?.status == 409)
        #expect(error?.type == "documentReferenceDoesNotExistError")
        #expect(error?.message.contains("\"p-404\"") == true)
        #expect(dataset.document(id: "o-1") == nil)
        // Weak references may dangle; a target created in the same transaction is fine.
        try dataset.mutate([.create(["_id": "o-2", "_type": "order", "product": ["_ref": "p-404", "_weak": true]])])
        try dataset.mutate([.create(["_id": "o-3", "_type": "order", "product": ["_ref": "p-1"]]), .create(["_id": "p-1", "_type": "product"])])
        // A patch that adds a dangling reference fails too.
        let patch = storeError { try dataset.mutate(mutations(#"[{"patch": {"id": "o-2", "set": {"other": {"_ref": "nowhere"}}}}]"#)) }
        #expect(patch?.type == "documentReferenceDoesNotExistError")
    }

    @Test(arguments: StorageKind.available)
    func deletingAReferencedDocumentFailsAndNamesTheReferrers(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([
            .create(["_id": "c-1", "_type": "customer"]),
            .create(["_id": "o-1", "_type": "order", "customer": ["_ref": "c-1"]]),
            .create(["_id": "o-2", "_type": "order", "customer": ["_ref": "c-1"]]),
            .create(["_id": "n-1", "_type": "note", "about": ["_ref": "c-1", "_weak": true]]),
        ])
        let error = storeError { try dataset.mutate(mutations(#"[{"delete": {"id": "c-1"}}]"#)) }
        #expect(error?.status == 409)
        #expect(error?.type == "documentHasExistingReferencesError")
        #expect(error?.details["referencingIDs"] == ["o-1", "o-2"])
        #expect(error?.message.contains("\"o-1\", \"o-2\"") == true)
        #expect(dataset.document(id: "c-1") != nil)
        // Deleting the referrers in the same transaction makes it possible.
        try dataset.mutate(mutations(#"[{"delete": {"id": ["o-1", "o-2", "c-1"]}}]"#))
        #expect(dataset.document(id: "c-1") == nil)
        #expect(dataset.document(id: "n-1") != nil, "the weak reference now dangles, as weak references may")
    }

    @Test(arguments: StorageKind.available)
    func changingTheTypeOfAReferencedDocumentFails(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer"]), .create(["_id": "o-1", "_type": "order", "customer": ["_ref": "c-1"]])])
        #expect(storeError { try dataset.mutate([.createOrReplace(["_id": "c-1", "_type": "lead"])]) }?.type == "documentHasExistingReferencesError")
        try dataset.mutate([.createOrReplace(["_id": "c-1", "_type": "customer", "name": "same type is fine"])])
    }

    @Test(arguments: StorageKind.available)
    func referenceQueriesUseTheIndexThroughWrites(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada"]), .create(["_id": "c-2", "_type": "customer", "name": "Bob"])])
        try dataset.mutate((1...3).map { .create(["_id": .string("o-\($0)"), "_type": "order", "customer": ["_ref": .string($0 == 3 ? "c-2" : "c-1")]]) })
        #expect(try dataset.query("*[references('c-1')]._id") == ["o-1", "o-2"])
        #expect(try dataset.query("*[_id == 'o-3'][0].customer->name") == "Bob")
        try dataset.mutate(mutations(#"[{"patch": {"id": "o-3", "set": {"customer": {"_ref": "c-1"}}}}]"#))
        #expect(try dataset.query("*[references('c-1')]._id") == ["o-1", "o-2", "o-3"])
        let counts = try dataset.query("*[_type == 'customer']{name, 'orders': count(*[references(^._id)])}")
        #expect(counts == [["name": "Ada", "orders": 3], ["name": "Bob", "orders": 0]], "\(counts.serialized())")
    }
}
