import GROQ
import Testing
import TestSupport
@testable import FacetStore

/// A draft or version is its published document being edited: it keeps that document's type,
/// whoever writes it.
@Suite("Drafts keep their document's type", .ownThread())
struct DraftTypeTests {
    @Test func variantIDsNameTheirPublishedDocument() {
        #expect(DocumentID.published(ofVariant: "drafts.c-1") == "c-1")
        #expect(DocumentID.published(ofVariant: "versions.spring.c-1") == "c-1")
        #expect(DocumentID.published(ofVariant: "versions.spring.customer.c-1") == "customer.c-1")
        #expect(DocumentID.published(ofVariant: "customer.c-1") == "customer.c-1")
        #expect(DocumentID.published(ofVariant: "versions.spring") == "versions.spring")
    }

    @Test(arguments: StorageKind.available)
    func aDraftOrVersionOfAnotherTypeIsRefused(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada"])])
        for id in ["drafts.c-1", "versions.spring.c-1"] {
            let error = storeError { try dataset.mutate([.createOrReplace(["_id": .string(id), "_type": "interaction"])]) }
            #expect(error?.status == 409)
            #expect(error?.type == "draftTypeMismatchError")
            #expect(error?.message.contains("must have the type of the published document") == true)
            #expect(error?.details["publishedType"] == "customer")
        }
        // The published document cannot change type under its draft, nor appear under a draft of
        // another type; replacing both in one transaction changes the type.
        try dataset.mutate([.create(["_id": "drafts.c-1", "_type": "customer", "name": "Ada L."])])
        #expect(storeError { try dataset.mutate([.createOrReplace(["_id": "c-1", "_type": "lead"])]) }?.type == "draftTypeMismatchError")
        try dataset.mutate([.createOrReplace(["_id": "c-1", "_type": "lead"]), .createOrReplace(["_id": "drafts.c-1", "_type": "lead"])])
        try dataset.mutate([.create(["_id": "drafts.c-2", "_type": "customer"])])
        #expect(storeError { try dataset.mutate([.create(["_id": "c-2", "_type": "lead"])]) }?.type == "draftTypeMismatchError")
    }

    @Test(arguments: StorageKind.available)
    func aDraftStoredBeforeTheRuleCannotBePublishedOverItsDocument(_ storage: StorageKind) throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada"])])
        // As an older Facet stored it, written beside the pipeline.
        let planted = CommittedTransaction(sequence: dataset.snapshot.sequence + 1, id: "legacy", timestamp: "2020-01-01T00:00:00.000Z",
                                           author: nil, mutations: [],
                                           effects: [.init(documentID: "drafts.c-1", previousRevision: nil, resultRevision: "legacy",
                                                           document: ["_id": "drafts.c-1", "_type": "interaction", "_rev": "legacy"])])
        #expect(try dataset.storage.append(planted))
        try dataset.refresh()
        #expect(storeError { try dataset.publish(id: "c-1") }?.type == "draftTypeMismatchError")
        #expect(dataset.document(id: "c-1")?["_type"] == "customer")
        // The real document stays editable, and the planted draft can be discarded.
        try dataset.mutate([.patch(try PatchMutation(json: ["id": "c-1", "set": ["name": "Ada Lovelace"]]))])
        try dataset.discardDraft(id: "c-1")
        #expect(dataset.document(id: "drafts.c-1") == nil)
    }
}
