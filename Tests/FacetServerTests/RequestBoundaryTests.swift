import FacetServer
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What the server lets through at its edge: cross-origin browsers (closed unless configured) and
/// bodies over the size limit.
@Suite("CORS and the body limit")
struct RequestBoundaryTests {
    @Test func crossOriginAccessIsClosedByDefault() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            try await client.execute(uri: "/v1/data/query/production?query=1", method: .get, headers: [.origin: "https://elsewhere.example"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func aConfiguredOriginIsAllowedAndOthersAreNot() async throws {
        var configuration = ServerConfiguration()
        configuration.allowedOrigins = ["https://studio.maison.example", "http://localhost:3333"]
        let fixture = try ServerFixture(configuration: configuration)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            try await client.execute(uri: "/v1/data/query/production", method: .options,
                                     headers: [.origin: "https://studio.maison.example", .accessControlRequestMethod: "POST"]) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowOrigin] == "https://studio.maison.example")
                #expect(response.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
            }
            try await client.execute(uri: "/v1/data/query/production?query=1", method: .get, headers: [.origin: "http://localhost:3333"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:3333")
            }
            try await client.execute(uri: "/v1/data/query/archive?query=1", method: .get, headers: [.origin: "http://localhost:3333"]) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:3333")
            }
            try await client.execute(uri: "/v1/data/query/production?query=1", method: .get, headers: [.origin: "https://elsewhere.example"]) { response in
                #expect(response.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func aBodyOverTheLimitIs413AndNothingIsWritten() async throws {
        var configuration = ServerConfiguration()
        configuration.maxBodyBytes = 1024
        let fixture = try ServerFixture(configuration: configuration)
        defer { fixture.close() }
        let name = String(repeating: "x", count: 2000)
        let body = #"{"mutations": [{"create": {"_id": "c-1", "_type": "customer", "name": "\#(name)"}}]}"#
        try await Application(router: fixture.api.router()).test(.router) { client in
            try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .contentTooLarge)
                let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                #expect(error?["type"] == "requestTooLarge")
                #expect(error?["description"]?.stringValue?.contains("over the limit of 1024 bytes") == true)
            }
        }
        #expect(try fixture.store.dataset("production").document(id: "c-1") == nil)
    }
}
