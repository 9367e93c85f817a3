import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import TestSupport

/// A clock the test moves by hand: expiry is tested without waiting.
final class ManualClock: Sendable {
    private let seconds = Mutex<Double>(1_000)

    var now: @Sendable () -> Double { { [self] in seconds.withLock { $0 } } }

    func advance(_ by: Double) {
        seconds.withLock { $0 += by }
    }
}

/// The presence board: who has a document open and at which field, expiring without heartbeats,
/// bounded whatever clients send.
@Suite struct PresenceBoardTests {
    static let place = PresenceBoard.Place(dataset: "production", documentID: "c-1")

    static func visitor(_ user: String, session: String = "tab-1") -> PresenceBoard.Visitor {
        PresenceBoard.Visitor(userID: "user:\(user)", name: user, role: "manager", session: session)
    }

    @Test func aHeartbeatAnswersTheOthersWithTheirFields() async throws {
        let board = PresenceBoard()
        #expect(try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: "name").isEmpty)
        let others = try await board.heartbeat(Self.visitor("ben"), at: Self.place, field: nil)
        #expect(others.map(\.visitor.name) == ["ana"])
        #expect(others.first?.field == "name")
        // Ana moves to another field: Ben sees it at his next heartbeat.
        _ = try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: "address.city")
        #expect(try await board.heartbeat(Self.visitor("ben"), at: Self.place, field: "notes").first?.field == "address.city")
        // The same user in a second tab is someone else present, to the first tab.
        _ = try await board.heartbeat(Self.visitor("ana", session: "tab-2"), at: Self.place, field: nil)
        #expect(try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: nil).map(\.visitor.session).sorted() == ["tab-1", "tab-2"])
        #expect(await board.size.entries == 3)
    }

    @Test func entriesExpireWithoutHeartbeats() async throws {
        let clock = ManualClock()
        let board = PresenceBoard(now: clock.now)
        _ = try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: "name")
        clock.advance(5)
        _ = try await board.heartbeat(Self.visitor("ben"), at: Self.place, field: nil)
        #expect(await board.present(at: Self.place).count == 2)
        // Ana's tab stops beating; Ben's goes on.
        clock.advance(4)
        #expect(try await board.heartbeat(Self.visitor("ben"), at: Self.place, field: nil).isEmpty, "Ana is gone 9 s after her last heartbeat")
        #expect(await board.size.entries == 1)
        clock.advance(9)
        #expect(await board.present(at: Self.place).isEmpty)
        #expect(await board.size == (0, 0))
    }

    @Test func documentsNobodyAsksAboutAreSweptToo() async throws {
        let clock = ManualClock()
        let board = PresenceBoard(now: clock.now)
        for index in 0..<10 {
            _ = try await board.heartbeat(Self.visitor("ana"), at: .init(dataset: "production", documentID: "c-\(index)"), field: nil)
        }
        #expect(await board.size == (10, 10))
        clock.advance(20)
        // Any heartbeat after an expiry period sweeps the whole board.
        _ = try await board.heartbeat(Self.visitor("ben"), at: Self.place, field: nil)
        #expect(await board.size == (1, 1))
    }

    @Test func leavingRemovesOnlyTheCallersTab() async throws {
        let board = PresenceBoard()
        _ = try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: nil)
        _ = try await board.heartbeat(Self.visitor("ben", session: "tab-1"), at: Self.place, field: nil)
        // Ben sends Ana's tab id: entries are kept per user, so Ana stays.
        try await board.leave(Self.visitor("ben", session: "tab-1"), from: Self.place)
        try await board.leave(Self.visitor("ben", session: "tab-1"), from: Self.place)
        #expect(await board.present(at: Self.place).map(\.visitor.name) == ["ana"])
        try await board.leave(Self.visitor("ana"), from: Self.place)
        #expect(await board.size == (0, 0))
    }

    @Test func aClientHeartbeatingThousandsOfDocumentsIsCappedPerUser() async throws {
        var limits = PresenceBoard.Limits()
        limits.perUser = 20
        let board = PresenceBoard(limits: limits)
        var refused = 0
        for index in 0..<5_000 {
            do throws(PresenceError) {
                _ = try await board.heartbeat(Self.visitor("bot"), at: .init(dataset: "production", documentID: "c-\(index)"), field: nil)
            } catch {
                #expect(error == .tooManyDocuments(limit: 20))
                refused += 1
            }
        }
        #expect(refused == 4_980)
        #expect(await board.size == (20, 20))
        // Another user is not held back by the bot.
        await #expect(throws: Never.self) { try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: nil) }
    }

    @Test func documentsAndTheBoardAreCapped() async throws {
        var limits = PresenceBoard.Limits()
        limits.perDocument = 3
        limits.total = 5
        let board = PresenceBoard(limits: limits)
        for user in ["a", "b", "c"] { _ = try await board.heartbeat(Self.visitor(user), at: Self.place, field: nil) }
        await #expect(throws: PresenceError.documentFull(limit: 3)) { try await board.heartbeat(Self.visitor("d"), at: Self.place, field: nil) }
        // Someone already there still beats.
        _ = try await board.heartbeat(Self.visitor("a"), at: Self.place, field: "name")
        let other = PresenceBoard.Place(dataset: "production", documentID: "c-2")
        for user in ["d", "e"] { _ = try await board.heartbeat(Self.visitor(user), at: other, field: nil) }
        await #expect(throws: PresenceError.boardFull) { try await board.heartbeat(Self.visitor("f"), at: other, field: nil) }
        #expect(await board.size.entries == 5)
    }

    @Test func hugeFieldPathsAndOddSessionIdsAreRefusedAndNotStored() async throws {
        let board = PresenceBoard()
        await #expect(throws: PresenceError.fieldPathTooLong(bytes: 1_000_000, limit: 256)) {
            try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: String(repeating: "a", count: 1_000_000))
        }
        await #expect(throws: PresenceError.invalidFieldPath) { try await board.heartbeat(Self.visitor("ana"), at: Self.place, field: "name\u{0}") }
        await #expect(throws: PresenceError.invalidSession(limit: 64)) {
            try await board.heartbeat(Self.visitor("ana", session: String(repeating: "t", count: 65)), at: Self.place, field: nil)
        }
        await #expect(throws: PresenceError.invalidSession(limit: 64)) {
            try await board.heartbeat(Self.visitor("ana", session: "tab 1<script>"), at: Self.place, field: nil)
        }
        await #expect(throws: PresenceError.invalidSession(limit: 64)) { try await board.heartbeat(Self.visitor("ana", session: ""), at: Self.place, field: nil) }
        #expect(await board.size == (0, 0))
    }
}

