import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Bodies in and out of the data-route tests.
enum DataRoutes {
    static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    /// A request body from JSON text.
    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    /// The response's body parsed as JSON.
    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONValue(parsing: Array(response.body.readableBytesView))
    }

    /// The response's body as NDJSON lines.
    static func lines(_ response: TestResponse) throws -> [JSONValue] {
        try String(decoding: response.body.readableBytesView, as: UTF8.self)
            .split(separator: "\n").map { try JSONValue(parsing: String($0)) }
    }

    /// `{"mutations": [...]}` posted to `/v1/data/mutate/production` (with `query` appended).
    static func mutate(_ client: some TestClientProtocol, _ body: String, query: String = "") async throws -> TestResponse {
        try await client.execute(uri: "/v1/data/mutate/production" + query, method: .post, headers: jsonHeaders, body: Self.body(body))
    }
}

@Suite("POST /data/mutate")
struct MutationRouteTests {
    @Test(arguments: StorageKind.available)
    func mutationsCommitAsOneTransactionInSanitysResultShape(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await DataRoutes.mutate(client, #"""
                {"mutations": [
                  {"create": {"_id": "c-1", "_type": "customer", "name": "Ada", "tags": [{"label": "vip"}]}},
                  {"patch": {"id": "c-1", "set": {"name": "Ada Lovelace"}, "inc": {"visits": 1}, "setIfMissing": {"visits": 0}}}
                ]}
                """#)
            #expect(response.status == .ok)
            let body = try DataRoutes.json(response)
            let transactionID = try #require(body["transactionId"]?.stringValue)
            #expect(body == ["transactionId": .string(transactionID), "results": [
                ["id": "c-1", "operation": "create"], ["id": "c-1", "operation": "update"],
            ]])
            let stored = try #require(fixture.store.dataset("production").document(id: "c-1"))
            #expect(stored["name"] == "Ada Lovelace")
            #expect(stored["visits"] == 1)
            #expect(stored["_rev"]?.stringValue == transactionID)
            // Facet keys array items by default, as the studio addresses them by `_key`.
            #expect(stored["tags"]?[0]?["_key"]?.stringValue != nil)
            let history = try fixture.store.dataset("production").transactions(documentIDs: ["c-1"])
            #expect(history.map(\.author) == ["api"])
        }
    }

    @Test(arguments: StorageKind.available)
    func theURLOptionsShapeTheResultAndTheTransaction(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await DataRoutes.mutate(client, #"{"mutations": [{"create": {"_id": "c-1", "_type": "customer", "name": "Ada"}}]}"#,
                                                       query: "?returnIds=true&returnDocuments=true&visibility=async&transactionId=tx-first")
            var body = try DataRoutes.json(response)
            #expect(body["transactionId"] == "tx-first")
            #expect(body["documentIds"] == ["c-1"])
            let document = try #require(body["results"]?[0]?["document"])
            #expect(document["_id"] == "c-1")
            #expect(document["name"] == "Ada")
            #expect(document["_rev"] == "tx-first")

            // A dry run answers as if it committed and writes nothing.
            response = try await DataRoutes.mutate(client, #"{"mutations": [{"create": {"_id": "c-2", "_type": "customer"}}]}"#, query: "?dryRun=true")
            #expect(try DataRoutes.json(response)["results"] == [["id": "c-2", "operation": "create"]])
            #expect(try fixture.store.dataset("production").document(id: "c-2") == nil)

            // The transaction id may come in the body, as Sanity's clients send it.
            response = try await DataRoutes.mutate(client, #"{"mutations": [{"create": {"_id": "c-3", "_type": "customer", "a": [{"x": 1}]}}], "transactionId": "tx-body"}"#,
                                                   query: "?autoGenerateArrayKeys=false&returnDocuments")
            body = try DataRoutes.json(response)
            #expect(body["transactionId"] == "tx-body")
            #expect(body["results"]?[0]?["document"]?["a"] == [["x": 1]])
        }
    }

    @Test(arguments: StorageKind.available)
    func badOptionsAreRefusedBeforeAnythingIsWritten(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let create = #"{"mutations": [{"create": {"_id": "c-1", "_type": "customer"}}], "transactionId": "tx-b"}"#
        try await Application(router: fixture.api.router()).test(.router) { client in
            for (query, description) in [
                ("?visibility=eventually", #"visibility must be sync, async or deferred, not "eventually""#),
                ("?returnIds=maybe", #"returnIds must be true or false, not "maybe""#),
                ("?transactionId=tx-a", #"The URL's transactionId "tx-a" and the body's "tx-b" differ; give one"#),
            ] {
                let response = try await DataRoutes.mutate(client, create, query: query)
                #expect(response.status == .badRequest)
                #expect(try DataRoutes.json(response) == ["error": ["description": .string(description), "type": "invalidRequest"], "statusCode": 400])
            }
            let response = try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: [.contentType: "text/plain"],
                                                     body: DataRoutes.body(create))
            #expect(response.status == .unsupportedMediaType)
            #expect(try fixture.store.dataset("production").document(id: "c-1") == nil)
            let missing = try await client.execute(uri: "/v1/data/mutate/archive", method: .post, headers: DataRoutes.jsonHeaders,
                                                   body: DataRoutes.body(create))
            #expect(missing.status == .notFound)
        }
    }

    @Test(arguments: StorageKind.available)
    func aMalformedMutationIsAMutationErrorNamingItsIndex(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await DataRoutes.mutate(client, #"""
                {"mutations": [{"create": {"_id": "c-1", "_type": "customer"}}, {"replace": {"_id": "c-1"}}]}
                """#)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response) == [
                "error": [
                    "description": "Mutation(s) failed with 1 error(s)", "type": "mutationError",
                    "items": [["error": [
                        "description": #"Unknown mutation kind "replace""#, "type": "validationError",
                        "advice": "Use one of create, createOrReplace, createIfNotExists, delete, patch.",
                    ], "index": 1]],
                ],
                "statusCode": 400,
            ])
            let malformedID = try await DataRoutes.mutate(client, ##"{"mutations": [{"create": {"_id": "#x", "_type": "customer"}}]}"##)
            #expect(malformedID.status == .badRequest)
            #expect(try DataRoutes.json(malformedID)["error"]?["items"]?[0]?["error"]?["type"] == "validationError")
            let empty = try await DataRoutes.mutate(client, #"{"mutations": []}"#)
            #expect(empty.status == .badRequest)
            #expect(try DataRoutes.json(empty)["error"]?["type"] == "validationError")
            #expect(try fixture.store.dataset("production").document(id: "c-1") == nil)
        }
    }

    @Test(arguments: StorageKind.available)
    func conflictsAre409WithSanitysItemTypes(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        let seeded = try dataset.mutate([
            .create(["_id": "c-1", "_type": "customer", "name": "Ada"]),
            .create(["_id": "o-1", "_type": "salesOrder", "customer": ["_type": "reference", "_ref": "c-1"]]),
        ], options: TransactionOptions(transactionId: "tx-seed"))
        try await Application(router: fixture.api.router()).test(.router) { client in
            let exists = try await DataRoutes.mutate(client, #"{"mutations": [{"createIfNotExists": {"_id": "c-9", "_type": "customer"}}, {"create": {"_id": "c-1", "_type": "customer"}}]}"#)
            #expect(exists.status == .conflict)
            #expect(try DataRoutes.json(exists) == [
                "error": [
                    "description": "Mutation(s) failed with 1 error(s)", "type": "mutationError",
                    "items": [["error": [
                        "description": #"Document by ID "c-1" already exists"#, "type": "documentAlreadyExistsError", "id": "c-1",
                        "advice": "Use createOrReplace to replace it, createIfNotExists to keep it, or a patch to change it.",
                    ], "index": 1]],
                ],
                "statusCode": 409,
            ])

            let stale = try await DataRoutes.mutate(client, #"{"mutations": [{"patch": {"id": "c-1", "ifRevisionID": "tx-old", "set": {"name": "Bea"}}}]}"#)
            #expect(stale.status == .conflict)
            let item = try DataRoutes.json(stale)["error"]?["items"]?[0]
            #expect(item?["index"] == 0)
            #expect(item?["error"]?["type"] == "documentRevisionIDDoesNotMatchError")
            #expect(item?["error"]?["currentRevisionID"] == .string(seeded.transactionId))
            #expect(item?["error"]?["expectedRevisionID"] == "tx-old")

            // Reference checks run at commit; the item still names the mutation that deleted it.
            let referenced = try await DataRoutes.mutate(client, #"{"mutations": [{"patch": {"id": "c-1", "set": {"x": 1}}}, {"delete": {"id": "c-1"}}]}"#)
            #expect(referenced.status == .conflict)
            let refusal = try DataRoutes.json(referenced)["error"]?["items"]?[0]
            #expect(refusal?["index"] == 1)
            #expect(refusal?["error"]?["type"] == "documentHasExistingReferencesError")
            #expect(refusal?["error"]?["referencingIDs"] == ["o-1"])

            let dangling = try await DataRoutes.mutate(client, #"{"mutations": [{"create": {"_id": "o-2", "_type": "salesOrder", "customer": {"_ref": "nobody"}}}]}"#)
            #expect(dangling.status == .conflict)
            #expect(try DataRoutes.json(dangling)["error"]?["items"]?[0]?["error"]?["type"] == "documentReferenceDoesNotExistError")

            let used = try await DataRoutes.mutate(client, #"{"mutations": [{"create": {"_type": "customer"}}]}"#, query: "?transactionId=tx-seed")
            #expect(used.status == .conflict)
            #expect(try DataRoutes.json(used)["error"]?["type"] == "transactionIdConflictError")

            let absent = try await DataRoutes.mutate(client, #"{"mutations": [{"patch": {"id": "c-404", "set": {"x": 1}}}]}"#)
            #expect(absent.status == .notFound)
            #expect(try DataRoutes.json(absent)["error"]?["items"]?[0]?["error"]?["type"] == "documentNotFoundError")
        }
        #expect(dataset.document(id: "c-1")?["name"] == "Ada")
        #expect(dataset.document(id: "c-9") == nil)
    }

    @Test(arguments: StorageKind.available)
    func aDocumentTheSchemaRefusesIs422WithEveryMarker(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage, schema: try DataRouteSchema.compile())
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await DataRoutes.mutate(client, #"""
                {"mutations": [
                  {"create": {"_id": "a-1", "_type": "article", "title": "Fine"}},
                  {"create": {"_id": "a-2", "_type": "article", "rating": 9}}
                ]}
                """#)
            #expect(response.status == .unprocessableContent)
            let body = try DataRoutes.json(response)
            #expect(body["statusCode"] == 422)
            #expect(body["error"]?["type"] == "mutationError")
            let item = try #require(body["error"]?["items"]?[0])
            #expect(item["index"] == 1)
            #expect(item["error"]?["type"] == "validationError")
            #expect(item["error"]?["id"] == "a-2")
            #expect(item["error"]?["markers"] == [
                ["path": "title", "level": "error", "message": "Required"],
                ["path": "rating", "level": "error", "message": "Must be less than or equal to 5"],
            ])
            // A draft may hold errors; it is the published document that must be valid.
            let draft = try await DataRoutes.mutate(client, #"{"mutations": [{"create": {"_id": "drafts.a-2", "_type": "article", "rating": 9}}]}"#)
            #expect(draft.status == .ok)
            let undeclared = try await DataRoutes.mutate(client, #"{"mutations": [{"create": {"_id": "drafts.x", "_type": "poem"}}]}"#)
            #expect(undeclared.status == .unprocessableContent)
        }
    }
}
