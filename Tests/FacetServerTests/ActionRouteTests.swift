import FacetSchema
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaTypes
import StudioConfig
import Testing

@Suite("GET and POST /actions")
struct ActionRouteTests {
    /// Stamps `note` on the document (its draft too when it has one) from the `note` parameter;
    /// refuses without one.
    static let annotate = DocumentAction("annotate", title: "Annotate", description: "Writes the note given as a parameter",
                                         types: ["article"]) { context in
        guard let note = context.params["note"]?.stringValue else {
            throw StoreError(.invalid, type: "validationError", message: "Give a note", advice: "Send {\"params\": {\"note\": \"…\"}}.")
        }
        let ids = [context.documentID, DocumentID.draft(of: context.documentID)]
        let existing = try await context.query("*[_id in $ids]._id", params: ["ids": .array(ids.map(JSONValue.string))], perspective: .raw)
        let mutations = try (existing.arrayValue ?? []).compactMap(\.stringValue).map { id in
            Mutation.patch(try PatchMutation(json: ["id": .string(id), "set": ["note": .string(note)]]))
        }
        let result = try await context.mutate(mutations)
        return ActionResult(message: "Noted on \(context.documentType ?? "?")", transaction: result, data: ["note": .string(note)])
    }

    /// Fails with an error that is not the store's.
    static let broken = DocumentAction("broken", title: "Broken", description: "Always fails", types: ["article"]) { _ in
        struct Oops: Error {}
        throw Oops()
    }

    static func api(_ fixture: ServerFixture) -> FacetAPI {
        FacetAPI(store: fixture.store, actions: [annotate, broken])
    }

    static func run(_ client: some TestClientProtocol, _ action: String, _ body: String, dataset: String = "production") async throws -> TestResponse {
        try await client.execute(uri: "/v1/actions/\(dataset)/\(action)", method: .post, headers: DataRoutes.jsonHeaders, body: DataRoutes.body(body))
    }

