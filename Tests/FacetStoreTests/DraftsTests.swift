import GROQ
import Testing
import TestSupport
@testable import FacetStore

@Suite("Drafts, publishing and perspectives", .ownThread())
struct DraftsTests {
    @Test(arguments: StorageKind.available)
    func publishReplacesThePublishedDocumentAndRemovesTheDraft(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "_createdAt": "2020-01-01T00:00:00.000Z", "name": "Old"]),
                            .create(["_id": "drafts.c-1", "_type": "customer", "name": "New"])])
        let result = try dataset.publish(id: "c-1")
        let published = try #require(dataset.document(id: "c-1"))
        #expect(published["name"] == "New")
        #expect(published["_createdAt"] == "2020-01-01T00:00:00.000Z")
        #expect(published["_rev"]?.stringValue == result.transactionId)
        #expect(dataset.document(id: "drafts.c-1") == nil)
        #expect(try dataset.transactions(documentIDs: ["c-1", "drafts.c-1"]).last?.id == result.transactionId,
                "publishing is one transaction touching both documents")
        #expect(storeError { try dataset.publish(id: "c-1") }?.status == 404, "nothing left to publish")
    }

    @Test(arguments: StorageKind.available)
    func publishWithAStaleRevisionFails(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "drafts.c-1", "_type": "customer", "name": "Draft"])])
        let error = storeError { try dataset.publish(id: "c-1", ifRevisionID: "stale") }
        #expect(error?.type == "documentRevisionIDDoesNotMatchError")
        #expect(dataset.document(id: "c-1") == nil && dataset.document(id: "drafts.c-1") != nil)
        let rev = try #require(dataset.document(id: "drafts.c-1")?["_rev"]?.stringValue)
        try dataset.publish(id: "drafts.c-1", ifRevisionID: rev)
        #expect(dataset.document(id: "c-1")?["name"] == "Draft")
    }

    /// The other document's guard (publish's `ifPublishedRevisionId`, unpublish's
    /// `ifDraftRevisionId`, discard's `ifPublishedRevisionId`) is checked inside the commit. A
    /// second store on the same file holds a snapshot from before the first store's edit, so a
    /// check made against it before the transaction would pass and the operation would overwrite
    /// the edit unseen; checked in the commit, it is worked out again after catching up, and fails.
    @Test(arguments: StorageKind.available, ["publish", "unpublish", "discard"])
    func theOtherDocumentsRevisionIsCheckedInsideTheCommit(_ storage: StorageKind, operation: String) throws {
        let fixture = try StoreFixture(storage)
        let first = try fixture.dataset
        try first.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Published"]),
                          .create(["_id": "drafts.c-1", "_type": "customer", "name": "Draft"])])
        let other = try fixture.otherStore()
        defer { other.close() }
        let second = try other.dataset("production")
        let guarded = operation == "unpublish" ? "drafts.c-1" : "c-1"
        let seen = try #require(second.document(id: guarded)?["_rev"]?.stringValue)
        try first.mutate(mutations(#"[{"patch": {"id": "\#(guarded)", "set": {"name": "Edited meanwhile"}}}]"#))
        #expect(second.document(id: guarded)?["_rev"]?.stringValue == seen, "the second store has not caught up yet")

        let error = storeError {
            switch operation {
            case "publish": try second.publish(id: "c-1", ifPublishedRevisionID: seen)
            case "unpublish": try second.unpublish(id: "c-1", ifDraftRevisionID: seen)
            default: try second.discardDraft(id: "c-1", ifPublishedRevisionID: seen)
            }
        }
        #expect(error?.type == "documentRevisionIDDoesNotMatchError")
        #expect(error?.documentID == guarded)
        try second.refresh()
        #expect(second.document(id: guarded)?["name"] == "Edited meanwhile", "the edit made meanwhile is kept")
        #expect(second.document(id: "c-1") != nil && second.document(id: "drafts.c-1") != nil, "nothing was published, unpublished or discarded")

        // With the revision the caller now sees, the operation goes through.
        let current = try #require(second.document(id: guarded)?["_rev"]?.stringValue)
        switch operation {
        case "publish": try second.publish(id: "c-1", ifPublishedRevisionID: current)
        case "unpublish": try second.unpublish(id: "c-1", ifDraftRevisionID: current)
        default: try second.discardDraft(id: "c-1", ifPublishedRevisionID: current)
        }
        #expect(second.document(id: operation == "unpublish" ? "c-1" : "drafts.c-1") == nil)
        #expect(storeError { try second.discardDraft(id: "c-1", ifPublishedRevisionID: "absent-or-stale") } != nil)
    }

    @Test(arguments: StorageKind.available)
    func publishStrengthensReferencesMarkedForIt(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "drafts.o-1", "_type": "order",
                                     "customer": ["_type": "reference", "_ref": "c-1", "_weak": true, "_strengthenOnPublish": ["type": "customer"]],
                                     "maker": ["_ref": "m-1", "_weak": true, "_strengthenOnPublish": ["type": "maker", "weak": true]]])])
        // The customer does not exist yet: publishing would create a dangling strong reference.
        #expect(storeError { try dataset.publish(id: "o-1") }?.type == "documentReferenceDoesNotExistError")
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer"])])
        try dataset.publish(id: "o-1")
        let order = try #require(dataset.document(id: "o-1"))
        #expect(order["customer"] == ["_type": "reference", "_ref": "c-1"])
        #expect(order["maker"] == ["_ref": "m-1", "_weak": true])
    }

    @Test(arguments: StorageKind.available)
    func unpublishMovesTheDocumentBackToADraft(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada"])])
        try dataset.unpublish(id: "c-1")
        #expect(dataset.document(id: "c-1") == nil)
        #expect(dataset.document(id: "drafts.c-1")?["name"] == "Ada")
        // A newer draft is kept.
        try dataset.mutate([.create(["_id": "c-2", "_type": "customer", "name": "Published"]),
                            .create(["_id": "drafts.c-2", "_type": "customer", "name": "Newer"])])
        try dataset.unpublish(id: "c-2")
        #expect(dataset.document(id: "drafts.c-2")?["name"] == "Newer")
        // A strongly referenced document cannot be unpublished.
        try dataset.mutate([.create(["_id": "c-3", "_type": "customer"]), .create(["_id": "o-1", "_type": "order", "customer": ["_ref": "c-3"]])])
        let error = storeError { try dataset.unpublish(id: "c-3") }
        #expect(error?.type == "documentHasExistingReferencesError")
        #expect(error?.details["referencingIDs"] == ["o-1"])
        #expect(dataset.document(id: "c-3") != nil && dataset.document(id: "drafts.c-3") == nil)
    }

    @Test(arguments: StorageKind.available)
    func discardAndDuplicate(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada"]),
                            .create(["_id": "drafts.c-1", "_type": "customer", "name": "Ada Lovelace"])])
        let copy = try dataset.duplicate(id: "c-1", newID: "c-9")
        let duplicated = try #require(dataset.document(id: "drafts.c-9"))
        #expect(copy.results.first?.id == "drafts.c-9")
        #expect(duplicated["name"] == "Ada Lovelace", "the draft is what the editor sees, so it is what is copied")
        let generated = try dataset.duplicate(id: "c-1").results[0].id
        #expect(generated.hasPrefix("drafts.") && generated.count == 29)
        try dataset.discardDraft(id: "c-1")
        #expect(dataset.document(id: "drafts.c-1") == nil)
        #expect(dataset.document(id: "c-1")?["name"] == "Ada")
        #expect(storeError { try dataset.discardDraft(id: "c-1") }?.status == 404)
    }

    @Test(arguments: StorageKind.available)
    func perspectivesChooseWhatQueriesSee(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([
            .create(["_id": "a", "_type": "t", "v": "published a"]),
            .create(["_id": "drafts.a", "_type": "t", "v": "draft a"]),
            .create(["_id": "b", "_type": "t", "v": "published b"]),
            .create(["_id": "drafts.c", "_type": "t", "v": "draft c"]),
            .create(["_id": "versions.r1.a", "_type": "t", "v": "release a"]),
        ])
        func ids(_ perspective: Perspective) throws -> JSONValue {
            try dataset.query("*[_type == 't'] | order(_id) {_id, v, _originalId}", perspective: perspective)
        }
        #expect(try dataset.query("*[_type == 't']._id", perspective: .raw) == ["a", "b", "drafts.a", "drafts.c", "versions.r1.a"])
        #expect(try ids(.published) == [["_id": "a", "v": "published a", "_originalId": nil], ["_id": "b", "v": "published b", "_originalId": nil]])
        #expect(try ids(.drafts) == [
            ["_id": "a", "v": "draft a", "_originalId": "drafts.a"],
            ["_id": "b", "v": "published b", "_originalId": "b"],
            ["_id": "c", "v": "draft c", "_originalId": "drafts.c"],
        ])
        // Later writes show in every perspective (through the overlay, before any compaction).
        try dataset.mutate([.create(["_id": "drafts.b", "_type": "t", "v": "draft b"]), .delete(.ids(["drafts.a"]))])
        #expect(try dataset.query("*[_id == 'b'][0].v", perspective: .drafts) == "draft b")
        #expect(try dataset.query("*[_id == 'a'][0].v", perspective: .drafts) == "published a")
        #expect(try dataset.query("count(*[_type == 't'])", perspective: .published) == 2)
        #expect(try Perspective(parsing: "previewDrafts") == .drafts)
        #expect(storeError { _ = try Perspective(parsing: "everything") }?.status == 400)
    }
}
