import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("GET /data/doc")
struct DocumentRouteTests {
    @Test(arguments: StorageKind.available)
    func documentsAreReturnedInTheOrderAskedAndMissingOnesAreOmitted(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let result = try fixture.store.dataset("production").mutate([
            .create(["_id": "c-1", "_type": "customer", "name": "Ada"]),
            .create(["_id": "drafts.c-2", "_type": "customer", "name": "Bea"]),
        ])
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/doc/production/drafts.c-2,c-404,c-1", method: .get)
            #expect(response.status == .ok)
            var body = try DataRoutes.json(response)
            #expect(body["documents"]?.arrayValue?.map { $0["_id"] } == ["drafts.c-2", "c-1"])
            #expect(body["documents"]?[1]?["name"] == "Ada")
            #expect(body["documents"]?[1]?["_rev"] == .string(result.transactionId))
            #expect(body["omitted"] == [["id": "c-404", "reason": "existence"]])

            // Clients may percent-encode the commas; dated versions answer the same.
            response = try await client.execute(uri: "/v2021-06-07/data/doc/production/c-1%2Cc-404", method: .get)
            body = try DataRoutes.json(response)
            #expect(body["documents"]?.arrayValue?.count == 1)
            #expect(body["omitted"] == [["id": "c-404", "reason": "existence"]])
        }
    }

    @Test(arguments: StorageKind.available)
    func excludeContentKeepsOnlyTheSystemFields(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada", "email": "ada@example.com"])])
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/data/doc/production/c-1,c-2?excludeContent=true", method: .get)
            let body = try DataRoutes.json(response)
            let document = try #require(body["documents"]?[0]?.objectValue)
            #expect(Set(document.keys) == ["_id", "_type", "_rev", "_createdAt", "_updatedAt"])
            #expect(body["omitted"] == [["id": "c-2", "reason": "existence"]])
        }
    }

    @Test(arguments: StorageKind.available)
    func aMalformedIdOrAnUnknownDatasetIsAnError(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/doc/production/c-1,%23x", method: .get)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response)["error"]?["type"] == "validationError")
            response = try await client.execute(uri: "/v1/data/doc/production/%2C", method: .get)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response) == ["error": ["description": "Give at least one document id", "type": "invalidRequest"], "statusCode": 400])
            response = try await client.execute(uri: "/v1/data/doc/archive/c-1", method: .get)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response)["error"]?["type"] == "datasetNotFoundError")
            response = try await client.execute(uri: "/v1/data/doc/production/c-1?excludeContent=perhaps", method: .get)
            #expect(response.status == .badRequest)
        }
    }
}