/// `/v1/presence` over HTTP: heartbeats, leaving, expiry, who may see presence, and refusals.
@Suite struct PresenceRouteTests {
    static let seed: [JSONValue] = [
        ["_id": "c-1", "_type": "customer", "name": "Chloé"],
        ["_id": "o-1", "_type": "salesOrder", "total": 1200],
    ]

    static func api(_ fixture: AuthorizationFixture, clock: ManualClock = ManualClock(), limits: PresenceBoard.Limits = .init()) -> FacetAPI {
        FacetAPI(store: fixture.store, schema: fixture.schema, access: HeaderRoleAccess(), security: fixture.security,
                 presence: PresenceBoard(limits: limits, now: clock.now))
    }

    static func beat(_ client: some TestClientProtocol, _ document: String, as role: String, session: String = "tab-1",
                     field: JSONValue = .null, body: String? = nil) async throws -> (status: HTTPResponse.Status, json: JSONValue)
    {
        let text = body ?? JSONValue.object(["session": .string(session), "field": field]).serialized()
        let response = try await client.execute(uri: "/v1/presence/production/\(document)", method: .put,
                                                headers: [.contentType: "application/json", HeaderRoleAccess.role: role],
                                                body: ByteBuffer(string: text))
        return (response.status, (try? JSONValue(parsing: Array(response.body.readableBytesView))) ?? .null)
    }

    static func present(_ answer: (status: HTTPResponse.Status, json: JSONValue)) -> [String] {
        (answer.json["present"]?.arrayValue ?? []).map { entry in
            "\(entry["name"]?.stringValue ?? "?") (\(entry["role"]?.stringValue ?? "?")) at \(entry["field"]?.stringValue ?? "-")"
        }
    }

