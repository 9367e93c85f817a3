import FacetSchema
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

/// The findings of the outside attack on `POST /v1/data/mutate`, each replayed as the role that
/// found it: authorization decides on the whole change (before and after), queries inside a
/// mutation see what the role sees, drafts keep their document's type, and validation tells a
/// role nothing it may not read.
@Suite struct WholeChangeAuthorizationTests {
    /// Dario's and Eve's contact details: what sales (Ana) may never read.
    static let hidden = ["dario@example.com", "+33 1 42 60 00 02", "1971-03-04", "Rue Cambon", "eve@example.com", "+44 20 7946 0000"]

    static let seed: [JSONValue] = [
        ["_id": "staff-ana", "_type": "staff", "name": "Ana", "email": "ana@maison.example", "jobTitle": "client-advisor", "studioRole": "sales"],
        ["_id": "staff-ben", "_type": "staff", "name": "Ben", "email": "ben@maison.example", "jobTitle": "client-advisor", "studioRole": "sales"],
        ["_id": "customer-000001", "_type": "customer", "name": "Chloé", "segment": "vip", "email": "chloe@example.com",
         "phone": "+33 1 42 60 00 01", "assignedStaff": ["_ref": "staff-ana"]],
        ["_id": "customer-000002", "_type": "customer", "name": "Dario", "segment": "regular", "email": "dario@example.com",
         "phone": "+33 1 42 60 00 02", "birthday": "1971-03-04",
         "address": ["_type": "address", "street": "Rue Cambon", "city": "Paris", "country": "FR"], "assignedStaff": ["_ref": "staff-ben"]],
        ["_id": "customer-000003", "_type": "customer", "name": "Eve", "segment": "new", "email": "eve@example.com", "phone": "+44 20 7946 0000"],
        ["_id": "campaign-1", "_type": "marketingCampaign", "name": "Spring", "channel": "email", "status": "draft", "startDate": "2026-03-01"],
    ]

    static func leaks(_ answer: AuthorizationFixture.Answer) -> [String] {
        hidden.filter { answer.text.contains($0) }
    }

    /// Finding 1: sales assigning every client to themselves (by query, dry run or not) to read
    /// their sensitive fields. The change is refused as a whole, naming `assignedStaff`.
    @Test func salesCannotOpenOtherClientsByAssigningThemToThemselves() async throws {
        let f = try AuthorizationFixture(validated: true, seed: Self.seed)
        let claim: JSONValue = ["patch": ["query": "*[_type == \"customer\"]", "set": ["assignedStaff": ["_ref": "staff-ana"]]]]
        try await Application(router: f.api.router()).test(.router) { client in
            for options in ["dryRun=true&returnDocuments=true", "returnDocuments=true", ""] {
                let answer = try await AuthorizationFixture.mutate(client, [claim], options: options, as: .sales, staff: "staff-ana")
                #expect(answer.status == .forbidden, "\(options): \(answer.text)")
                #expect(answer.error?["field"] == "assignedStaff")
                #expect(answer.error?["description"]?.stringValue?.contains("so as to see its sensitive fields") == true)
                #expect(Self.leaks(answer).isEmpty, "\(options) leaked \(Self.leaks(answer))")
            }
            // Nothing was reassigned.
            let dataset = try f.dataset
            #expect(dataset.document(id: "customer-000002")?["assignedStaff"]?["_ref"] == "staff-ben")
            #expect(dataset.document(id: "customer-000003")?["assignedStaff"] == nil)

            // The same through a draft, then by publishing it: each step is judged on the
            // published document the draft stands for.
            let draft: JSONValue = ["createOrReplace": ["_id": "drafts.customer-000002", "_type": "customer", "name": "Dario",
                                                        "segment": "regular", "assignedStaff": ["_ref": "staff-ana"]]]
            let viaDraft = try await AuthorizationFixture.mutate(client, [draft], options: "returnDocuments=true", as: .sales, staff: "staff-ana")
            #expect(viaDraft.status == .forbidden)
            #expect(viaDraft.error?["field"] == "assignedStaff")

            // Handing one's own client to a colleague stays allowed, and answers with what Ana
            // may still see: nothing sensitive.
            let handOver: JSONValue = ["patch": ["id": "customer-000001", "set": ["assignedStaff": ["_ref": "staff-ben"]]]]
            let handed = try await AuthorizationFixture.mutate(client, [handOver], options: "dryRun=true&returnDocuments=true",
                                                               as: .sales, staff: "staff-ana")
            #expect(handed.status == .ok)
            #expect(handed.json["results"]?[0]?["document"]?["email"] == nil)
            #expect(handed.json["results"]?[0]?["document"]?["name"] == "Chloé")

            // A patch by query runs on Ana's view: it selects her own clients, and a filter on a
            // field hidden from her matches nothing rather than the client who holds the value.
            let notes: JSONValue = ["patch": ["query": "*[_type == \"customer\"]", "set": ["notes": "Spring preview"]]]
            let all = try await AuthorizationFixture.mutate(client, [notes], options: "dryRun=true&returnDocuments=true", as: .sales, staff: "staff-ana")
            #expect(all.status == .ok)
            #expect(all.json["results"]?.arrayValue?.count == 3)
            #expect(Self.leaks(all).isEmpty, "leaked \(Self.leaks(all))")
            #expect(all.text.contains("chloe@example.com"))
            let probe: JSONValue = ["patch": ["query": "*[_type == \"customer\" && email == \"dario@example.com\"]", "set": ["notes": "found"]]]
            let probed = try await AuthorizationFixture.mutate(client, [probe], options: "returnIds=true", as: .sales, staff: "staff-ana")
            #expect(probed.status == .ok)
            #expect(probed.json["results"] == [])
            #expect(dataset.document(id: "customer-000002")?["notes"] == nil)
            // Marketing's filter cannot reach a type it may not read.
            let orders: JSONValue = ["delete": ["query": "*[_type == \"staff\"]"]]
            let deleted = try await AuthorizationFixture.mutate(client, [orders], as: .marketing)
            #expect(deleted.status == .ok)
            #expect(deleted.json["results"] == [])
        }
    }