    @Test func theDeclaredActionsAreListed() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/actions", method: .get)
            #expect(response.status == .ok)
            #expect(try DataRoutes.json(response) == ["actions": [
                ["name": "annotate", "title": "Annotate", "description": "Writes the note given as a parameter", "types": ["article"]],
                ["name": "broken", "title": "Broken", "description": "Always fails", "types": ["article"]],
            ]])
        }
        // A server without actions lists none.
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v2025-02-19/actions", method: .get)
            #expect(try DataRoutes.json(response) == ["actions": []])
        }
    }

    @Test func anActionRunsThroughTheMutationPipelineAndSaysWhatItDid() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "a-1", "_type": "article", "title": "T"]), .create(["_id": "drafts.a-1", "_type": "article", "title": "T2"])])
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            let response = try await Self.run(client, "annotate", #"{"documentId": "drafts.a-1", "params": {"note": "call back"}}"#)
            #expect(response.status == .ok)
            let body = try DataRoutes.json(response)
            let transactionID = try #require(body["transactionId"]?.stringValue)
            #expect(body == [
                "action": "annotate", "documentId": "a-1", "message": "Noted on article", "tone": "success",
                "transactionId": .string(transactionID), "writtenIds": ["a-1", "drafts.a-1"], "result": ["note": "call back"],
            ])
            #expect(dataset.document(id: "a-1")?["note"] == "call back")
            #expect(dataset.document(id: "drafts.a-1")?["note"] == "call back")
            #expect(try dataset.transactions(documentIDs: ["a-1"]).last?.author == "api")
        }
    }

    @Test func unknownActionsDocumentsAndTypesAreRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "a-1", "_type": "article"]), .create(["_id": "w-1", "_type": "author"])])
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            var response = try await Self.run(client, "publish-everything", #"{"documentId": "a-1"}"#)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": #"There is no action "publish-everything"; the actions are listed at /v1/actions"#, "type": "actionNotFoundError",
            ], "statusCode": 404])

            response = try await Self.run(client, "annotate", #"{"documentId": "w-1", "params": {"note": "x"}}"#)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": #"The action "annotate" applies to article, not to author"#, "type": "actionNotApplicableError",
            ], "statusCode": 400])

            response = try await Self.run(client, "annotate", #"{"documentId": "a-404"}"#)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response)["error"]?["type"] == "documentNotFoundError")

            response = try await Self.run(client, "annotate", #"{"documentId": "a-1"}"#, dataset: "archive")
            #expect(response.status == .notFound)

            for body in [#"{}"#, #"{"documentId": "a-1", "params": [1]}"#] {
                response = try await Self.run(client, "annotate", body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try DataRoutes.json(response)["error"]?["type"] == "invalidRequest")
            }
        }
    }

    @Test func whatAnActionRefusesAnswersWithItsStatus() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "a-1", "_type": "article"])])
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            var response = try await Self.run(client, "annotate", #"{"documentId": "a-1"}"#)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": "Give a note", "type": "validationError", "advice": #"Send {"params": {"note": "…"}}."#,
            ], "statusCode": 400])
            response = try await Self.run(client, "broken", #"{"documentId": "a-1"}"#)
            #expect(response.status == .internalServerError)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": #"The action "broken" failed; the server's log says why"#, "type": "actionError",
            ], "statusCode": 500])
        }
    }

    @Test func theCRMRecalculatesALifetimeValueOverHTTP() async throws {
        let directory = NSTemporaryDirectory() + "facet-action-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: try CRMSchema.validator())
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        try dataset.mutate([
            .create(["_id": "c-1", "_type": "customer", "name": "Ada Lovelace", "email": "ada@example.com", "segment": "loyal", "lifetimeValue": 5]),
            .create(["_id": "p-1", "_type": "product", "name": "Ring", "slug": ["_type": "slug", "current": "ring"], "sku": "RG-100",
                     "category": "rings", "price": 100, "currency": "EUR"]),
        ])
        for (number, total, status) in [("SO-000001", 1200.5, "delivered"), ("SO-000002", 99.99, "pending"), ("SO-000003", 5000, "cancelled")] {
            try dataset.mutate([.create([
                "_id": .string("o-" + number), "_type": "salesOrder", "orderNumber": .string(number),
                "customer": ["_type": "reference", "_ref": "c-1"], "orderDate": "2026-01-10T10:00:00Z", "status": .string(status),
                "channel": "boutique", "currency": "EUR", "subtotal": .number(total), "total": .number(total),
                "lineItems": [["_key": "l1", "_type": "lineItem", "product": ["_type": "reference", "_ref": "p-1"],
                               "quantity": 1, "unitPrice": .number(total)]],
            ])])
        }
        let api = FacetAPI(store: store, schema: try CRMSchema.compile(), actions: CRMActions.all)
        try await Application(router: api.router()).test(.router) { client in
            let listed = try DataRoutes.json(try await client.execute(uri: "/v1/actions", method: .get))
            #expect(listed["actions"]?[0]?["name"] == "recalculate-lifetime-value")
            #expect(listed["actions"]?[0]?["types"] == ["customer", "lizaCustomer"])

            let response = try await Self.run(client, "recalculate-lifetime-value", #"{"documentId": "c-1"}"#)
            #expect(response.status == .ok)
            let body = try DataRoutes.json(response)
            #expect(body["message"] == "Lifetime value 5.00 → 1,300.49 from 2 orders")
            #expect(body["result"] == ["previousValue": 5, "newValue": 1300.49, "orderCount": 2, "currencies": ["EUR"]])
            #expect(body["writtenIds"] == ["c-1"])
            #expect(dataset.document(id: "c-1")?["lifetimeValue"] == 1300.49)
            #expect(dataset.document(id: "c-1")?["_rev"] == body["transactionId"])

            let order = try await Self.run(client, "recalculate-lifetime-value", #"{"documentId": "o-SO-000001"}"#)
            #expect(order.status == .badRequest)
        }
    }
}
