import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("GET /data/history")
struct HistoryRouteTests {
    /// c-1 created by ada (tx-1), renamed by bea (tx-2), c-2 created with it by ada (tx-3), c-1
    /// deleted by bea (tx-4).
    static func seed(_ dataset: Dataset) throws -> [CommittedTransaction] {
        let steps: [(String, String, [Mutation])] = [
            ("tx-1", "ada", [.create(["_id": "c-1", "_type": "customer", "name": "Ada"])]),
            ("tx-2", "bea", [.patch(try PatchMutation(json: ["id": "c-1", "set": ["name": "Ada Lovelace"]]))]),
            ("tx-3", "ada", [.create(["_id": "c-2", "_type": "customer", "name": "Bea"]),
                             .patch(try PatchMutation(json: ["id": "c-1", "set": ["tier": "gold"]]))]),
            ("tx-4", "bea", [.delete(.ids(["c-1"]))]),
        ]
        for (id, author, mutations) in steps {
            try dataset.mutate(mutations, options: TransactionOptions(transactionId: id, author: author))
            // Distinct times, so that each transaction can be found by time.
            Thread.sleep(forTimeInterval: 0.005)
        }
        return try dataset.transactions(documentIDs: [])
    }

    @Test(arguments: StorageKind.available)
    func aDocumentIsReadAsOfARevisionATimeOrItsLastRevision(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let log = try Self.seed(try fixture.store.dataset("production"))
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/history/production/documents/c-1?revision=tx-2", method: .get)
            #expect(response.status == .ok)
            var body = try DataRoutes.json(response)
            #expect(body["documents"]?.arrayValue?.count == 1)
            #expect(body["documents"]?[0]?["name"] == "Ada Lovelace")
            #expect(body["documents"]?[0]?["_rev"] == "tx-2")

            let time = log[0].timestamp.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            response = try await client.execute(uri: "/v1/data/history/production/documents/c-1,c-2?time=\(time)", method: .get)
            body = try DataRoutes.json(response)
            // c-2 did not exist yet: it is left out.
            #expect(body == ["documents": [try #require(log[0].effects[0].document)]])

            response = try await client.execute(uri: "/v2025-02-19/data/history/production/documents/c-1?lastRevision=true", method: .get)
            body = try DataRoutes.json(response)
            #expect(body["documents"]?[0]?["tier"] == "gold")
            #expect(body["documents"]?[0]?["_rev"] == "tx-3")
        }
    }

    @Test(arguments: StorageKind.available)
    func theStateMustBeNamedExactlyOnce(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        _ = try Self.seed(try fixture.store.dataset("production"))
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/history/production/documents/c-1?revision=tx-1&time=2026-01-01T00:00:00Z",
                                                     method: .get)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response) == [
                "error": ["description": "Give only one of revision, time and lastRevision", "type": "invalidRequest"], "statusCode": 400,
            ])
            response = try await client.execute(uri: "/v1/data/history/production/documents/c-1", method: .get)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response)["error"]?["description"]
                == "Say which state to read: revision=<_rev>, time=<ISO 8601> or lastRevision=true")
            response = try await client.execute(uri: "/v1/data/history/production/documents/c-1?revision=tx-404", method: .get)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response)["error"]?["type"] == "revisionNotFoundError")
            response = try await client.execute(uri: "/v1/data/history/production/documents/c-1?time=yesterday", method: .get)
            #expect(response.status == .badRequest)
        }
    }

    @Test(arguments: StorageKind.available)
    func transactionsAreNDJSONLinesInSanitysShape(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let log = try Self.seed(try fixture.store.dataset("production"))
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/data/history/production/transactions/c-1", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            let lines = try DataRoutes.lines(response)
            #expect(lines.map { $0["id"] } == ["tx-1", "tx-2", "tx-3", "tx-4"])
            #expect(lines[2] == log[2].historyJSON())
            #expect(lines[2]["documentIDs"] == ["c-2", "c-1"] || lines[2]["documentIDs"] == ["c-1", "c-2"])
            #expect(lines[0]["author"] == "ada")
            #expect(lines[0]["timestamp"] == .string(log[0].timestamp))
            #expect(lines[0]["mutations"]?[0]?["create"]?["name"] == "Ada")
        }
    }

    @Test(arguments: StorageKind.available)
    func transactionsAreFilteredOrderedAndTrimmedAsAsked(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let log = try Self.seed(try fixture.store.dataset("production"))
        try await Application(router: fixture.api.router()).test(.router) { client in
            func ids(_ query: String, of documents: String = "c-1") async throws -> [JSONValue?] {
                let response = try await client.execute(uri: "/v1/data/history/production/transactions/\(documents)?\(query)", method: .get)
                #expect(response.status == .ok, "\(query)")
                return try DataRoutes.lines(response).map { $0["id"] }
            }
            #expect(try await ids("authors=bea") == ["tx-2", "tx-4"])
            // As URLSearchParams sends "ada, bea": every route decodes `+` and `%2C` alike.
            #expect(try await ids("authors=ada%2C+bea") == ["tx-1", "tx-2", "tx-3", "tx-4"])
            #expect(try await ids("authors=ada,bea&reverse=true&limit=3") == ["tx-4", "tx-3", "tx-2"])
            #expect(try await ids("fromTransaction=tx-2&toTransaction=tx-3") == ["tx-2", "tx-3"])
            let from = log[1].timestamp.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let to = log[2].timestamp.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            #expect(try await ids("fromTime=\(from)&toTime=\(to)") == ["tx-2", "tx-3"])
            #expect(try await ids("", of: "c-2") == ["tx-3"])

            // As Sanity's: excludeContent trims nothing the lines carry (its studio sends it and
            // reads the mutations).
            var response = try await client.execute(uri: "/v1/data/history/production/transactions/c-2?excludeContent=true", method: .get)
            var line = try #require(try DataRoutes.lines(response).first)
            #expect(line["mutations"]?[0]?["create"]?["name"] == "Bea")
            #expect(line["id"] == "tx-3")
            response = try await client.execute(uri: "/v1/data/history/production/transactions/c-2?excludeMutations=true&includeIdentifiedDocumentsOnly=true",
                                                method: .get)
            line = try #require(try DataRoutes.lines(response).first)
            #expect(line["mutations"] == nil)
            #expect(line["documentIDs"] == ["c-2"])
            #expect(line["revisions"]?.objectValue.map { Array($0.keys) } == ["c-2"])
        }
    }

    /// The studio's own request: each line's effect, applied to the state before it, gives the
    /// revision the transaction left, and its revert gives the state before back.
    @Test(arguments: StorageKind.available)
    func mendozaEffectsStepThroughEveryRevision(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        _ = try Self.seed(dataset)
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/data/history/production/transactions/c-1?effectFormat=mendoza&excludeContent=true&excludeMutations=true"
                    + "&includeIdentifiedDocumentsOnly=true&reverse=true&limit=50",
                method: .get)
            #expect(response.status == .ok)
            let lines = try DataRoutes.lines(response)
            #expect(lines.map { $0["id"] } == ["tx-4", "tx-3", "tx-2", "tx-1"])
            var state = JSONValue.null
            for line in lines.reversed() {
                #expect(line["mutations"] == nil)
                #expect(line["effects"]?.objectValue.map { Array($0.keys) } == ["c-1"], "only the document asked for")
                let effect = try #require(line["effects"]?["c-1"])
                let next = try MendozaPatch.apply(try #require(effect["apply"]), to: state)
                let revision = try #require(line["id"]?.stringValue)
                #expect(next == (try dataset.document(id: "c-1", at: .revision(revision)) ?? .null), "\(revision)")
                #expect(try MendozaPatch.apply(try #require(effect["revert"]), to: next) == state, "\(revision)")
                state = next
            }
            // Creation and deletion are whole values, as the studio tells them apart.
            #expect(lines.last?["effects"]?["c-1"]?["apply"]?[0] == 0)
            #expect(lines.first?["effects"]?["c-1"]?["apply"] == [0, nil])
            // Unchanged fields are kept, not repeated: the rename writes the name, not the type.
            let rename = try #require(lines[2]["effects"]?["c-1"]?["apply"]).serialized()
            #expect(rename.contains("Ada Lovelace") && !rename.contains("customer"), "\(rename)")
        }
    }

    @Test(arguments: StorageKind.available)
    func badTransactionOptionsAre400(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        _ = try Self.seed(try fixture.store.dataset("production"))
        try await Application(router: fixture.api.router()).test(.router) { client in
            for query in ["limit=-1", "limit=ten", "reverse=sometimes", "fromTime=monday", "effectFormat=json", "excludeContent=perhaps"] {
                let response = try await client.execute(uri: "/v1/data/history/production/transactions/c-1?\(query)", method: .get)
                #expect(response.status == .badRequest, "\(query)")
                #expect(try DataRoutes.json(response)["statusCode"] == 400)
            }
            let response = try await client.execute(uri: "/v1/data/history/archive/transactions/c-1", method: .get)
            #expect(response.status == .notFound)
        }
    }
}
