import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("GET and POST /data/query")
struct QueryRouteTests {
    @Test(arguments: StorageKind.available)
    func aQueryIsAnsweredInSanitysShapeUnderEveryVersion(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([
            .create(["_id": "c-1", "_type": "customer", "name": "Ada", "tier": "gold"]),
            .create(["_id": "drafts.c-2", "_type": "customer", "name": "Bea", "tier": "gold"]),
        ])
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/data/query/production?query=*%5B_type%3D%3D%22customer%22%5D.name", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["query"] == #"*[_type=="customer"].name"#)
                #expect(body["result"] == ["Ada", "Bea"])
                #expect(body["ms"]?.numberValue != nil)
            }
            // From v2025-02-19 the default perspective is `published`.
            try await client.execute(uri: "/v2025-02-19/data/query/production?query=*.name&returnQuery=false", method: .get) { response in
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["result"] == ["Ada"])
                #expect(body["query"] == nil)
            }
            try await client.execute(uri: "/v1/data/query/production?query=*%5Btier%3D%3D%24tier%5D._id&%24tier=%22gold%22&perspective=drafts",
                                     method: .get) { response in
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["result"] == ["c-1", "c-2"], "\(body)")
            }
            let body = #"{"query": "*[name == $name]{_id}", "params": {"name": "Ada"}}"#
            try await client.execute(uri: "/v1/data/query/production", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: body)) { response in
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["result"] == [["_id": "c-1"]])
            }
        }
    }

    @Test(arguments: StorageKind.available)
    func explainAddsThePlanReadFromTheCallersView(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([
            .create(["_id": "c-1", "_type": "customer", "name": "Ada"]),
            .create(["_id": "drafts.c-2", "_type": "customer", "name": "Bea"]),
            .create(["_id": "o-1", "_type": "order", "customer": ["_ref": "c-1"], "total": 120]),
            .create(["_id": "o-2", "_type": "order", "customer": ["_ref": "c-1"], "total": 20]),
        ])
        let app = Application(router: fixture.api.router())
        let query = #"*[_type == "customer"]{name, "big": count(*[_type == "order" && customer._ref == ^._id && total > 100])}"#
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        try await app.test(.router) { client in
            try await client.execute(uri: "/v2025-02-19/data/query/production?query=\(encoded)&explain=true", method: .get) { response in
                #expect(response.status == .ok)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["result"] == [["name": "Ada", "big": 1]])
                let steps = try #require(body["explain"]?.arrayValue)
                #expect(steps.count == 2, "\(steps)")
                // The published view: the draft is neither read nor counted.
                #expect(steps.first?["access"] == #"type index: _type == "customer""#)
                #expect(steps.first?["estimatedRows"] == 1 && steps.first?["rows"] == 1 && steps.first?["runs"] == 1)
                #expect(steps.last?["index"] == true && steps.last?["rows"] == 1)
                #expect(steps.last?["ms"]?.numberValue != nil)
            }
            try await client.execute(uri: "/v1/data/query/production?query=\(encoded)", method: .get) { response in
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["explain"] == nil)
            }
            try await client.execute(uri: "/v1/data/query/production?query=\(encoded)&explain=maybe", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                #expect(error?["description"]?.stringValue?.contains("explain must be true or false") == true)
            }
        }
    }

    @Test(arguments: StorageKind.available)
    func badQueriesAndUnknownPlacesAreClearErrors(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/data/query/production?query=*%5B_type%20%3D%3D%20%5D", method: .get) { response in
                #expect(response.status == .badRequest)
                let error = try JSONValue(parsing: Array(response.body.readableBytesView))["error"]
                #expect(error?["type"] == "queryParseError")
                #expect(error?["start"] == 11)
                #expect(error?["description"] == "expected an expression, found ']'")
                #expect(error?["excerpt"]?.stringValue?.hasSuffix("*[_type == ]\n             ^") == true)
            }
            try await client.execute(uri: "/v1/data/query/archive?query=1", method: .get) { response in
                #expect(response.status == .notFound)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["error"]?["type"] == "datasetNotFoundError")
            }
            // A version that is none of v1 or a real date is the client's mistake: 400 with advice.
            try await client.execute(uri: "/v3/data/query/production?query=1", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["error"]?["type"] == "invalidApiVersion")
            }
            try await client.execute(uri: "/v1/data/query/production", method: .post, headers: [.contentType: "text/plain"],
                                     body: ByteBuffer(string: "*")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/v1/data/query/production", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: "{\"query\": ")) { response in
                #expect(response.status == .badRequest)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["error"]?["type"] == "invalidJSON")
            }
            try await client.execute(uri: "/v1/data/query/production?query=%24missing", method: .get) { response in
                #expect(response.status == .badRequest)
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["error"]?["type"] == "queryError")
            }
        }
    }
}
