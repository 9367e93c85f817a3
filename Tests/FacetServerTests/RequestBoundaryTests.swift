import FacetServer
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

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
        // Live: a 413 closes its connection, which the router-only test client cannot show.
        try await Application(router: fixture.api.router()).test(.live) { client in
            try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: body)) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.connection] == "close")
                let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                #expect(error?["type"] == "requestTooLarge")
                #expect(error?["description"]?.stringValue?.contains("over the limit of 1024 bytes") == true)
            }
        }
        #expect(try fixture.store.dataset("production").document(id: "c-1") == nil)
    }

    /// After a 413 the server closes the connection: the rest of the refused body, still on its
    /// way, is never read as a next request.
    @Test func aRefusedBodyClosesItsConnection() async throws {
        var configuration = ServerConfiguration()
        configuration.maxBodyBytes = 1024
        let fixture = try ServerFixture(configuration: configuration)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.live) { client in
            let connection = try RawHTTPConnection(port: try #require(client.port))
            defer { connection.hangUp() }
            // The body announced is large; what is sent of it looks like a request of its own.
            let smuggled = "GET /v1/data/query/production?query=count(*) HTTP/1.1\r\nHost: localhost\r\n\r\n"
            try connection.request("POST", "/v1/data/mutate/production", headers: ["Content-Type": "application/json"],
                                   body: smuggled + String(repeating: " ", count: 4096 - smuggled.utf8.count), contentLength: 1_000_000)
            let head = try await connection.head()
            #expect(head.status == 413)
            #expect(head.headers["connection"] == "close")
            let body = try await connection.wholeBody(timeout: .seconds(10))
            #expect(String(decoding: body, as: UTF8.self).contains("requestTooLarge"))
            #expect(try await connection.isClosedByServer(timeout: .seconds(10)), "the connection stays open after the 413")
        }
    }

    @Test func aKnownPathWithAnotherMethodIs405WithAllow() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            try await client.execute(uri: "/v1/data/mutate/production", method: .delete) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "OPTIONS, POST")
                let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                #expect(error?["type"] == "methodNotAllowed")
            }
            try await client.execute(uri: "/v1/data/query/production", method: .put) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow]?.contains("GET") == true)
            }
            // An unknown path stays 404; an OPTIONS request without CORS is answered with Allow.
            try await client.execute(uri: "/v1/no/such/route", method: .delete) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/v1/data/mutate/production", method: .options) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.allow] == "OPTIONS, POST")
            }
        }
    }

    @Test func aPreflightIsAnsweredPerTheCORSConfiguration() async throws {
        var configuration = ServerConfiguration()
        configuration.allowedOrigins = ["https://studio.maison.example"]
        let fixture = try ServerFixture(configuration: configuration)
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            try await client.execute(uri: "/v1/data/mutate/production", method: .options,
                                     headers: [.origin: "https://studio.maison.example", .accessControlRequestMethod: "POST",
                                               .accessControlRequestHeaders: "authorization, content-type"]) { response in
                #expect(response.status == .noContent)
                #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(response.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            }
            try await client.execute(uri: "/v1/data/mutate/production", method: .options,
                                     headers: [.origin: "https://elsewhere.example", .accessControlRequestMethod: "POST"]) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.accessControlAllowOrigin] == nil)
                let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                #expect(error?["type"] == "originNotAllowed")
            }
        }
    }

    @Test func aDatedAPIVersionMustBeARealDate() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            for version in ["v2025-13-45", "v2025-02-30", "v2023-02-29", "v2025-00-10", "v2025-1-1", "v2"] {
                try await client.execute(uri: "/\(version)/data/query/production?query=1", method: .get) { response in
                    #expect(response.status == .badRequest, "\(version)")
                    let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                    #expect(error?["type"] == "invalidApiVersion", "\(version)")
                    #expect(error?["description"]?.stringValue?.contains("vYYYY-MM-DD") == true)
                }
            }
            for version in ["v1", "v2021-06-07", "v2024-02-29", "v2025-12-31"] {
                try await client.execute(uri: "/\(version)/data/query/production?query=1", method: .get) { response in
                    #expect(response.status == .ok, "\(version)")
                }
            }
        }
    }
}
