import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// History read from an encrypted store: a caller cleared for a client's sensitive fields reads
/// their values in every revision, effect and mutation, never an envelope; any other caller
/// reads them as the query route shows them, without those fields.
@Suite struct SealedHistoryRouteTests {
    static let path = "/v1/data/history/production/transactions/c-ana?effectFormat=mendoza"

    /// The transaction lines for c-ana as `role` reads them, and the body's text.
    static func history(_ client: some TestClientProtocol, as role: String, staff: String? = nil) async throws -> ([JSONValue], String) {
        let response = try await client.execute(uri: path, method: .get, headers: RoleRouteTests.headers(role, staff: staff))
        #expect(response.status == .ok)
        return (try DataRoutes.lines(response), String(decoding: response.body.readableBytesView, as: UTF8.self))
    }

    /// c-ana as each line's effect leaves it, from nothing.
    static func replayed(_ lines: [JSONValue], id: String = "c-ana") throws -> [JSONValue] {
        var state = JSONValue.null
        return try lines.map { line in
            state = try MendozaPatch.apply(try #require(line["effects"]?[id]?["apply"]), to: state)
            return state
        }
    }

    @Test func clearedCallersReadOpenedValuesAndOthersTheQueryRoutesView() async throws {
        let f = try RoleRouteTests.Fixture()
        // What history holds is sealed: the plain address is nowhere in the dataset's files.
        for file in try FileManager.default.subpathsOfDirectory(atPath: f.directory) where file.hasPrefix("datasets/") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: f.directory + "/" + file))
            #expect(bytes.range(of: Data("chloe@maison.example".utf8)) == nil, "\(file)")
        }
        try await Application(router: f.api.router()).test(.router) { client in
            // Cleared: a manager (who sees everything) and the client's own advisor (who sees
            // only what the policy lets a sales role see).
            for (role, staff) in [("manager", nil), ("sales", "staff-ana")] as [(String, String?)] {
                let (lines, text) = try await Self.history(client, as: role, staff: staff)
                #expect(lines.count == 2, "\(role)")
                #expect(!text.contains("facet.encrypted"), "\(role): \(text)")
                #expect(lines[0]["mutations"]?[1]?["create"]?["email"] == "chloe@example.com", "\(role)")
                #expect(lines[1]["mutations"] == [["patch": ["id": "c-ana", "set": ["email": "chloe@maison.example"]]]], "\(role)")
                #expect(try Self.replayed(lines).map { $0["email"] } == ["chloe@example.com", "chloe@maison.example"], "\(role)")
                #expect(lines[1]["effects"]?["c-ana"]?["revert"]?.serialized().contains("chloe@example.com") == true, "\(role)")

                let revision = try #require(lines[0]["id"]?.stringValue)
                let response = try await client.execute(uri: "/v1/data/history/production/documents/c-ana?revision=\(revision)", method: .get,
                                                        headers: RoleRouteTests.headers(role, staff: staff))
                #expect(try DataRoutes.json(response)["documents"]?[0]?["email"] == "chloe@example.com", "\(role)")
            }

            // Not cleared: support, and an advisor of other clients.
            for (role, staff) in [("support", nil), ("sales", "staff-ben")] as [(String, String?)] {
                let (lines, text) = try await Self.history(client, as: role, staff: staff)
                #expect(lines.count == 2, "\(role)")
                #expect(!text.contains("chloe@") && !text.contains("dario@") && !text.contains("facet.encrypted"), "\(role): \(text)")
                let replayed = try Self.replayed(lines)
                #expect(replayed.map { $0["email"] } == [nil, nil] && replayed.map { $0["name"] } == ["Chloé", "Chloé"], "\(role)")
                // Of the first transaction's five creations, those of documents the role reads,
                // as it reads them; the patch of the hidden field keeps only its target.
                let created = lines[0]["mutations"]?.arrayValue?.compactMap { $0["create"]?["_id"]?.stringValue }
                #expect(created?.contains("c-ana") == true && created?.contains("c-ben") == true, "\(role)")
                #expect(lines[0]["mutations"]?.arrayValue?.first { $0["create"]?["_id"] == "c-ana" }?["create"]?["name"] == "Chloé")
                #expect(lines[1]["mutations"] == [["patch": ["id": "c-ana"]]], "\(role)")

                let revision = try #require(lines[0]["id"]?.stringValue)
                let response = try await client.execute(uri: "/v1/data/history/production/documents/c-ana?revision=\(revision)", method: .get,
                                                        headers: RoleRouteTests.headers(role, staff: staff))
                let document = try DataRoutes.json(response)["documents"]?[0]
                #expect(document?["name"] == "Chloé" && document?["email"] == nil, "\(role)")
            }

            // Marketing reads clients but not orders: the order's creation is not shown to it.
            let (lines, _) = try await Self.history(client, as: "marketing")
            #expect(lines[0]["mutations"]?.arrayValue?.contains { $0["create"]?["_id"] == "o-1" } == false)
            #expect(lines[0]["effects"]?["o-1"] == nil && lines[0]["effects"]?["c-ana"] != nil)
        }
    }
}
