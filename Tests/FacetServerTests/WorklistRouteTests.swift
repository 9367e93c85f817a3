import FacetSchema
import FacetSecurity
import FacetServer
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

/// "This week" over HTTP on a small demo, as advisors, a manager and roles that may not see it:
/// each advisor gets their own list, the live reasons (a client who wrote, a birthday) come
/// first, "Contacted" logs an interaction as the caller and marks the card done, and every
/// refusal says why.
@Suite("The clienteling worklist report", .ownThread(computing: true))
struct WorklistRouteTests {
    struct Fixture {
        let directory: String
        let store: DocumentStore
        let security: SecuritySystem
        let api: FacetAPI
        /// The advisor with the longest stored list, and the next one.
        let advisor: String
        let otherAdvisor: String
        let lists: [String: [String]]

        init() async throws {
            directory = NSTemporaryDirectory() + "facet-worklist-" + UUID().uuidString
            try RefreshProgressRouteTests.seed(directory)
            let schema = try CRMSchema.compile()
            store = try DocumentStore(directory: directory, validator: try CRMSchema.validator())
            let dataset = try store.dataset("production")
            let dashboard = try #require(dataset.document(id: RefreshProgressRouteTests.dashboardID))
            _ = try await PredictionRefresh.run(ActionContext(dataset: dataset, documentID: RefreshProgressRouteTests.dashboardID, document: dashboard),
                                                types: [.worklist])
            var lists: [String: [String]] = [:]
            for list in try dataset.query(#"*[_type == "analyticsModel" && string::startsWith(_id, "analytics.advisor.clienteling-worklist.")]"#).arrayValue ?? [] {
                let advisor = try #require(list["advisor"]?["_ref"]?.stringValue)
                lists[advisor] = (list["worklist"]?.arrayValue ?? []).compactMap { $0["customer"]?["_ref"]?.stringValue }
            }
            self.lists = lists
            let ranked = lists.keys.sorted { (lists[$0]?.count ?? 0, $1) > (lists[$1]?.count ?? 0, $0) }
            try #require(ranked.count >= 2, "the demo has advisors with lists: \(lists.keys)")
            advisor = ranked[0]
            otherAdvisor = ranked[1]
            security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema, environment: [:], passwordCost: 4)
            api = FacetAPI(store: store, schema: schema, access: TokenAccess(security: security), actions: CRMActions.all, security: security,
                           reports: CRMReports.all)
            let identities = IdentityStore(database: security.database, passwordCost: 4)
            try identities.addUser(name: "ana", role: .sales, staffID: advisor, password: SecureServerFixture.password, by: .system())
            try identities.addUser(name: "bob", role: .sales, password: SecureServerFixture.password, by: .system())
            try identities.addUser(name: "mia", role: .manager, password: SecureServerFixture.password, by: .system())
            try identities.addUser(name: "max", role: .marketing, password: SecureServerFixture.password, by: .system())
            try identities.addUser(name: "sue", role: .support, password: SecureServerFixture.password, by: .system())
        }

