import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Drives the API with nothing but HTTP requests shaped like the examples of Sanity's HTTP API
/// documentation (mutate, doc, history, query), under a dated version as Sanity's clients send
/// them, and checks the responses have the shapes that documentation gives.
@Suite("Sanity's documented examples")
struct SanityDocsExampleTests {
    static let base = "/v2021-06-07/data"

    static func mutate(_ client: some TestClientProtocol, _ body: String, query: String = "") async throws -> JSONValue {
        let response = try await client.execute(uri: "\(base)/mutate/production\(query)", method: .post, headers: DataRoutes.jsonHeaders,
                                                 body: DataRoutes.body(body))
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        return try DataRoutes.json(response)
    }

    static func get(_ client: some TestClientProtocol, _ path: String) async throws -> TestResponse {
        let response = try await client.execute(uri: base + path, method: .get)
        #expect(response.status == .ok, "\(path): \(String(buffer: response.body))")
        return response
    }

    /// `{"transactionId": "…", "results": [{"id": "…", "operation": "…"}]}`: the result's keys and
    /// each result's operation.
    static func operations(_ result: JSONValue) -> [String] {
        #expect(result["transactionId"]?.stringValue?.isEmpty == false)
        return (result["results"]?.arrayValue ?? []).map { item in
            #expect(item["id"]?.stringValue != nil)
            return item["operation"]?.stringValue ?? "?"
        }
    }

    @Test func theDocumentedRequestsGetTheDocumentedAnswers() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            // create, with an id and with the `drafts.` prefix the server completes.
            var result = try await Self.mutate(client, #"""
                {"mutations": [
                  {"create": {"_id": "person-1234", "_type": "person", "name": "Remington Steele", "roles": ["Private investigator"],
                              "stats": {"visits": 0}, "address": {"city": "Los Angeles"}}},
                  {"create": {"_id": "drafts.", "_type": "cms.article", "title": "An article"}}
                ]}
                """#, query: "?returnIds=true")
            #expect(Self.operations(result) == ["create", "create"])
            #expect(result["results"]?[0]?["id"] == "person-1234")
            let draftID = try #require(result["results"]?[1]?["id"]?.stringValue)
            #expect(draftID.hasPrefix("drafts.") && draftID.count > "drafts.".count)
            let firstRevision = try #require(result["transactionId"]?.stringValue)

            // createOrReplace and createIfNotExists (a no-op when the document exists).
            result = try await Self.mutate(client, #"""
                {"mutations": [
                  {"createOrReplace": {"_id": "drafts.a-post", "_type": "cms.article", "title": "An article"}},
                  {"createIfNotExists": {"_id": "person-1234", "_type": "person", "name": "Someone else"}},
                  {"createIfNotExists": {"_id": "123", "_type": "cms.article", "title": "Another article"}}
                ]}
                """#)
            #expect(Self.operations(result) == ["create", "none", "create"])

            // patch: set (with a nested path), inc and insert, returning the document.
            result = try await Self.mutate(client, #"""
                {"mutations": [
                  {"patch": {"id": "person-1234", "set": {"name": "Remington Steele", "address.city": "Madison"}}},
                  {"patch": {"id": "person-1234", "inc": {"stats.visits": 1}}},
                  {"patch": {"id": "person-1234", "insert": {"after": "roles[-1]", "items": ["Detective"]}}}
                ]}
                """#, query: "?returnDocuments=true")
            #expect(Self.operations(result) == ["update", "update", "update"])
            let patched = try #require(result["results"]?[2]?["document"])
            #expect(patched["address"]?["city"] == "Madison")
            #expect(patched["stats"]?["visits"] == 1)
            #expect(patched["roles"] == ["Private investigator", "Detective"])
            #expect(patched["_id"] == "person-1234" && patched["_type"] == "person")
            for field in ["_rev", "_createdAt", "_updatedAt"] { #expect(patched[field]?.stringValue != nil, "\(field)") }

            // patch and delete by query, with params.
            result = try await Self.mutate(client, #"""
                {"mutations": [
                  {"patch": {"query": "*[_type == 'cms.article' && title == $title]", "params": {"title": "Another article"}, "set": {"featured": true}}},
                  {"delete": {"query": "*[_type == 'cms.article' && featured == $featured]", "params": {"featured": true}}},
                  {"delete": {"id": "nothing-here"}}
                ]}
                """#)
            #expect(Self.operations(result) == ["update", "delete", "none"])

            // The doc endpoint: several ids, with the missing ones omitted.
            var body = try DataRoutes.json(try await Self.get(client, "/doc/production/person-1234,123"))
            #expect(body["documents"]?.arrayValue?.map { $0["_id"] } == ["person-1234"])
            #expect(body["omitted"] == [["id": "123", "reason": "existence"]])

            // History: the document as its first revision left it, and its transactions.
            body = try DataRoutes.json(try await Self.get(client, "/history/production/documents/person-1234?revision=\(firstRevision)"))
            #expect(body["documents"]?[0]?["address"]?["city"] == "Los Angeles")
            #expect(body["documents"]?[0]?["_rev"] == .string(firstRevision))
            // As Sanity's studio asks for them: effects, no mutations.
            let log = try DataRoutes.lines(try await Self.get(
                client, "/history/production/transactions/person-1234?excludeContent=true&excludeMutations=true&effectFormat=mendoza"))
            #expect(log.count == 2)
            for line in log {
                #expect(line["id"]?.stringValue != nil && line["timestamp"]?.stringValue != nil && line["author"] != nil)
                #expect(line["documentIDs"]?.arrayValue?.contains("person-1234") == true)
                #expect(line["mutations"] == nil)
                #expect(line["effects"]?["person-1234"]?["apply"]?.arrayValue != nil && line["effects"]?["person-1234"]?["revert"]?.arrayValue != nil)
            }
            #expect(log.first?["id"] == .string(firstRevision))

            // A query with a parameter in the URL: `$name=<JSON>`, percent-encoded as clients send it.
            let query = #"*[_type == "person" && name == $name]{name, "city": address.city}"#
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            body = try DataRoutes.json(try await Self.get(client, "/query/production?query=\(query)&%24name=%22Remington%20Steele%22"))
            #expect(body["result"] == [["name": "Remington Steele", "city": "Madison"]])
            #expect(body["query"] == #"*[_type == "person" && name == $name]{name, "city": address.city}"#)
            #expect(body["ms"]?.numberValue != nil)

            // delete by id.
            result = try await Self.mutate(client, #"{"mutations": [{"delete": {"id": "person-1234"}}]}"#)
            #expect(Self.operations(result) == ["delete"])
            body = try DataRoutes.json(try await Self.get(client, "/doc/production/person-1234"))
            #expect(body == ["documents": [], "omitted": [["id": "person-1234", "reason": "existence"]]])
        }
    }
}