    @Test func twoEditorsSeeEachOtherAndTheFieldOverRealHTTP() async throws {
        let fixture = try AuthorizationFixture(validated: false, seed: Self.seed)
        let clock = ManualClock()
        try await Application(router: Self.api(fixture, clock: clock).router()).test(.live) { client in
            #expect(Self.present(try await Self.beat(client, "c-1", as: "manager", field: "name")) == [])
            let seen = try await Self.beat(client, "drafts.c-1", as: "admin", session: "tab-9")
            #expect(seen.status == .ok)
            #expect(Self.present(seen) == ["manager-user (manager) at name"], "a draft id is the same document")
            #expect(seen.json["expiresAfter"] == 8)
            #expect(Self.present(try await Self.beat(client, "c-1", as: "manager", field: "email")) == ["admin-user (admin) at -"])

            // The admin's tab closes and says so: gone at once.
            let left = try await client.execute(uri: "/v1/presence/production/c-1?session=tab-9", method: .delete,
                                                headers: [HeaderRoleAccess.role: "admin"])
            #expect(left.status == .noContent)
            #expect(Self.present(try await Self.beat(client, "c-1", as: "manager")) == [])

            // A tab that crashes stops beating: gone once the entry expires.
            _ = try await Self.beat(client, "c-1", as: "support", session: "tab-3", field: "notes")
            #expect(Self.present(try await Self.beat(client, "c-1", as: "manager")) == ["support-user (support) at notes"])
            clock.advance(9)
            #expect(Self.present(try await Self.beat(client, "c-1", as: "manager")) == [])
        }
    }

