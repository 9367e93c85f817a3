import FacetServer
import FacetStore
import Foundation
import GROQ
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// `GET /data/listen/:dataset` on a live server, read with a bare socket client: an event stream
/// never ends, and HummingbirdTesting's clients wait for the end of a body.
@Suite("GET /data/listen")
struct ListenRouteTests {
    // MARK: Helpers

    /// Runs `body` against a live server on a fresh store.
    private func withServer(_ storage: StorageKind = .sqlite, keepAlive: Duration = .seconds(30), configure: (inout ServerConfiguration) -> Void = { _ in },
                            _ body: @Sendable (ServerFixture, Int) async throws -> Void) async throws
    {
        var configuration = ServerConfiguration()
        configuration.keepAliveInterval = keepAlive
        configure(&configuration)
        let fixture = try ServerFixture(storage, configuration: configuration)
        defer { fixture.close() }
        let app = Application(router: fixture.api.router())
        try await app.test(.live) { client in
            try await body(fixture, try #require(client.port))
        }
    }

    /// Opens a listener; `extra` is more of the query string (`&includeResult=true`).
    private func listen(_ port: Int, _ query: String, _ extra: String = "", version: String = "v1", dataset: String = "production",
                        headers: [String: String] = [:]) async throws -> RawHTTPConnection
    {
        let connection = try RawHTTPConnection(port: port)
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        try connection.get("/\(version)/data/listen/\(dataset)?query=\(encoded)\(extra)", headers: headers)
        let head = try await connection.head()
        #expect(head.status == 200)
        #expect(head.headers["content-type"] == "text/event-stream")
        #expect(head.headers["cache-control"] == "no-cache")
        return connection
    }

    /// The next event, keep-alive comments skipped.
    private func event(_ listener: RawHTTPConnection, timeout: Duration = RawHTTPConnection.patience) async throws -> ReceivedEvent {
        while true {
            let event = try #require(try await listener.nextEvent(timeout: timeout), "the stream ended")
            if event.name != nil { return event }
        }
    }

    /// Commits `json` (Sanity's mutations) through the store; returns the transaction id.
    @discardableResult
    private func commit(_ fixture: ServerFixture, _ json: String, author: String? = nil) throws -> String {
        try fixture.store.dataset("production").mutate(Mutation.list(parsing: json), options: TransactionOptions(author: author)).transactionId
    }

    /// Waits until `condition` holds, at most `limit`.
    private func eventually(_ limit: Duration = .seconds(5), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    // MARK: Events

    @Test(arguments: StorageKind.available)
    func mutationsArriveWithTheirTransitionAndSanitysFields(_ storage: StorageKind) async throws {
        try await withServer(storage) { fixture, port in
            let listener = try await listen(port, #"*[_type == "customer" && tier == $tier]"#, "&%24tier=%22gold%22&includeResult=true")
            defer { listener.hangUp() }
            let welcome = try await event(listener)
            #expect(welcome.name == "welcome")
            #expect(welcome.data?["listenerName"]?.stringValue?.isEmpty == false)

            let created = try commit(fixture, #"[{"create": {"_id": "c-1", "_type": "customer", "tier": "gold"}}]"#, author: "ada")
            let appear = try await event(listener)
            #expect(appear.name == "mutation")
            #expect(appear.id == "\(created)#c-1")
            let data = try #require(appear.data)
            #expect(data["documentId"] == "c-1")
            #expect(data["eventId"] == .string("\(created)#c-1"))
            #expect(data["transactionId"] == .string(created))
            #expect(data["identity"] == "ada")
            #expect(data["transition"] == "appear")
            #expect(data["previousRev"] == .null)
            #expect(data["resultRev"] == .string(created))
            #expect(data["result"]?["tier"] == "gold")
            #expect(data["previous"] == nil)
            #expect(data["mutations"]?[0]?["create"]?["_id"] == "c-1")
            #expect(data["timestamp"]?.stringValue?.hasSuffix("Z") == true)
            #expect(data["visibility"] == "transaction")
            #expect(data["transactionTotalEvents"] == 1)
            #expect(data["transactionCurrentEvent"] == 1)

            let renamed = try commit(fixture, #"[{"patch": {"id": "c-1", "set": {"name": "Ada"}}}]"#)
            let update = try #require(try await event(listener).data)
            #expect(update["transition"] == "update")
            #expect(update["previousRev"] == .string(created) && update["resultRev"] == .string(renamed))
            #expect(update["result"]?["name"] == "Ada")

            // An order is outside the filter: the next event is the customer's.
            try commit(fixture, #"[{"create": {"_id": "o-1", "_type": "order"}}]"#)
            let demoted = try commit(fixture, #"[{"patch": {"id": "c-1", "set": {"tier": "silver"}}}]"#)
            let disappear = try await event(listener)
            #expect(disappear.id == "\(demoted)#c-1")
            #expect(disappear.data?["transition"] == "disappear")
            #expect(disappear.data?["result"]?["tier"] == "silver")

            // One transaction, two documents: one event each, by document id, numbered from 1.
            let pair = try commit(fixture, #"[{"create": {"_id": "c-3", "_type": "customer", "tier": "gold"}}, {"create": {"_id": "c-2", "_type": "customer", "tier": "gold"}}]"#)
            let first = try await event(listener), second = try await event(listener)
            #expect([first.id, second.id] == ["\(pair)#c-2", "\(pair)#c-3"])
            #expect(first.data?["transactionCurrentEvent"] == 1 && first.data?["transactionTotalEvents"] == 2)
            #expect(second.data?["transactionCurrentEvent"] == 2 && second.data?["transactionTotalEvents"] == 2)

            try commit(fixture, #"[{"delete": {"id": "c-2"}}]"#)
            let deleted = try #require(try await event(listener).data)
            #expect(deleted["transition"] == "disappear")
            #expect(deleted["resultRev"] == .null)
            #expect(deleted["result"] == nil)
        }
    }

    /// Sanity's clients build the query string with URLSearchParams: spaces as `+`, `$` as `%24`.
    /// The listen route reads it as the query route does.
    @Test func parametersEncodedAsSanitysClientsEncodeThemAreUnderstood() async throws {
        try await withServer { fixture, port in
            let listener = try RawHTTPConnection(port: port)
            defer { listener.hangUp() }
            try listener.get(#"/v1/data/listen/production?query=*%5B_type+%3D%3D+%22customer%22+%26%26+tier+%3D%3D+%24tier%5D&%24tier=%22gold+card%22&includeResult=true"#)
            #expect(try await listener.head().status == 200)
            #expect(try await event(listener).name == "welcome")
            try commit(fixture, #"[{"create": {"_id": "c-9", "_type": "customer", "tier": "gold+card"}}, {"create": {"_id": "c-1", "_type": "customer", "tier": "gold card"}}]"#)
            let appear = try await event(listener)
            #expect(appear.name == "mutation")
            #expect(appear.data?["documentId"] == "c-1")
            #expect(appear.data?["result"]?["tier"] == "gold card")
        }
    }

    @Test func optionsChooseWhatEachEventCarries() async throws {
        try await withServer { fixture, port in
            let plain = try await listen(port, #"*[_type == "customer"]"#)
            let detailed = try await listen(port, #"*[_type == "customer"]"#, "&includePreviousRevision=true&includeMutations=false&visibility=query")
            let published = try await listen(port, #"*[_type == "customer"]"#, version: "v2025-02-19")
            let everything = try await listen(port, #"*[_type == "customer"]"#, "&includeAllVersions=true", version: "v2025-02-19")
            defer { [plain, detailed, published, everything].forEach { $0.hangUp() } }
            for listener in [plain, detailed, published, everything] { #expect(try await event(listener).name == "welcome") }

            try commit(fixture, #"[{"create": {"_id": "c-1", "_type": "customer", "name": "Ada"}}]"#)
            try commit(fixture, #"[{"patch": {"id": "c-1", "set": {"name": "Ada L."}}}]"#)
            let plainEvents = [try await event(plain), try await event(plain)].compactMap(\.data)
            #expect(plainEvents.allSatisfy { $0["result"] == nil && $0["previous"] == nil && $0["mutations"] != nil })
            #expect(plainEvents.map { $0["visibility"] } == ["transaction", "transaction"])
            let detailedEvents = [try await event(detailed), try await event(detailed)].compactMap(\.data)
            #expect(detailedEvents[1]["previous"]?["name"] == "Ada")
            #expect(detailedEvents[1]["result"] == nil && detailedEvents[1]["mutations"] == nil)
            #expect(detailedEvents[1]["visibility"] == "query")

            // From v2025-02-19 drafts are left out unless includeAllVersions=true.
            try commit(fixture, #"[{"create": {"_id": "drafts.c-2", "_type": "customer"}}]"#)
            try commit(fixture, #"[{"create": {"_id": "c-3", "_type": "customer"}}]"#)
            #expect(try await [event(published), event(published), event(published)].map { $0.data?["documentId"] } == ["c-1", "c-1", "c-3"])
            #expect(try await [event(everything), event(everything), event(everything), event(everything)].map { $0.data?["documentId"] }
                == ["c-1", "c-1", "drafts.c-2", "c-3"])
        }
    }

    /// `effectFormat=mendoza`: each event's effects step the document from its state before
    /// to its state after, live and when replayed to a client that resumes.
    @Test(arguments: StorageKind.available)
    func mendozaEffectsStepEachDocumentLiveAndReplayed(_ storage: StorageKind) async throws {
        try await withServer(storage) { fixture, port in
            let query = #"*[_type == "customer"]"#
            let live = try await listen(port, query, "&effectFormat=mendoza")
            #expect(try await event(live).name == "welcome")
            try commit(fixture, #"[{"create": {"_id": "c-1", "_type": "customer", "name": "Ada", "notes": "Prefers rose gold and vintage cuts"}}]"#)
            let rename = try commit(fixture, #"[{"patch": {"id": "c-1", "set": {"name": "Ada L."}}}]"#)
            let deletion = try commit(fixture, #"[{"delete": {"id": "c-1"}}]"#)
            let events = [try await event(live), try await event(live), try await event(live)]
            live.hangUp()
            var state = JSONValue.null
            for (event, revision) in zip(events, [events[0].data?["transactionId"]?.stringValue ?? "", rename, deletion]) {
                let effects = try #require(event.data?["effects"])
                let next = try MendozaPatch.apply(try #require(effects["apply"]), to: state)
                #expect(next == (try fixture.store.dataset("production").document(id: "c-1", at: .revision(revision)) ?? .null))
                #expect(try MendozaPatch.apply(try #require(effects["revert"]), to: next) == state)
                state = next
            }
            #expect(events[2].data?["effects"]?["apply"] == [0, nil])
            #expect(events[1].data?["effects"]?["apply"]?.serialized().contains("rose gold") == false)

            let resumed = try await listen(port, query, "&effectFormat=mendoza", headers: ["Last-Event-ID": try #require(events[0].id)])
            defer { resumed.hangUp() }
            #expect(try await event(resumed).name == "welcome")
            #expect(try await event(resumed).data == events[1].data, "a replayed event is the event sent live")
        }
    }

    @Test func aBadFilterOrPlaceIsAChannelErrorThenTheEnd() async throws {
        try await withServer { _, port in
            let bad = try await listen(port, "*[_type == ]")
            let error = try await event(bad)
            #expect(error.name == "channelError")
            #expect(error.data?["message"] == "expected an expression, found ']'")
            #expect(error.data?["error"]?["type"] == "queryParseError")
            #expect(error.data?["error"]?["start"] == 11)
            #expect(try await bad.nextEvent() == nil, "the stream ends after the error")

            let nowhere = try await listen(port, "*", dataset: "archive")
            let missing = try await event(nowhere)
            #expect(missing.name == "channelError")
            #expect(missing.data?["error"]?["type"] == "datasetNotFoundError")

            for extra in ["&includeResult=maybe", "&visibility=eventually", "&%24tier=gold", "&effectFormat=json"] {
                let refused = try await listen(port, "*[tier == $tier]", extra)
                #expect(try await event(refused).name == "channelError", "\(extra)")
            }
            let connection = try RawHTTPConnection(port: port)
            try connection.get("/v1/data/listen/production")
            _ = try await connection.head()
            #expect(try await event(connection).data?["message"]?.stringValue?.contains("?query=") == true)
        }
    }

    // MARK: Connection

    @Test func aClientThatGoesAwayReleasesItsSubscription() async throws {
        try await withServer { fixture, port in
            let dataset = try fixture.store.dataset("production")
            let listeners = [try await listen(port, "*"), try await listen(port, "*")]
            for listener in listeners { #expect(try await event(listener).name == "welcome") }
            #expect(dataset.listenerCount == 2)
            listeners[0].hangUp()
            #expect(try await eventually { dataset.listenerCount == 1 })
            // The other one still hears of changes.
            try commit(fixture, #"[{"create": {"_id": "a", "_type": "x"}}]"#)
            #expect(try await event(listeners[1]).data?["documentId"] == "a")
            listeners[1].hangUp()
            #expect(try await eventually { dataset.listenerCount == 0 })
        }
    }

    @Test func aQuietStreamGetsKeepAliveComments() async throws {
        try await withServer(keepAlive: .milliseconds(200)) { _, port in
            let listener = try await listen(port, "*")
            defer { listener.hangUp() }
            #expect(try await event(listener).name == "welcome")
            // The default interval is 30 s: two comments well before that show the setting is
            // honoured, without a wall-clock bound that a loaded machine could break.
            for _ in 0..<2 {
                let comment = try #require(try await listener.nextEvent(timeout: .seconds(12)))
                #expect(comment.name == nil && comment.comment == "keep-alive")
            }
        }
    }

    @Test func aClientTooFarBehindIsToldToReconnect() async throws {
        // The transaction bound is the one under test here: the byte bound is set out of reach.
        try await withServer(configure: { $0.listenerBufferBytes = 1 << 30 }) { fixture, port in
            let dataset = try fixture.store.dataset("production")
            let listener = try await listen(port, "*", "&includeResult=true")
            defer { listener.hangUp() }
            #expect(try await event(listener).name == "welcome")
            // The client reads nothing while the transactions pile up: once the sockets' buffers
            // are full the server's writes wait, and the store's buffer (1,000 transactions) overflows.
            let padding = String(repeating: "x", count: 20_000)
            // 1,300 blocking commits run on a thread of their own: on one of the few threads
            // Swift's tasks share, they would starve the servers of the tests running beside this one.
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                DispatchQueue.global().async {
                    continuation.resume(with: Result {
                        for index in 0..<1_300 {
                            try dataset.mutate([.createOrReplace(["_id": "t", "_type": "tick", "n": .number(Double(index)), "padding": .string(padding)])])
                        }
                    })
                }
            }
            var ids: [String] = []
            var last: ReceivedEvent?
            while let next = try await listener.nextEvent(timeout: .seconds(20)) {
                if next.name == "mutation", let id = next.id { ids.append(id) }
                if next.name != nil { last = next }
            }
            #expect(last?.name == "reconnect", "the stream ends with reconnect")
            #expect(last?.data?["reason"]?.stringValue?.contains("1000 transactions behind") == true)
            #expect(ids.count < 1_300)
            #expect(try await eventually { dataset.listenerCount == 0 })

            // Coming back: from the last event read, the rest is replayed, up to 1,000 transactions.
            let resumed = try await listen(port, "*", headers: ["Last-Event-ID": try #require(ids.last)])
            defer { resumed.hangUp() }
            #expect(try await event(resumed).name == "welcome")
            let next = try await event(resumed)
            if 1_300 - ids.count > 1_000 {
                #expect(next.name == "reset")
                #expect(next.data?["reason"]?.stringValue?.contains("More than 1000 transactions") == true)
            } else {
                #expect(next.name == "mutation" && next.data?["documentId"] == "t")
            }
            // From the first event, it is too late.
            let tooLate = try await listen(port, "*", headers: ["Last-Event-ID": ids[0]])
            defer { tooLate.hangUp() }
            #expect(try await event(tooLate).name == "welcome")
            #expect(try await event(tooLate).name == "reset")
        }
    }

    /// A client that never reads while large documents are written: the server drops it once
    /// it holds more than its byte bound, and closes the connection though the client never
    /// takes the `reconnect`; a client that reads meanwhile gets every change, in order.
    @Test func aListenerThatNeverReadsIsDroppedAndItsConnectionClosed() async throws {
        try await withServer(configure: { $0.listenerBufferBytes = 1 << 20; $0.listenerDropGrace = .milliseconds(500) }) { fixture, port in
            let dataset = try fixture.store.dataset("production")
            let stalled = try await listen(port, "*", "&includeResult=true")
            defer { stalled.hangUp() }
            #expect(try await event(stalled).name == "welcome")
            let reading = try await listen(port, "*[_type == 'blob']", "&includeMutations=false")
            defer { reading.hangUp() }
            #expect(try await event(reading).name == "welcome")
            let payload = String(repeating: "x", count: 512 * 1024)
            var received: [String] = []
            for index in 0..<60 {
                try dataset.mutate([.createOrReplace(["_id": .string("b-\(index)"), "_type": "blob", "payload": .string(payload)])])
                let next = try await event(reading)
                if next.name == "mutation", let id = next.data?["documentId"]?.stringValue { received.append(id) }
            }
            #expect(received == (0..<60).map { "b-\($0)" }, "the reading client got every change, in order")
            #expect(try await eventually(.seconds(20)) { dataset.listenerCount == 1 }, "the stalled listener is dropped")
            // What the sockets held arrives, then the end: the server closed the connection.
            let started = ContinuousClock.now
            let rest = try await stalled.wholeBody(timeout: .seconds(20))
            #expect(ContinuousClock.now - started < .seconds(20))
            #expect(rest.count < 40 * 1024 * 1024, "far less than the 60 MB written arrived: \(rest.count) bytes")
        }
    }

    @Test func aClosedDatasetEndsItsListeners() async throws {
        try await withServer { fixture, port in
            let listener = try await listen(port, "*")
            defer { listener.hangUp() }
            #expect(try await event(listener).name == "welcome")
            try fixture.store.deleteDataset("production")
            let last = try await event(listener)
            #expect(last.name == "reconnect")
            #expect(last.data?["reason"]?.stringValue?.contains("closed") == true)
            #expect(try await listener.nextEvent() == nil)
        }
    }

    // MARK: Resuming

    @Test(arguments: StorageKind.available)
    func aReconnectingClientGetsWhatItMissedExactlyOnce(_ storage: StorageKind) async throws {
        try await withServer(storage) { fixture, port in
            let dataset = try fixture.store.dataset("production")
            let query = #"*[_type == "customer"]"#
            let first = try await listen(port, query, "&includeResult=true")
            #expect(try await event(first).name == "welcome")
            try commit(fixture, #"[{"create": {"_id": "c-1", "_type": "customer"}}]"#)
            let pair = try commit(fixture, #"[{"create": {"_id": "c-3", "_type": "customer"}}, {"create": {"_id": "c-2", "_type": "customer"}}]"#)
            _ = try await event(first)
            let c2 = try await event(first), c3 = try await event(first)
            #expect(c2.id == "\(pair)#c-2")
            // The connection drops after the first event of the pair was read.
            first.hangUp()
            #expect(try await eventually { dataset.listenerCount == 0 })
            try commit(fixture, #"[{"create": {"_id": "o-1", "_type": "order"}}]"#)
            let missed = try commit(fixture, #"[{"patch": {"id": "c-1", "set": {"name": "Ada"}}}]"#)

            let again = try await listen(port, query, "&includeResult=true", headers: ["Last-Event-ID": "\(pair)#c-2"])
            defer { again.hangUp() }
            #expect(try await event(again).name == "welcome")
            let replayed = try await event(again)
            #expect(replayed.id == c3.id)
            #expect(replayed.data == c3.data, "a replayed event is the event sent live")
            let update = try await event(again)
            #expect(update.id == "\(missed)#c-1")
            #expect(update.data?["transition"] == "update" && update.data?["result"]?["name"] == "Ada")
            // Then live events, and none twice.
            let live = try commit(fixture, #"[{"delete": {"id": "c-3"}}]"#)
            #expect(try await event(again).id == "\(live)#c-3")
        }
    }

    @Test(arguments: StorageKind.available)
    func commitsDuringTheReplayAreNeitherLostNorRepeated(_ storage: StorageKind) async throws {
        try await withServer(storage) { fixture, port in
            let start = try commit(fixture, #"[{"create": {"_id": "d-0", "_type": "doc"}}]"#)
            for index in 1...200 { try commit(fixture, #"[{"create": {"_id": "d-\#(index)", "_type": "doc"}}]"#) }
            // Writers keep committing while the client resumes from the first event.
            let writer = Task {
                for index in 201...400 { try commit(fixture, #"[{"create": {"_id": "d-\#(index)", "_type": "doc"}}]"#) }
            }
            let listener = try await listen(port, "*[_type == 'doc']", headers: ["Last-Event-ID": "\(start)#d-0"])
            defer { listener.hangUp() }
            #expect(try await event(listener).name == "welcome")
            var seen: [String] = []
            while seen.count < 400 { seen.append(try #require(try await event(listener).data?["documentId"]?.stringValue)) }
            try await writer.value
            #expect(seen == (1...400).map { "d-\($0)" }, "in commit order, each once")
            let quiet = try? await listener.nextEvent(timeout: .milliseconds(300))
            #expect(quiet == nil || quiet?.name == nil, "nothing more: \(quiet.map(\.description) ?? "")")
        }
    }

    @Test(arguments: StorageKind.available)
    func aClientResumesAcrossARestartOfTheServer(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let seen = try await Application(router: fixture.api.router()).test(.live) { client -> String in
            let listener = try await listen(try #require(client.port), "*")
            defer { listener.hangUp() }
            #expect(try await event(listener).name == "welcome")
            try commit(fixture, #"[{"create": {"_id": "c-1", "_type": "customer"}}]"#)
            return try #require(try await event(listener).id)
        }
        // While the server is down, a command line (another process, say) writes on.
        let missed = try commit(fixture, #"[{"create": {"_id": "c-2", "_type": "customer"}}]"#)
        fixture.store.close()
        let reopened = try fixture.otherStore()
        defer { reopened.close() }
        try await Application(router: FacetAPI(store: reopened).router()).test(.live) { client in
            let listener = try await listen(try #require(client.port), "*", headers: ["Last-Event-ID": seen])
            defer { listener.hangUp() }
            #expect(try await event(listener).name == "welcome")
            #expect(try await event(listener).id == "\(missed)#c-2")
        }
    }

    @Test(arguments: StorageKind.available)
    func anIdThatCannotBeResumedGetsResetAndResumingCanBeAskedFor(_ storage: StorageKind) async throws {
        try await withServer(storage) { fixture, port in
            let unknown = try await listen(port, "*", headers: ["Last-Event-ID": "gone#c-1"])
            #expect(try await event(unknown).name == "welcome")
            let reset = try await event(unknown)
            #expect(reset.name == "reset")
            #expect(reset.id == "", "the client forgets the id it cannot resume from")
            #expect(reset.data?["reason"]?.stringValue?.contains("gone#c-1") == true)
            let created = try commit(fixture, #"[{"create": {"_id": "c-1", "_type": "customer"}}]"#)
            #expect(try await event(unknown).id == "\(created)#c-1", "live events follow the reset")
            unknown.hangUp()

            let resumed = try await listen(port, "*", "&enableResume=true", headers: ["Last-Event-ID": "\(created)#c-1"])
            defer { resumed.hangUp() }
            let welcome = try await event(resumed)
            #expect(welcome.name == "welcomeback")
            #expect(welcome.data?["listenerName"]?.stringValue != nil)
        }
    }
}
