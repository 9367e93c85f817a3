import FacetSchema
import FacetSecurity
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

@testable import FacetServer

/// `/v1/starters`: what an admin may load into an empty dataset from the studio's first screen.
@Suite("/v1/starters")
struct StarterRouteTests {
    /// Two products, written with the caller's options (their name as author).
    static let sample = DatasetStarter(name: "sample", title: "Sample shop", description: "Two products.") { dataset, options in
        _ = try dataset.mutate([
            .createOrReplace(["_id": "p-1", "_type": "product", "name": "Ring"]),
            .createOrReplace(["_id": "p-2", "_type": "product", "name": "Necklace"]),
        ], options: options)
        return 2
    }

    /// The secure server of ``SecureServerFixture`` (an admin `root`, a sales user `ada`) offering ``sample``.
    static func api(_ fixture: SecureServerFixture) throws -> FacetAPI {
        FacetAPI(store: fixture.store, schema: try CRMSchema.compile(), access: TokenAccess(security: fixture.security),
                 security: fixture.security, starters: [sample])
    }

    static func token(_ client: some TestClientProtocol, _ user: String) async throws -> String {
        try #require(try await SecureServerFixture.login(client, user)["accessToken"]?.stringValue)
    }

    @Test func anAdminLoadsAStarterIntoAnEmptyDatasetOnce() async throws {
        let fixture = try SecureServerFixture()
        defer { fixture.close() }
        try await Application(router: try Self.api(fixture).router()).test(.router) { client in
            let headers = SecureServerFixture.bearer(try await Self.token(client, "root"))
            let listed = try await client.execute(uri: "/v1/starters", method: .get, headers: headers)
            #expect(listed.status == .ok)
            #expect(try SecureServerFixture.json(listed)["starters"] == [["name": "sample", "title": "Sample shop", "description": "Two products."]])

            let loaded = try await client.execute(uri: "/v1/starters/production/sample", method: .post, headers: headers)
            #expect(loaded.status == .ok, "\(String(buffer: loaded.body))")
            #expect(try SecureServerFixture.json(loaded) == ["starter": "sample", "dataset": "production", "documents": 2])
            #expect(try fixture.store.dataset("production").snapshot.count == 2)

            // Not twice: the dataset now holds documents.
            let again = try await client.execute(uri: "/v1/starters/production/sample", method: .post, headers: headers)
            #expect(again.status == .conflict)
            let refusal = try SecureServerFixture.json(again)["error"]
            #expect(refusal?["type"] == "datasetNotEmptyError")
            #expect(refusal?["description"]?.stringValue?.contains("already holds 2 documents") == true)
            #expect(refusal?["advice"]?.stringValue?.contains("another dataset") == true)
            #expect(try fixture.store.dataset("production").snapshot.count == 2)

            // A dataset that does not exist yet is created empty, then filled.
            let fresh = try await client.execute(uri: "/v1/starters/fresh/sample", method: .post, headers: headers)
            #expect(fresh.status == .ok)
            #expect(try fixture.store.dataset("fresh").snapshot.count == 2)

            let unknown = try await client.execute(uri: "/v1/starters/other/nothing", method: .post, headers: headers)
            #expect(unknown.status == .notFound)
            #expect(try SecureServerFixture.json(unknown)["error"]?["description"]?.stringValue?.contains("offers sample") == true)
        }
    }

    @Test func otherRolesMayNeitherListNorLoadStarters() async throws {
        let fixture = try SecureServerFixture()
        defer { fixture.close() }
        try await Application(router: try Self.api(fixture).router()).test(.router) { client in
            let headers = SecureServerFixture.bearer(try await Self.token(client, "ada"))
            let listed = try await client.execute(uri: "/v1/starters", method: .get, headers: headers)
            #expect(listed.status == .forbidden)
            let loaded = try await client.execute(uri: "/v1/starters/production/sample", method: .post, headers: headers)
            #expect(loaded.status == .forbidden)
            #expect(try fixture.store.dataset("production").snapshot.count == 0)
            let anonymous = try await client.execute(uri: "/v1/starters/production/sample", method: .post, headers: SecureServerFixture.jsonHeaders)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test func loadsIntoOneDatasetAtATime() {
        let loads = StarterLoads()
        #expect(loads.begin("production"))
        #expect(!loads.begin("production"))
        #expect(loads.begin("staging"))
        loads.end("production")
        #expect(loads.begin("production"))
    }
}