        func close() {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func token(_ client: some TestClientProtocol, _ user: String) async throws -> String {
        try #require(try await SecureServerFixture.login(client, user)["accessToken"]?.stringValue)
    }

    static func get(_ client: some TestClientProtocol, _ token: String, _ uri: String = "/v1/clienteling/worklist") async throws -> (HTTPResponse.Status, JSONValue) {
        let response = try await client.execute(uri: uri, method: .get, headers: SecureServerFixture.bearer(token))
        return (response.status, (try? SecureServerFixture.json(response)) ?? .null)
    }

    static func contacted(_ client: some TestClientProtocol, _ token: String, _ body: JSONValue) async throws -> (HTTPResponse.Status, JSONValue) {
        let response = try await client.execute(uri: "/v1/reports/production/worklist", method: .post, headers: SecureServerFixture.bearer(token),
                                                body: SecureServerFixture.body(body))
        return (response.status, (try? SecureServerFixture.json(response)) ?? .null)
    }

    @Test func eachAdvisorSeesTheirOwnListAndManagersSeeEveryAdvisors() async throws {
        let fixture = try await Fixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try await Application(router: fixture.api.router()).test(.router) { client in
            let ana = try await Self.token(client, "ana")
            let (status, page) = try await Self.get(client, ana)
            #expect(status == .ok, "\(page)")
            let sections = try #require(page["sections"]?.arrayValue)
            #expect(sections.map { $0["id"] } == [.string(fixture.advisor)])
            let items = try #require(sections.first?["items"]?.arrayValue)
            let listed = try #require(fixture.lists[fixture.advisor])
            // The stored ranking, in its order; then the demo's own birthdays in the next two weeks
            // of clients beyond it.
            #expect(Array(items.prefix(listed.count).compactMap { $0["id"]?.stringValue }) == listed, "\(items)")
            for extra in items.dropFirst(listed.count) {
                #expect(extra["badges"]?[0]?["text"] == "birthday", "\(extra)")
                #expect(extra["figure"] == .null, "a client beyond the list has no stored worth")
            }
            let first = try #require(items.first { $0["id"]?.stringValue == listed[0] })
            let client0 = try #require(first["id"]?.stringValue)
            #expect(first["title"] == dataset.document(id: client0)?["name"], "the client's name, not the id")
            #expect(first["figure"]?.stringValue?.hasPrefix("USD ") == true)
            #expect(first["sentence"]?.stringValue?.isEmpty == false)
            #expect(first["actions"]?.arrayValue?.count == 4)
            #expect(page["filters"] == nil, "an advisor has no one else to choose")
            #expect(sections.first?["title"] == dataset.document(id: fixture.advisor)?["name"])

            let (other, refusal) = try await Self.get(client, ana, "/v1/clienteling/worklist?staff=\(fixture.otherAdvisor)")
            #expect(other == .forbidden)
            #expect(refusal["error"]?["description"]?.stringValue?.contains("your own worklist") == true, "\(refusal)")

            let (unlinked, note) = try await Self.get(client, try await Self.token(client, "bob"))
            #expect(unlinked == .ok)
            #expect(note["sections"] == [])
            #expect(note["notes"]?.stringValue?.contains("not linked to a staff member") == true)

            let mia = try await Self.token(client, "mia")
            let (_, everyone) = try await Self.get(client, mia)
            #expect(Set(everyone["sections"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []) == Set(fixture.lists.keys))
            #expect(everyone["filters"]?[0]?["options"]?.arrayValue?.count == fixture.lists.count + 1)
            #expect(everyone["paging"]?["total"]?.numberValue == Double(fixture.lists.count) && everyone["paging"]?["offset"] == 0)
            // A page of advisors at a time: consecutive pages are disjoint and together the whole.
            #expect(fixture.lists.count >= 2, "the fixture has advisors enough to page")
            var paged: [String] = []
            for offset in 0..<fixture.lists.count {
                let (status, page) = try await Self.get(client, mia, "/v1/clienteling/worklist?limit=1&offset=\(offset)")
                #expect(status == .ok, "\(page)")
                let ids = page["sections"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                #expect(ids.count == 1)
                #expect(page["paging"]?["limit"] == 1 && page["paging"]?["offset"]?.numberValue == Double(offset))
                paged += ids
            }
            #expect(paged == fixture.lists.keys.sorted())
            let (_, beyond) = try await Self.get(client, mia, "/v1/clienteling/worklist?offset=1000")
            #expect(beyond["sections"] == [] && beyond["paging"]?["total"]?.numberValue == Double(fixture.lists.count))
            for bad in ["limit=0", "limit=51", "limit=ten", "offset=-1", "offset=1.5"] {
                let (status, refusal) = try await Self.get(client, mia, "/v1/clienteling/worklist?\(bad)")
                let name = String(bad.prefix { $0 != "=" })
                #expect(status == .badRequest, "\(bad): \(refusal)")
                #expect(refusal["error"]?["description"]?.stringValue?.contains("?\(name)=") == true, "\(refusal)")
            }
            // An advisor's own list is not paged.
            #expect(page["paging"] == nil)
            let (_, one) = try await Self.get(client, mia, "/v1/reports/production/worklist?staff=\(fixture.otherAdvisor)")
            #expect(one["sections"]?.arrayValue?.map { $0["id"] } == [.string(fixture.otherAdvisor)])

            let max = try await Self.token(client, "max")
            #expect(try await Self.get(client, max).0 == .forbidden, "marketing reads no interactions")
            let (_, reports) = try await Self.get(client, max, "/v1/reports")
            #expect(reports["reports"] == [])
            let (_, offered) = try await Self.get(client, ana, "/v1/reports")
            #expect(offered["reports"]?[0]?["path"] == "clienteling/worklist")
            #expect(try await Self.get(client, ana, "/v1/reports/production/nothing").0 == .notFound)
        }
    }

    @Test func clientsWhoWroteComeFirstBirthdaysFollowTheListAndAContactLoggedInOneClickIsDone() async throws {
        let fixture = try await Fixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        let listed = try #require(fixture.lists[fixture.advisor])
        let book = try dataset.query(#"*[_type in ["customer", "lizaCustomer"] && assignedStaff._ref == $advisor]._id"#,
                                     params: ["advisor": .string(fixture.advisor)]).arrayValue?.compactMap(\.stringValue) ?? []
        // Two clients beyond the list and without a birthday soon: one who wrote two days ago, one
        // whose birthday is then set three days ahead.
        let now = Date()
        let beyond = book.filter { id in
            guard !listed.contains(id) else { return false }
            guard let day = dataset.document(id: id)?["birthday"]?.stringValue else { return true }
            let days = (0...14).map { AnalyticsDate.day(now.addingTimeInterval(Double($0) * 86_400)).dropFirst(4) }
            return !days.contains(day.dropFirst(4))
        }
        try #require(beyond.count >= 2, "the advisor's book is longer than the list")
        let (wrote, birthday) = (beyond[0], beyond[1])
        try dataset.mutate([.create([
            "_type": "interaction", "customer": ["_type": "reference", "_ref": .string(wrote)], "channel": "email", "direction": "inbound",
            "date": .string(AnalyticsDate.dateTime(now.addingTimeInterval(-2 * 86_400))), "outcome": "interested",
        ])])
        let inThreeDays = AnalyticsDate.day(now.addingTimeInterval(3 * 86_400))
        let birthdayValue = "1980" + inThreeDays.dropFirst(4)
        try dataset.mutate([.patch(try PatchMutation(json: ["id": .string(birthday), "set": ["birthday": .string(String(birthdayValue))]]))])
        // A client who wrote a year ago is not "unanswered" any more.
        try dataset.mutate([.create([
            "_type": "interaction", "customer": ["_type": "reference", "_ref": .string(listed[0])], "channel": "email", "direction": "inbound",
            "date": .string(AnalyticsDate.dateTime(now.addingTimeInterval(-365 * 86_400))), "outcome": "interested",
        ])])

        try await Application(router: fixture.api.router()).test(.router) { client in
            let ana = try await Self.token(client, "ana")
            let (_, page) = try await Self.get(client, ana)
            let items = try #require(page["sections"]?[0]?["items"]?.arrayValue)
            let ids = items.compactMap { $0["id"]?.stringValue }
            #expect(ids.first == wrote)
            #expect(items[0]["sentence"]?.stringValue?.hasPrefix("Wrote to us 2 days ago and has had no answer") == true, "\(items[0])")
            #expect(items[0]["badges"]?[0]?["text"] == "unanswered")
            #expect(Array(ids.dropFirst().prefix(listed.count)) == listed, "then the ranked list: \(ids)")
            // Then the birthdays beyond the list, soonest first.
            let birthdays = Array(items.dropFirst(1 + listed.count))
            #expect(birthdays.contains { $0["id"]?.stringValue == birthday })
            let days = birthdays.compactMap { card -> Int? in
                guard let words = card["sentence"]?.stringValue?.split(separator: " ") else { return nil }
                return words.starts(with: ["Birthday", "today"]) ? 0 : words.dropFirst(2).first.flatMap { Int($0) }
            }
            #expect(days.count == birthdays.count && days == days.sorted(), "\(birthdays)")
            let birthdayCard = try #require(items.first { $0["id"]?.stringValue == birthday })
            #expect(birthdayCard["sentence"]?.stringValue?.hasPrefix("Birthday in 3 days") == true, "\(birthdayCard)")

            // The manager sees the birthday too; an advisor of another book would not have the client at all.
            let target = listed[0]
            let card = try #require(items.first { $0["id"]?.stringValue == target })
            let action = try #require(card["actions"]?.arrayValue?.first { $0["params"]?["outcome"] == "interested" })
            let (status, answer) = try await Self.contacted(client, ana, ["item": .string(target), "action": "contacted", "params": action["params"] ?? .null])
            #expect(status == .ok, "\(answer)")
            #expect(answer["message"]?.stringValue?.hasPrefix("Logged a") == true)
            let logged = try #require(answer["result"]?["interactionId"]?.stringValue)
            let interaction = try #require(dataset.document(id: logged))
            #expect(interaction["customer"]?["_ref"]?.stringValue == target)
            #expect(interaction["staff"]?["_ref"]?.stringValue == fixture.advisor)
            #expect(interaction["direction"] == "outbound")
            #expect(interaction["outcome"] == "interested")
            #expect(interaction["channel"] == action["params"]?["channel"])

            // Answering the client who wrote takes them off the top; the contacted card is done, last.
            let (answered, _) = try await Self.contacted(client, ana, ["item": .string(wrote), "action": "contacted",
                                                                       "params": ["outcome": "appointment-booked", "channel": "email"]])
            #expect(answered == .ok)
            let (_, after) = try await Self.get(client, ana)
            let now = try #require(after["sections"]?[0]?["items"]?.arrayValue)
            #expect(now.first?["id"]?.stringValue == listed[1], "the client who wrote is answered, the first of the list contacted")
            let done = now.filter { $0["done"] != .null }
            #expect(Set(done.compactMap { $0["id"]?.stringValue }) == [target, wrote])
            #expect(now.suffix(2).allSatisfy { $0["done"] != .null }, "done cards last")
            #expect(done.first { $0["id"]?.stringValue == target }?["done"]?.stringValue?.hasPrefix("Contacted today by") == true)
            #expect(after["sections"]?[0]?["subtitle"]?.stringValue?.contains("2 done this week") == true)

            // Refusals: what was wrong, and nothing written.
            let before = try dataset.query(#"count(*[_type == "interaction"])"#)
            let (badOutcome, why) = try await Self.contacted(client, ana, ["item": .string(target), "action": "contacted", "params": ["outcome": "maybe"]])
            #expect(badOutcome == .badRequest)
            #expect(why["error"]?["description"]?.stringValue?.contains("\"outcome\" must be one of") == true, "\(why)")
            #expect(try await Self.contacted(client, ana, ["item": .string(target), "action": "contacted",
                                                           "params": ["outcome": "interested", "channel": "pigeon"]]).0 == .badRequest)
            #expect(try await Self.contacted(client, ana, ["item": "customer-nobody", "action": "contacted", "params": ["outcome": "interested"]]).0 == .notFound)
            #expect(try await Self.contacted(client, ana, ["item": .string(target), "action": "call", "params": ["outcome": "interested"]]).0 == .badRequest)
            #expect(try await Self.contacted(client, ana, ["action": "contacted"]).0 == .badRequest)
            #expect(try await Self.contacted(client, ana, ["item": .string(target), "action": "contacted", "params": "interested"]).0 == .badRequest)
            let sue = try await Self.token(client, "sue")
            #expect(try await Self.contacted(client, sue, ["item": .string(target), "action": "contacted", "params": ["outcome": "interested"]]).0 == .forbidden,
                    "support reads no analytics")
            let huge = String(repeating: "x", count: 4 << 20)
            let (tooBig, _) = try await Self.contacted(client, ana, ["item": .string(huge), "action": "contacted", "params": ["outcome": "interested"]])
            #expect(tooBig.code >= 400 && tooBig.code < 500)
            #expect(try dataset.query(#"count(*[_type == "interaction"])"#) == before)
        }
    }
}
