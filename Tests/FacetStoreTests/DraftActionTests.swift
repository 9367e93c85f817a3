import GROQ
import TestSupport
import Testing
@testable import FacetStore

/// Sanity's Actions API on the store, on both backends: each action as its documentation
/// describes it, several in one transaction (all or none), revision guards inside the commit,
/// and every malformed action refused with its index.
@Suite("Draft actions", .ownThread())
struct DraftActionTests {
    static func actions(_ json: JSONValue) throws -> [DraftAction] {
        try (json.arrayValue ?? []).enumerated().map { index, item in try DraftAction(json: item, index: index) }
    }

    @Test(arguments: StorageKind.available)
    func createEditPublishInOneTransaction(kind: StorageKind) throws {
        let f = try StoreFixture(kind)
        let dataset = try f.dataset
        let result = try dataset.perform(try Self.actions([
            ["actionType": "sanity.action.document.create", "publishedId": "c-1",
             "attributes": ["_id": "drafts.c-1", "_type": "customer", "name": "Ada"], "ifExists": "fail"],
            ["actionType": "sanity.action.document.edit", "draftId": "drafts.c-1", "publishedId": "c-1",
             "patch": ["set": ["tier": "gold"], "setIfMissing": ["visits": 0], "inc": ["visits": 2]]],
            ["actionType": "sanity.action.document.publish", "draftId": "drafts.c-1", "publishedId": "c-1"],
        ]), options: TransactionOptions(author: "ada", source: "actions"))
        let published = try #require(dataset.document(id: "c-1"))
        #expect(published["name"] == "Ada" && published["tier"] == "gold" && published["visits"] == 2)
        #expect(published["_rev"]?.stringValue == result.transactionId)
        #expect(dataset.document(id: "drafts.c-1") == nil)
        // One transaction in history.
        #expect(try dataset.transactions(documentIDs: ["c-1"]).count == 1)
        #expect(dataset.commitsBySource["actions"] == 1)
    }

    @Test(arguments: StorageKind.available)
    func editMakesTheDraftFromThePublishedVersionAndUnpublishKeepsIt(kind: StorageKind) throws {
        let f = try StoreFixture(kind)
        let dataset = try f.dataset
        try dataset.mutate([.createOrReplace(["_id": "p", "_type": "product", "title": "Ring", "price": 100])])
        try dataset.perform(try Self.actions([
            ["actionType": "sanity.action.document.edit", "draftId": "drafts.p", "publishedId": "p", "patch": ["set": ["price": 120]]],
        ]))
        #expect(dataset.document(id: "drafts.p")?["title"] == "Ring" && dataset.document(id: "drafts.p")?["price"] == 120)
        #expect(dataset.document(id: "p")?["price"] == 100)
        // Unpublishing keeps the newer draft, and removes the published version.
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.unpublish", "draftId": "drafts.p", "publishedId": "p"]]))
        #expect(dataset.document(id: "p") == nil && dataset.document(id: "drafts.p")?["price"] == 120)
        // Publish again, then unpublish with no draft: the published version becomes the draft.
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.publish", "draftId": "drafts.p", "publishedId": "p"]]))
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.unpublish", "draftId": "drafts.p", "publishedId": "p"]]))
        #expect(dataset.document(id: "drafts.p")?["price"] == 120 && dataset.document(id: "p") == nil)
        // Discard, then delete what is left.
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.discard", "draftId": "drafts.p"]]))
        #expect(dataset.document(id: "drafts.p") == nil)
    }

    @Test(arguments: StorageKind.available)
    func aFailingActionUndoesTheWholeRequestAndIsNamed(kind: StorageKind) throws {
        let f = try StoreFixture(kind)
        let dataset = try f.dataset
        try dataset.mutate([.createOrReplace(["_id": "drafts.a", "_type": "thing", "n": 1])])
        let before = dataset.snapshot.sequence
        let error = storeError {
            try dataset.perform(try Self.actions([
                ["actionType": "sanity.action.document.publish", "draftId": "drafts.a", "publishedId": "a"],
                ["actionType": "sanity.action.document.discard", "draftId": "drafts.missing"],
            ]))
        }
        #expect(error?.kind == .notFound && error?.details["actionIndex"] == 1 && error?.message.hasPrefix("Action 1:") == true, "\(String(describing: error))")
        #expect(dataset.snapshot.sequence == before && dataset.document(id: "a") == nil && dataset.document(id: "drafts.a") != nil)
        // Publishing a draft an earlier action discarded is refused, naming the later action.
        let discarded = storeError {
            try dataset.perform(try Self.actions([
                ["actionType": "sanity.action.document.discard", "draftId": "drafts.a"],
                ["actionType": "sanity.action.document.publish", "draftId": "drafts.a", "publishedId": "a"],
            ]))
        }
        #expect(discarded?.details["actionIndex"] == 1 && discarded?.kind == .notFound)
        #expect(dataset.document(id: "drafts.a") != nil)
    }