    /// A patch naming a field the role may not see is refused before it runs, whatever the
    /// value: otherwise the answer would say whether a guess was right.
    @Test func aPatchOnAHiddenFieldIsRefusedWhateverItsValue() async throws {
        let f = try AuthorizationFixture(validated: true, seed: Self.seed)
        try await Application(router: f.api.router()).test(.router) { client in
            var answers: [String] = []
            for guess: JSONValue in ["dario@example.com", "someone@example.com", 42] {
                let answer = try await AuthorizationFixture.mutate(client, [["patch": ["id": "customer-000002", "set": ["email": guess]]]],
                                                                   options: "dryRun=true", as: .sales, staff: "staff-ana")
                #expect(answer.status == .forbidden)
                #expect(answer.error?["field"] == "email")
                answers.append(answer.error?["description"]?.stringValue ?? "")
            }
            #expect(Set(answers).count == 1)
            let inc = try await AuthorizationFixture.mutate(client, [["patch": ["id": "customer-000002", "inc": ["birthday": 1]]]],
                                                            as: .sales, staff: "staff-ana")
            #expect(inc.status == .forbidden)
            #expect(inc.error?["field"] == "birthday")
        }
    }

    /// Finding 2: a draft of another type planted over a document. Refused for every role: for
    /// a role that may not change the document, as a permission (403); for admin, as a conflict
    /// (409) saying the draft must have the published document's type.
    @Test func aDraftKeepsItsPublishedDocumentsType() async throws {
        let f = try AuthorizationFixture(validated: true, seed: Self.seed)
        let interaction: JSONObject = ["_type": "interaction", "customer": ["_ref": "customer-000001"], "channel": "phone",
                                       "direction": "inbound", "date": "2026-02-01T10:00:00Z", "type": "inquiry"]
        @Sendable func plant(_ id: String) -> JSONValue {
            var body = interaction
            body["_id"] = .string(id)
            return ["createOrReplace": .object(body)]
        }
        try await Application(router: f.api.router()).test(.router) { client in
            let support = try await AuthorizationFixture.mutate(client, [plant("drafts.customer-000001")], as: .support)
            #expect(support.status == .forbidden, "\(support.text)")
            // A campaign is a type support may not read: the refusal does not name it.
            let hidden = try await AuthorizationFixture.mutate(client, [plant("drafts.campaign-1")], as: .support)
            #expect(hidden.status == .forbidden)
            #expect(!hidden.text.contains("marketingCampaign"))
            for id in ["drafts.customer-000001", "drafts.campaign-1", "versions.spring.campaign-1"] {
                let admin = try await AuthorizationFixture.mutate(client, [plant(id)], options: "dryRun=true", as: .admin)
                #expect(admin.status == .conflict, "\(id): \(admin.text)")
                #expect(admin.error?["type"] == "draftTypeMismatchError")
                #expect(admin.error?["description"]?.stringValue?.contains("must have the type of the published document") == true)
            }
            // Support may not create a draft where it may not change the published document,
            // even of the right type.
            let sameType = try await AuthorizationFixture.mutate(client, [["createOrReplace": [
                "_id": "drafts.customer-000001", "_type": "customer", "name": "Chloé", "segment": "vip"]]], as: .support)
            #expect(sameType.status == .forbidden)
            // Nothing was planted: the drafts perspective still shows the client and the campaign.
            let dataset = try f.dataset
            #expect(dataset.document(id: "drafts.customer-000001") == nil)
            #expect(dataset.document(id: "drafts.campaign-1") == nil)
            // A draft of the right type is fine, and so is changing a type with the draft alongside.
            let edit = try await AuthorizationFixture.mutate(client, [["createOrReplace": [
                "_id": "drafts.campaign-1", "_type": "marketingCampaign", "name": "Spring 2", "channel": "email", "status": "draft",
                "startDate": "2026-03-01"]]], as: .marketing)
            #expect(edit.status == .ok, "\(edit.text)")
            let published = try await AuthorizationFixture.post(client, "/v1/data/publish/production", ["id": "campaign-1"], as: .marketing)
            #expect(published.status == .ok, "\(published.text)")
        }
    }

