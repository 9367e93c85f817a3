import FacetSchedules
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// `/vX/schedules/:dataset`: an editor schedules a publish, lists what is scheduled, and
/// cancels it; bad requests are refused with what to fix.
@Suite("Scheduled publishing over HTTP")
struct ScheduleRouteTests {
    @Test(arguments: StorageKind.available)
    func scheduleListAndCancel(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage, schema: try DataRouteSchema.compile())
        defer { fixture.close() }
        let records = try fixture.store.backend.sharedRecords ?? SQLiteRecords(path: fixture.location + "/integrations.sqlite")
        let schedules = try PublishSchedules(store: fixture.store, records: records)
        let api = FacetAPI(store: fixture.store, schema: fixture.api.schema, schedules: schedules)
        try fixture.store.dataset("production").mutate([.create(["_id": "drafts.a-1", "_type": "article", "title": "Soon"])])
        let at = Timestamp.string(Date().addingTimeInterval(3600))
        try await Application(router: api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/schedules/production", method: .post, headers: DataRoutes.jsonHeaders,
                                                    body: DataRoutes.body(#"{"documentId": "a-1", "action": "publish", "at": "\#(at)"}"#))
            #expect(response.status == .created, "\(String(buffer: response.body))")
            let id = try #require(try DataRoutes.json(response)["schedule"]?["id"]?.stringValue)
            response = try await client.execute(uri: "/v1/schedules/production?state=scheduled", method: .get)
            let listed = try DataRoutes.json(response)["schedules"]?.arrayValue ?? []
            #expect(listed.count == 1 && listed.first?["documentId"] == "a-1" && listed.first?["at"] == .string(at))
            response = try await client.execute(uri: "/v1/schedules/production/\(id)", method: .delete)
            let cancelled = try DataRoutes.json(response)["schedule"]?["state"]
            #expect(response.status == .ok && cancelled == "cancelled")
            response = try await client.execute(uri: "/v1/schedules/production/\(id)", method: .delete)
            #expect(response.status == .conflict)
            for (body, status) in [(#"{"action": "publish", "at": "\#(at)"}"#, HTTPResponse.Status.badRequest),
                                   (#"{"documentId": "a-1", "action": "launch", "at": "\#(at)"}"#, .badRequest),
                                   (#"{"documentId": "a-1", "action": "publish", "at": "tomorrow"}"#, .badRequest),
                                   (#"{"documentId": "a-1", "action": "publish", "at": "2001-01-01T00:00:00Z"}"#, .badRequest),
                                   (#"{"documentId": "nothing", "action": "publish", "at": "\#(at)"}"#, .notFound)] {
                response = try await client.execute(uri: "/v1/schedules/production", method: .post, headers: DataRoutes.jsonHeaders,
                                                    body: DataRoutes.body(body))
                #expect(response.status == status, "\(body): \(String(buffer: response.body))")
            }
            response = try await client.execute(uri: "/v1/schedules/production?state=sometime", method: .get)
            #expect(response.status == .badRequest)
        }
    }
}
