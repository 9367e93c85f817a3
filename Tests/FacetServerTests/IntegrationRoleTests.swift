import FacetSchedules
import FacetSecurity
import FacetServer
import FacetStore
import FacetWebhooks
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Each role trying the integrations it should not: the Actions API (dry runs included),
/// scheduling, and webhooks, with the CRM's roles.
@Suite("Integrations by role")
struct IntegrationRoleTests {
    @Test func everyRoleIsHeldToItsRightsInActionsSchedulesAndHooks() async throws {
        let f = try AuthorizationFixture(validated: false, seed: [
            ["_id": "drafts.p-1", "_type": "product", "name": "Ring"],
            ["_id": "staff-ana", "_type": "staff", "name": "Ana"],
            ["_id": "drafts.c-1", "_type": "customer", "name": "Chloé", "email": "chloe@example.com", "assignedStaff": ["_ref": "staff-ana"]],
            ["_id": "drafts.c-2", "_type": "customer", "name": "Dario", "email": "dario@example.com"],
        ])
        let records = try SQLiteRecords(path: f.directory + "/integrations.sqlite")
        let api = FacetAPI(store: f.store, schema: f.schema, access: HeaderRoleAccess(), security: f.security,
                           webhooks: try Webhooks(store: f.store, records: records, secretKey: Array(repeating: 7, count: 32)),
                           schedules: try PublishSchedules(store: f.store, records: records))
        let publish: JSONValue = ["actions": [["actionType": "sanity.action.document.publish", "draftId": "drafts.p-1", "publishedId": "p-1"]]]
        var trial = publish.objectValue!
        trial["dryRun"] = true
        let dryRun = JSONValue.object(trial)
        let at = Timestamp.string(Date().addingTimeInterval(3600))
        try await Application(router: api.router()).test(.router) { client in
            // Sales reads the catalogue only: no publish, not even as a dry run, and no schedule.
            for body in [publish, dryRun] {
                let refused = try await AuthorizationFixture.post(client, "/v1/data/actions/production", body, as: .sales)
                #expect(refused.status == .forbidden, "\(refused.text)")
            }
            let schedule = try await AuthorizationFixture.post(client, "/v1/schedules/production",
                                                               ["documentId": "p-1", "action": "publish", "at": .string(at)], as: .sales)
            #expect(schedule.status == .forbidden, "\(schedule.text)")
            #expect(try f.dataset.document(id: "p-1") == nil)
            // Sales may publish the clients assigned to them (and no other): scheduling one is accepted.
            let other = try await AuthorizationFixture.post(client, "/v1/schedules/production",
                                                            ["documentId": "c-2", "action": "publish", "at": .string(at)], as: .sales, staff: "staff-ana")
            #expect(other.status == .forbidden, "\(other.text)")
            let accepted = try await AuthorizationFixture.post(client, "/v1/schedules/production",
                                                             ["documentId": "c-1", "action": "publish", "at": .string(at)], as: .sales, staff: "staff-ana")
            #expect(accepted.status == .created, "\(accepted.text)")
            // Only admins manage hooks.
            let hook: JSONValue = ["name": "Out", "url": "https://shop.example/hook"]
            for role in [Role.sales, .manager, .marketing, .support] {
                #expect(try await AuthorizationFixture.post(client, "/v1/hooks/production", hook, as: role).status == .forbidden, "\(role)")
            }
            #expect(try await AuthorizationFixture.post(client, "/v1/hooks/production", hook, as: .admin).status == .created)
            // The admin's publish through the Actions API goes through.
            #expect(try await AuthorizationFixture.post(client, "/v1/data/actions/production", publish, as: .admin).status == .ok)
            #expect(try f.dataset.document(id: "p-1")?["name"] == "Ring")
        }
    }
}