    /// Finding 3: "Must be unique" for an email held by a client sales may not see told them
    /// the person is a client. Uniqueness now compares with what the role sees.
    @Test func validationTellsARoleNothingItMayNotRead() async throws {
        let f = try AuthorizationFixture(validated: true, seed: Self.seed)
        @Sendable func create(_ email: String) -> JSONValue {
            ["create": ["_id": "customer-new", "_type": "customer", "name": "Newcomer", "segment": "new", "email": .string(email),
                        "assignedStaff": ["_ref": "staff-ana"]]]
        }
        try await Application(router: f.api.router()).test(.router) { client in
            let hiddenHolder = try await AuthorizationFixture.mutate(client, [create("dario@example.com")], options: "dryRun=true",
                                                                     as: .sales, staff: "staff-ana")
            let nobody = try await AuthorizationFixture.mutate(client, [create("nobody@example.com")], options: "dryRun=true",
                                                               as: .sales, staff: "staff-ana")
            #expect(hiddenHolder.status == .ok, "\(hiddenHolder.text)")
            #expect(nobody.status == .ok)
            #expect(!hiddenHolder.text.contains("unique"))
            // A duplicate of what Ana sees is still refused, and a manager (who sees everyone)
            // is told of any duplicate.
            let visibleHolder = try await AuthorizationFixture.mutate(client, [create("chloe@example.com")], options: "dryRun=true",
                                                                      as: .sales, staff: "staff-ana")
            #expect(visibleHolder.status.code == 422)
            #expect(visibleHolder.text.contains("Must be unique"))
            let manager = try await AuthorizationFixture.mutate(client, [create("dario@example.com")], options: "dryRun=true", as: .manager)
            #expect(manager.status.code == 422)
            // The validate endpoint compares the same way.
            var headers: HTTPFields = [HeaderRoleAccess.role: "sales", HeaderRoleAccess.staff: "staff-ana"]
            headers[.contentType] = "application/json"
            try f.dataset.mutate([.createOrReplace(["_id": "drafts.customer-000001", "_type": "customer", "name": "Chloé", "segment": "vip",
                                                    "email": "eve@example.com", "assignedStaff": ["_ref": "staff-ana"]])])
            let validated = try await client.execute(uri: "/v1/data/validate/production/customer-000001", method: .get, headers: headers)
            let markers = String(decoding: validated.body.readableBytesView, as: UTF8.self)
            #expect(validated.status == .ok)
            #expect(!markers.contains("unique"), "\(markers)")
        }
    }
}
