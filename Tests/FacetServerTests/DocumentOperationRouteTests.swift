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

/// A small content model for the route tests: articles with a required title and a rating of
/// at most 5, written by authors.
enum DataRouteSchema {
    static func compile() throws -> Schema {
        try Schema([
            SchemaType.document("article", title: "Article") {
                Field("title", .string()).rules(.required())
                Field("rating", .number()).rules(.max(5))
                Field("author", .reference(to: ["author"]))
            },
            SchemaType.document("author", title: "Author") {
                Field("name", .string()).rules(.required())
            },
        ])
    }
}

@Suite("Publish, unpublish, discard and validate")
struct DocumentOperationRouteTests {
    static func post(_ client: some TestClientProtocol, _ operation: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/v1/data/\(operation)/production", method: .post, headers: DataRoutes.jsonHeaders,
                                 body: DataRoutes.body(body))
    }

    @Test(arguments: StorageKind.available)
    func publishingMovesTheDraftInOneTransactionAndUnpublishingMovesItBack(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage, schema: try DataRouteSchema.compile())
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "drafts.a-1", "_type": "article", "title": "Draft title"])])
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await Self.post(client, "publish", #"{"id": "a-1"}"#)
            #expect(response.status == .ok)
            var body = try DataRoutes.json(response)
            let published = try #require(body["transactionId"]?.stringValue)
            #expect(body == ["transactionId": .string(published), "documentId": "a-1"])
            #expect(dataset.document(id: "a-1")?["title"] == "Draft title")
            #expect(dataset.document(id: "drafts.a-1") == nil)
            #expect(try dataset.transactions(documentIDs: ["a-1"]).last?.author == "api")

            response = try await Self.post(client, "unpublish", #"{"id": "a-1", "ifPublishedRevisionId": "\#(published)"}"#)
            #expect(response.status == .ok)
            body = try DataRoutes.json(response)
            #expect(body["documentId"] == "a-1")
            #expect(dataset.document(id: "a-1") == nil)
            #expect(dataset.document(id: "drafts.a-1")?["title"] == "Draft title")

            // Under a dated version, as every data endpoint.
            response = try await client.execute(uri: "/v2025-02-19/data/publish/production", method: .post, headers: DataRoutes.jsonHeaders,
                                                body: DataRoutes.body(#"{"id": "drafts.a-1"}"#))
            #expect(response.status == .ok)
            #expect(try DataRoutes.json(response)["documentId"] == "a-1")
        }
    }

    @Test(arguments: StorageKind.available)
    func discardingDropsTheDraftAndKeepsThePublishedDocument(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "a-1", "_type": "article", "title": "Live"]),
                            .create(["_id": "drafts.a-1", "_type": "article", "title": "Edited"])])
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await Self.post(client, "discard", #"{"id": "a-1"}"#)
            #expect(response.status == .ok)
            #expect(try DataRoutes.json(response)["documentId"] == "a-1")
            #expect(dataset.document(id: "drafts.a-1") == nil)
            #expect(dataset.document(id: "a-1")?["title"] == "Live")

            let again = try await Self.post(client, "discard", #"{"id": "a-1"}"#)
            #expect(again.status == .notFound)
            #expect(try DataRoutes.json(again) == [
                "error": [
                    "description": #"There is no draft "drafts.a-1" to discard"#, "type": "documentNotFoundError", "id": "drafts.a-1",
                    "advice": "Nothing to do: the document has no unpublished changes.",
                ],
                "statusCode": 404,
            ])
        }
    }

    @Test(arguments: StorageKind.available)
    func nothingToOperateOnIs404AndAStaleRevisionIs409(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "a-1", "_type": "article", "title": "Live"])], options: TransactionOptions(transactionId: "rev-live"))
        try dataset.mutate([.create(["_id": "drafts.a-1", "_type": "article", "title": "Edited"])], options: TransactionOptions(transactionId: "rev-draft"))
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await Self.post(client, "publish", #"{"id": "a-404"}"#)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response) == [
                "error": [
                    "description": #"There is no draft "drafts.a-404" to publish"#, "type": "documentNotFoundError", "id": "drafts.a-404",
                    "advice": "Edit the document first; publishing copies its draft.",
                ],
                "statusCode": 404,
            ])
            response = try await Self.post(client, "unpublish", #"{"id": "a-404"}"#)
            #expect(response.status == .notFound)

            response = try await Self.post(client, "publish", #"{"id": "a-1", "ifDraftRevisionId": "rev-old"}"#)
            #expect(response.status == .conflict)
            #expect(try DataRoutes.json(response) == [
                "error": [
                    "description": #"Document "drafts.a-1" has unexpected revision ID ("rev-draft"), expected "rev-old""#,
                    "type": "documentRevisionIDDoesNotMatchError", "id": "drafts.a-1",
                    "advice": "Someone changed it since you read it: read it again, re-apply your change, and retry.",
                    "currentRevisionID": "rev-draft", "expectedRevisionID": "rev-old",
                ],
                "statusCode": 409,
            ])
            response = try await Self.post(client, "publish", #"{"id": "a-1", "ifPublishedRevisionId": "rev-old"}"#)
            #expect(response.status == .conflict)
            #expect(try DataRoutes.json(response)["error"]?["currentRevisionID"] == "rev-live")
            response = try await Self.post(client, "discard", #"{"id": "a-1", "ifDraftRevisionId": "rev-old"}"#)
            #expect(response.status == .conflict)
            #expect(dataset.document(id: "a-1")?["title"] == "Live")
            #expect(dataset.document(id: "drafts.a-1")?["title"] == "Edited")

            response = try await Self.post(client, "publish", #"{"id": "a-1", "ifDraftRevisionId": "rev-draft", "ifPublishedRevisionId": "rev-live"}"#)
            #expect(response.status == .ok)

            for body in [#"{}"#, #"{"id": 7}"#, #"{"id": "a-1", "ifDraftRevisionId": 3}"#] {
                response = try await Self.post(client, "publish", body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try DataRoutes.json(response)["error"]?["type"] == "invalidRequest")
            }
        }
    }

    @Test(arguments: StorageKind.available)
    func unpublishingAReferencedDocumentIs409(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "w-1", "_type": "author", "name": "Ada"]),
                            .create(["_id": "a-1", "_type": "article", "title": "T", "author": ["_type": "reference", "_ref": "w-1"]])])
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await Self.post(client, "unpublish", #"{"id": "w-1"}"#)
            #expect(response.status == .conflict)
            let error = try DataRoutes.json(response)["error"]
            #expect(error?["type"] == "documentHasExistingReferencesError")
            #expect(error?["referencingIDs"] == ["a-1"])
            #expect(dataset.document(id: "w-1") != nil)
        }
    }

    @Test(arguments: StorageKind.available)
    func publishingADraftWithErrorsIs422WithEveryMarker(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage, schema: try DataRouteSchema.compile())
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "drafts.a-1", "_type": "article", "rating": 7])])
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await Self.post(client, "publish", #"{"id": "a-1"}"#)
            #expect(response.status == .unprocessableContent)
            let body = try DataRoutes.json(response)
            #expect(body["statusCode"] == 422)
            #expect(body["error"]?["type"] == "validationError")
            #expect(body["error"]?["id"] == "a-1")
            #expect(body["error"]?["markers"] == [
                ["path": "title", "level": "error", "message": "Required"],
                ["path": "rating", "level": "error", "message": "Must be less than or equal to 5"],
            ])
            #expect(dataset.document(id: "a-1") == nil)
            #expect(dataset.document(id: "drafts.a-1") != nil)
        }
    }

    @Test(arguments: StorageKind.available)
    func validationReportsTheDraftElseThePublishedDocument(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage, schema: try DataRouteSchema.compile())
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([
            .create(["_id": "a-1", "_type": "article", "title": "Fine", "rating": 4]),
            .create(["_id": "drafts.a-1", "_type": "article", "rating": 6]),
            .create(["_id": "a-2", "_type": "article", "title": "Also fine"]),
        ])
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/validate/production/a-1", method: .get)
            #expect(response.status == .ok)
            #expect(try DataRoutes.json(response) == [
                "documentId": "drafts.a-1",
                "markers": [
                    ["path": "title", "level": "error", "message": "Required"],
                    ["path": "rating", "level": "error", "message": "Must be less than or equal to 5"],
                ],
                "isValid": false,
            ])
            response = try await client.execute(uri: "/v1/data/validate/production/a-2", method: .get)
            #expect(try DataRoutes.json(response) == ["documentId": "a-2", "markers": [], "isValid": true])
            response = try await client.execute(uri: "/v1/data/validate/production/a-404", method: .get)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response) == [
                "error": ["description": #"Document "a-404" has neither a draft nor a published version"#, "type": "documentNotFoundError"],
                "statusCode": 404,
            ])
        }
    }

    @Test(arguments: StorageKind.available)
    func validationWithoutASchemaIs404(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "a-1", "_type": "article"])])
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/data/validate/production/a-1", method: .get)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response) == ["error": ["description": "This server checks no schema", "type": "notFound"], "statusCode": 404])
        }
    }
}
