import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("GET /data/export")
struct ExportRouteTests {
    @Test(arguments: StorageKind.available)
    func theExportIsEveryDocumentDraftsIncludedInIdOrder(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([
            .create(["_id": "p-1", "_type": "product", "name": "Ring"]),
            .create(["_id": "c-1", "_type": "customer", "name": "Ada"]),
            .create(["_id": "drafts.c-1", "_type": "customer", "name": "Ada L."]),
            .create(["_id": "o-1", "_type": "salesOrder", "total": 10]),
        ])
        try await Application(router: fixture.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/export/production", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-ndjson")
            var lines = try DataRoutes.lines(response)
            #expect(lines.map { $0["_id"] } == ["c-1", "drafts.c-1", "o-1", "p-1"])
            #expect(lines[1] == dataset.document(id: "drafts.c-1"))

            response = try await client.execute(uri: "/v2025-02-19/data/export/production?types=salesOrder,customer", method: .get)
            lines = try DataRoutes.lines(response)
            #expect(lines.map { $0["_id"] } == ["c-1", "drafts.c-1", "o-1"])

            // As Sanity's client sends the list: the comma percent-encoded, a space as `+`.
            for query in ["types=salesOrder%2Ccustomer", "types=salesOrder%2C+customer", "types=%73alesOrder,customer"] {
                response = try await client.execute(uri: "/v1/data/export/production?\(query)", method: .get)
                #expect(try DataRoutes.lines(response).map { $0["_id"] } == ["c-1", "drafts.c-1", "o-1"], "\(query)")
            }

            response = try await client.execute(uri: "/v1/data/export/production?types=poem", method: .get)
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 0)

            response = try await client.execute(uri: "/v1/data/export/archive", method: .get)
            #expect(response.status == .notFound)
        }
    }

    @Test(arguments: StorageKind.available)
    func aLargeExportStreamsInChunksAndLosesNothing(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        // About 2.5 MB: ten of the store's chunks, more than the hand-off holds at once.
        let padding = String(repeating: "x", count: 500)
        try dataset.mutate((0..<5000).map { index in
            .create(["_id": .string(String(format: "doc-%05d", index)), "_type": "note", "text": .string(padding)])
        })
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/data/export/production", method: .get)
            let lines = try DataRoutes.lines(response)
            #expect(lines.count == 5000)
            #expect(lines.first?["_id"] == "doc-00000")
            #expect(lines.last?["_id"] == "doc-04999")
            #expect(lines.allSatisfy { $0["text"] == .string(padding) })
        }
    }

    @Test(arguments: StorageKind.available)
    func theSnapshotIsTheOneCommittedWhenTheRequestWasAnswered(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        let padding = String(repeating: "x", count: 500)
        try dataset.mutate((0..<2000).map { index in
            .create(["_id": .string(String(format: "doc-%05d", index)), "_type": "note", "text": .string(padding)])
        })
        // Writes land after the handler has answered and before the body is read.
        let app = Application(responder: WriteAfterAnswer(inner: fixture.api.router().buildResponder()) {
            try dataset.mutate([.create(["_id": "doc-late", "_type": "note"]), .delete(.ids(["doc-01999"]))])
        })
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/v1/data/export/production", method: .get)
            let ids = try DataRoutes.lines(response).compactMap { $0["_id"]?.stringValue }
            #expect(ids.count == 2000)
            #expect(ids.last == "doc-01999")
            #expect(!ids.contains("doc-late"))
        }
        #expect(dataset.document(id: "doc-late") != nil)
    }
}

/// Answers through `inner`, then runs `write` before the response's body is written.
struct WriteAfterAnswer: HTTPResponder {
    let inner: RouterResponder<FacetRequestContext>
    let write: @Sendable () throws -> Void

    func respond(to request: Request, context: FacetRequestContext) async throws -> Response {
        let response = try await inner.respond(to: request, context: context)
        try write()
        return response
    }
}
