import FacetSchema
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// `POST /vX/data/actions/:dataset` with requests shaped like Sanity's Actions API reference
/// and `@sanity/client`'s `action()`: `{"actions": [...], "transactionId"?, "dryRun"?}`.
@Suite("The Actions API")
struct DraftActionRouteTests {
    static func post(_ client: some TestClientProtocol, _ body: String, version: String = "v2024-05-23") async throws -> TestResponse {
        try await client.execute(uri: "/\(version)/data/actions/production", method: .post, headers: DataRoutes.jsonHeaders,
                                 body: DataRoutes.body(body))
    }

    @Test(arguments: StorageKind.available)
    func createEditAndPublishAsSanitysClientSendsThem(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage, schema: try DataRouteSchema.compile())
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await Self.post(client, """
                {"actions": [
                  {"actionType": "sanity.action.document.create", "publishedId": "a-1",
                   "attributes": {"_id": "drafts.a-1", "_type": "article", "title": "Hello"}, "ifExists": "fail"},
                  {"actionType": "sanity.action.document.edit", "draftId": "drafts.a-1", "publishedId": "a-1",
                   "patch": {"set": {"rating": 4}}}
                ], "transactionId": "tx-actions-1"}
                """)
            #expect(response.status == .ok)
            #expect(try DataRoutes.json(response) == ["transactionId": "tx-actions-1"])
            #expect(dataset.document(id: "drafts.a-1")?["rating"] == 4)
            // One action may be sent bare, as the client's action(action) does.
            response = try await Self.post(client, #"{"actions": {"actionType": "sanity.action.document.publish", "draftId": "drafts.a-1", "publishedId": "a-1", "ifDraftRevisionId": "tx-actions-1"}}"#)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            #expect(dataset.document(id: "a-1")?["title"] == "Hello" && dataset.document(id: "drafts.a-1") == nil)
        }
    }

    @Test(arguments: StorageKind.available)
    func failuresAreAllOrNothingAndNameTheAction(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage, schema: try DataRouteSchema.compile())
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "drafts.a-2", "_type": "article", "title": "Fine"]),
                            .create(["_id": "drafts.a-3", "_type": "article", "title": "Bad", "rating": 9])])
        try await Application(router: fixture.api.router()).test(.router) { client in
            let before = dataset.snapshot.sequence
            // The second publish would give a published article with rating 9: the schema refuses
            // it, and the first publish is undone with it.
            var response = try await Self.post(client, """
                {"actions": [
                  {"actionType": "sanity.action.document.publish", "draftId": "drafts.a-2", "publishedId": "a-2"},
                  {"actionType": "sanity.action.document.publish", "draftId": "drafts.a-3", "publishedId": "a-3"}
                ]}
                """)
            #expect(response.status == .unprocessableContent, "\(String(buffer: response.body))")
            var error = try DataRoutes.json(response)["error"]
            #expect(error?["actionIndex"] == 1, "\(String(describing: error))")
            #expect(dataset.snapshot.sequence == before && dataset.document(id: "a-2") == nil)
            // A stale guard: 409 with the current revision.
            response = try await Self.post(client, #"{"actions": [{"actionType": "sanity.action.document.publish", "draftId": "drafts.a-2", "publishedId": "a-2", "ifDraftRevisionId": "old"}]}"#)
            #expect(response.status == .conflict)
            // Missing draft: 404; malformed action: 400, each naming the action.
            response = try await Self.post(client, #"{"actions": [{"actionType": "sanity.action.document.discard", "draftId": "drafts.nothing"}]}"#)
            #expect(response.status == .notFound)
            response = try await Self.post(client, #"{"actions": [{"actionType": "sanity.action.document.discard", "draftId": "drafts.a-2"}, {"actionType": "sanity.action.document.launch"}]}"#)
            #expect(response.status == .badRequest)
            error = try DataRoutes.json(response)["error"]
            #expect(error?["actionIndex"] == 1 && error?["type"] == "invalidAction")
            #expect(dataset.document(id: "drafts.a-2") != nil)
            for bad in [#"{}"#, #"{"actions": "publish"}"#, #"{"actions": [], "dryRun": "yes"}"#] {
                response = try await Self.post(client, bad)
                #expect(response.status == .badRequest, "\(bad)")
            }
            // A dry run answers and writes nothing.
            response = try await Self.post(client, #"{"actions": [{"actionType": "sanity.action.document.publish", "draftId": "drafts.a-2", "publishedId": "a-2"}], "dryRun": true}"#)
            #expect(response.status == .ok)
            #expect(dataset.snapshot.sequence == before && dataset.document(id: "a-2") == nil)
        }
    }
}