    @Test func signedInUsersAreNamedFromTheirTokenAndStrangersGet401() async throws {
        let fixture = try SecureServerFixture()
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "p-1", "_type": "product", "name": "Ring"])])
        try await Application(router: fixture.api.router()).test(.live) { client in
            let body = SecureServerFixture.body(["session": "tab-1", "field": "name"])
            let stranger = try await client.execute(uri: "/v1/presence/production/p-1", method: .put, headers: SecureServerFixture.jsonHeaders, body: body)
            #expect(stranger.status == .unauthorized)
            let token = try #require(try await SecureServerFixture.login(client, "root")["accessToken"]?.stringValue)
            let joined = try await client.execute(uri: "/v1/presence/production/p-1", method: .put, headers: SecureServerFixture.bearer(token), body: body)
            #expect(joined.status == .ok)
            let other = try #require(try await SecureServerFixture.login(client, "ada")["accessToken"]?.stringValue)
            let seen = try await client.execute(uri: "/v1/presence/production/p-1", method: .put, headers: SecureServerFixture.bearer(other),
                                                body: SecureServerFixture.body(["session": "tab-7", "field": .null]))
            #expect(Self.present((seen.status, try SecureServerFixture.json(seen))) == ["root (admin) at name"])
            let looked = try await client.execute(uri: "/v1/presence/production/p-1", method: .get, headers: [:])
            #expect(looked.status == .unauthorized)
        }
    }

    @Test func aRoleThatMayNotReadTheDocumentLearnsNothingOfWhoIsThere() async throws {
        let fixture = try AuthorizationFixture(validated: false, seed: Self.seed)
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            #expect(try await Self.beat(client, "o-1", as: "manager", field: "total").status == .ok)
            // Marketing may not read sales orders: the same 404 as for a document that does not exist.
            let refused = try await Self.beat(client, "o-1", as: "marketing")
            #expect(refused.status == .notFound)
            #expect(refused.json["present"] == nil)
            #expect(!String(describing: refused.json).contains("manager"))
            let missing = try await Self.beat(client, "o-404", as: "marketing")
            #expect(missing.status == .notFound)
            #expect(missing.json["error"]?["description"] == refused.json["error"]?["description"]?.stringValue.map { .string($0.replacingOccurrences(of: "o-1", with: "o-404")) })
            let looked = try await client.execute(uri: "/v1/presence/production/o-1", method: .get, headers: [HeaderRoleAccess.role: "marketing"])
            #expect(looked.status == .notFound)
            // And it is not put on the board either.
            let managerView = try await client.execute(uri: "/v1/presence/production/o-1", method: .get, headers: [HeaderRoleAccess.role: "manager"])
            let entries = try JSONValue(parsing: Array(managerView.body.readableBytesView))["present"]?.arrayValue ?? []
            #expect(entries.count == 1)
        }
    }

    @Test func hostileHeartbeatsGetClearRefusalsAndBoundedMemory() async throws {
        let fixture = try AuthorizationFixture(validated: false, seed: Self.seed + (0..<40).map { index in
            ["_id": .string("c-bulk-\(index)"), "_type": "customer", "name": "Bulk"]
        })
        var limits = PresenceBoard.Limits()
        limits.perUser = 24
        let api = Self.api(fixture, limits: limits)
        try await Application(router: api.router()).test(.router) { client in
            // A huge field path: 400, not kept.
            let huge = try await Self.beat(client, "c-1", as: "manager", field: .string(String(repeating: "x", count: 3_000)))
            #expect(huge.status == .badRequest)
            #expect(huge.json["error"]?["type"] == "invalidPresence")
            #expect(huge.json["error"]?["description"]?.stringValue?.contains("over the limit of 256") == true)
            // Not JSON, no session, a field that is not a path: 400 each.
            #expect(try await Self.beat(client, "c-1", as: "manager", body: "{nope").status == .badRequest)
            #expect(try await Self.beat(client, "c-1", as: "manager", body: #"{"field": "name"}"#).json["error"]?["type"] == "invalidPresence")
            #expect(try await Self.beat(client, "c-1", as: "manager", field: 42).status == .badRequest)
            #expect(try await Self.beat(client, "c-1", as: "manager", session: "../../etc").status == .badRequest)
            // A malformed document id: 400.
            #expect(try await Self.beat(client, "bad%20id", as: "manager").status == .badRequest)
            #expect(await api.presence.size == (0, 0))

            // One client heartbeating every document it can read: capped per user, 429 with advice.
            var statuses: [HTTPResponse.Status] = []
            for index in 0..<40 {
                statuses.append(try await Self.beat(client, "c-bulk-\(index)", as: "manager").status)
            }
            #expect(statuses.prefix(24).allSatisfy { $0 == .ok })
            #expect(statuses.dropFirst(24).allSatisfy { $0 == .tooManyRequests })
            let capped = try await Self.beat(client, "c-1", as: "manager")
            #expect(capped.json["error"]?["type"] == "presenceLimit")
            #expect(capped.json["error"]?["description"]?.stringValue?.contains("close some") == true)
            #expect(await api.presence.size.entries == 24)
            // Other users are unaffected.
            #expect(try await Self.beat(client, "c-1", as: "support").status == .ok)
        }
    }

    @Test func aHeartbeatBodyPastItsLimitIs413() async throws {
        let fixture = try AuthorizationFixture(validated: false, seed: Self.seed)
        let api = Self.api(fixture)
        // Live: a 413 closes its connection, which the router-only test client cannot show.
        try await Application(router: api.router()).test(.live) { client in
            let flood = try await Self.beat(client, "c-1", as: "manager", body: #"{"session": "t", "field": ""# + String(repeating: "y", count: 10_000) + #""}"#)
            #expect(flood.status == .contentTooLarge)
            #expect(flood.json["error"]?["description"]?.stringValue?.contains("4096 bytes") == true)
        }
        #expect(await api.presence.size == (0, 0))
    }

    @Test func aMalformedTextPatchIsRefusedWithTheHunkNamed() async throws {
        let fixture = try AuthorizationFixture(validated: false, seed: Self.seed)
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            let malformed = try await AuthorizationFixture.mutate(client, [["patch": ["id": "c-1", "diffMatchPatch": ["name": "@@ nonsense @@\n+x\n"]]]], as: .admin)
            #expect(malformed.status.code / 100 == 4)
            #expect(malformed.error?["description"]?.stringValue?.contains("not a hunk header") == true)
            // A patch made for a text that is not there any more: refused, the text kept.
            let stale = try await AuthorizationFixture.mutate(client, [["patch": ["id": "c-1", "diffMatchPatch": ["name": "@@ -1,12 +1,12 @@\n-Somebody else\n+Somebody new\n"]]]], as: .admin)
            #expect(stale.status.code / 100 == 4)
            #expect(stale.error?["description"]?.stringValue?.contains("could not be applied") == true)
            #expect(try fixture.dataset.document(id: "c-1")?["name"] == "Chloé")
        }
    }

    /// Patches as the studio's text module writes them (headers in UTF-8 bytes, lines
    /// %-encoded as encodeURI does), applied over a concurrent edit of the same text.
    @Test func theStudiosPatchesMergeWithAConcurrentEdit() async throws {
        let fixture = try AuthorizationFixture(validated: false, seed: [["_id": "c-1", "_type": "customer", "notes": "Prefers rosé gold; call Tuesdays"]])
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            // Window A appends a sentence; window B, from the same base, fixes a word at the start.
            let appended = try await AuthorizationFixture.mutate(client, [["patch": ["id": "c-1", "diffMatchPatch": ["notes": "@@ -26,8 +26,30 @@\n Tuesdays\n+. Ring size 52 %F0%9F%92%8D\n"]]]], as: .admin)
            #expect(appended.status == .ok)
            let fixed = try await AuthorizationFixture.mutate(client, [["patch": ["id": "c-1", "diffMatchPatch": ["notes": "@@ -6,17 +6,18 @@\n rs ros%C3%A9 \n+ \n gold; ca\n"]]]], as: .admin)
            #expect(fixed.status == .ok, "\(fixed.text)")
            #expect(try fixture.dataset.document(id: "c-1")?["notes"] == "Prefers rosé  gold; call Tuesdays. Ring size 52 💍")
        }
    }
}