    @Test(arguments: StorageKind.available)
    func revisionGuardsHoldInsideTheCommit(kind: StorageKind) throws {
        let f = try StoreFixture(kind)
        let dataset = try f.dataset
        let first = try dataset.mutate([.createOrReplace(["_id": "drafts.g", "_type": "thing", "v": 1]),
                                        .createOrReplace(["_id": "g", "_type": "thing", "v": 0])])
        let stale = storeError {
            try dataset.perform(try Self.actions([["actionType": "sanity.action.document.publish", "draftId": "drafts.g", "publishedId": "g",
                                                   "ifPublishedRevisionId": "not-the-revision"]]))
        }
        #expect(stale?.kind == .conflict && stale?.details["currentRevisionID"]?.stringValue == first.transactionId)
        // The guard the plan takes on what it read: another writer changes the draft between the
        // read and the commit (another store on the same storage, as another server), and the
        // publish fails rather than publishing a draft nobody read.
        let plan = try Self.actions([["actionType": "sanity.action.document.publish", "draftId": "drafts.g", "publishedId": "g",
                                      "ifDraftRevisionId": .string(first.transactionId)]])
        let other = try f.otherStore()
        defer { other.close() }
        try other.dataset("production").mutate([.createOrReplace(["_id": "drafts.g", "_type": "thing", "v": 2])])
        let raced = storeError { try dataset.perform(plan) }
        #expect(raced?.kind == .conflict, "\(String(describing: raced))")
        #expect(dataset.document(id: "g")?["v"] == 0)
        // Read again, it goes through.
        try dataset.refresh()
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.publish", "draftId": "drafts.g", "publishedId": "g"]]))
        #expect(dataset.document(id: "g")?["v"] == 2)
    }

    @Test(arguments: StorageKind.available)
    func createDeleteAndReplaceFollowSanitysRules(kind: StorageKind) throws {
        let f = try StoreFixture(kind)
        let dataset = try f.dataset
        try dataset.mutate([.createOrReplace(["_id": "x", "_type": "thing"]), .createOrReplace(["_id": "drafts.x", "_type": "thing", "d": true])])
        let create = ["actionType": "sanity.action.document.create", "publishedId": "y", "attributes": ["_type": "thing"]] as JSONValue
        try dataset.perform(try Self.actions([create]))
        #expect(dataset.document(id: "drafts.y") != nil)
        #expect(storeError { try dataset.perform(try Self.actions([create])) }?.type == "documentAlreadyExistsError")
        var ignoring = create.objectValue!
        ignoring["ifExists"] = "ignore"
        try dataset.perform(try Self.actions([.object(ignoring)]))
        // Creating a document already published is refused.
        #expect(storeError {
            try dataset.perform(try Self.actions([["actionType": "sanity.action.document.create", "publishedId": "x", "attributes": ["_type": "thing"]]]))
        }?.kind == .conflict)
        // Deleting the published version while a draft stays is refused; naming the draft deletes both.
        #expect(storeError {
            try dataset.perform(try Self.actions([["actionType": "sanity.action.document.delete", "publishedId": "x"]]))
        }?.type == "documentHasDraftError")
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.delete", "publishedId": "x", "includeDrafts": ["drafts.x"]]]))
        #expect(dataset.document(id: "x") == nil && dataset.document(id: "drafts.x") == nil)
        // replaceDraft needs the draft or the published version.
        #expect(storeError {
            try dataset.perform(try Self.actions([["actionType": "sanity.action.document.replaceDraft", "publishedId": "x",
                                                   "attributes": ["_id": "drafts.x", "_type": "thing"]]]))
        }?.kind == .notFound)
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.replaceDraft", "publishedId": "y",
                                               "attributes": ["_id": "drafts.y", "_type": "thing", "replaced": true]]]))
        #expect(dataset.document(id: "drafts.y")?["replaced"] == true)
        // A dry run works everything out and writes nothing.
        let before = dataset.snapshot.sequence
        var options = TransactionOptions()
        options.dryRun = true
        try dataset.perform(try Self.actions([["actionType": "sanity.action.document.publish", "draftId": "drafts.y", "publishedId": "y"]]), options: options)
        #expect(dataset.snapshot.sequence == before && dataset.document(id: "y") == nil)
    }

    @Test func malformedActionsAreRefusedWithTheirIndex() {
        let cases: [(JSONValue, String)] = [
            (["publishedId": "a"], "actionType"),
            (["actionType": "sanity.action.document.teleport"], "not an action"),
            (["actionType": "sanity.action.document.publish", "publishedId": "a"], "draftId"),
            (["actionType": "sanity.action.document.publish", "publishedId": "a", "draftId": "drafts.b"], "not a draft of"),
            (["actionType": "sanity.action.document.publish", "publishedId": "drafts.a", "draftId": "drafts.a"], "draft or version"),
            (["actionType": "sanity.action.document.create", "publishedId": "a", "attributes": ["name": "no type"]], "_type"),
            (["actionType": "sanity.action.document.create", "publishedId": "a", "attributes": ["_type": "t"], "ifExists": "replace"], "ifExists"),
            (["actionType": "sanity.action.document.edit", "publishedId": "a", "draftId": "drafts.a", "patch": ["id": "other", "set": ["x": 1]]], "\"id\""),
            (["actionType": "sanity.action.document.delete", "publishedId": "a", "purge": true], "history"),
            (["actionType": "sanity.action.document.delete", "publishedId": "a", "includeDrafts": ["drafts.b"]], "includeDrafts"),
            ("just a string", "object"),
        ]
        for (json, fragment) in cases {
            do {
                _ = try DraftAction(json: json, index: 3)
                Issue.record("expected \(json.serialized()) to be refused")
            } catch {
                #expect(error.kind == .invalid && error.message.hasPrefix("Action 3:") && error.message.contains(fragment), "\(error.message)")
                #expect(error.details["actionIndex"] == 3)
            }
        }
    }
}
