import FacetStore
import FacetWebhooks
import Foundation
import GROQ
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Hooks end to end, on both storage backends: the log followed into an outbox, signed
/// deliveries to a real receiver on loopback, retries, the delivery log, and refusals.
@Suite("Webhooks")
struct WebhookTests {
    /// A store with a `production` dataset, and its hooks.
    final class Fixture: Sendable {
        let kind: StorageKind
        let location: String
        let store: DocumentStore
        let records: any RelationalDatabase
        let key = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let webhooks: Webhooks
        let dataset: Dataset

        init(_ kind: StorageKind, clock: (@Sendable () -> Double)? = nil, settings: (inout WebhookSettings) -> Void = { _ in }) throws {
            self.kind = kind
            let (backend, location) = try TestDatabase.backend(kind)
            self.location = location
            store = DocumentStore(backend: backend)
            dataset = try store.dataset("production", create: true)
            records = try Self.records(kind, backend: backend, location: location)
            webhooks = try Webhooks(store: store, records: records, secretKey: key, settings: Self.settings(settings),
                                    clock: clock ?? { Date().timeIntervalSince1970 })
        }

        static func settings(_ change: (inout WebhookSettings) -> Void) -> WebhookSettings {
            var settings = WebhookSettings()
            settings.allowPrivateAddresses = true
            settings.firstRetry = .milliseconds(20)
            settings.maxRetry = .milliseconds(100)
            settings.pollInterval = .milliseconds(10)
            settings.timeout = .seconds(10)
            change(&settings)
            return settings
        }

        static func records(_ kind: StorageKind, backend: any StorageBackend, location: String) throws -> any RelationalDatabase {
            if let shared = backend.sharedRecords { return shared }
            try FileManager.default.createDirectory(atPath: location, withIntermediateDirectories: true)
            return try SQLiteRecords(path: location + "/integrations.sqlite")
        }

        /// The same records and store with other settings, as a restarted server would have.
        func restarted(_ change: (inout WebhookSettings) -> Void = { _ in }) throws -> Webhooks {
            try Webhooks(store: store, records: records, secretKey: key, settings: Self.settings(change))
        }

        @discardableResult
        func commit(_ mutations: JSONValue...) throws -> TransactionResult {
            try dataset.mutate(mutations.map { try Mutation(json: $0) })
        }

        deinit {
            store.close()
            TestDatabase.remove(kind, at: location)
        }
    }

    /// Runs `body` with a receiver listening on a loopback port, and the hooks' work running.
    static func withReceiver(_ webhooks: Webhooks, _ body: @Sendable (WebhookReceiver, Int) async throws -> Void) async throws {
        let receiver = WebhookReceiver()
        try await Application(router: receiver.router).test(.live) { client in
            let port = try #require(client.port)
            let work = Task { await webhooks.run() }
            defer { work.cancel() }
            try await body(receiver, port)
        }
    }

    @Test(arguments: StorageKind.available)
    func signedDeliveriesCarrySanitysHeadersAndTheProjection(kind: StorageKind) async throws {
        let f = try Fixture(kind)
        try await Self.withReceiver(f.webhooks) { receiver, port in
            let hook = try f.webhooks.create(dataset: "production", [
                "name": "Orders to the shop", "url": .string("http://127.0.0.1:\(port)/orders"), "secret": "s3cret-value",
                "filter": "_type == 'order'", "projection": #"{_id, status, "operation": delta::operation(), "was": before().status}"#,
                "headers": ["x-shop": "paris"],
            ], by: "ada")
            #expect(hook.hasSecret && hook.json["secret"] == nil && hook.on == [.create, .update, .delete])
            let created = try f.commit(["create": ["_id": "order-1", "_type": "order", "status": "new"]],
                                       ["create": ["_id": "customer-1", "_type": "customer"]])
            try f.commit(["patch": ["id": "order-1", "set": ["status": "paid"]]])
            try f.commit(["delete": ["id": "order-1"]])
            #expect(try await receiver.wait { $0.count >= 3 })
            try await Task.sleep(for: .milliseconds(100))
            let received = receiver.received(at: "/orders")
            #expect(received.count == 3, "\(received.map(\.json))")
            let operations = received.compactMap { try? JSONValue(parsing: $0.json)["operation"]?.stringValue }
            #expect(operations == ["create", "update", "delete"])
            let bodies = received.map { try? JSONValue(parsing: $0.json) }
            #expect(bodies[0] == ["_id": "order-1", "status": "new", "operation": "create", "was": .null])
            #expect(bodies[1]?["was"] == "new" && bodies[1]?["status"] == "paid")
            for request in received {
                #expect(request.method == "POST")
                #expect(WebhookReceiver.sanityVerifies(request.headers["sanity-webhook-signature"], body: request.body, secret: "s3cret-value"))
                #expect(!WebhookReceiver.sanityVerifies(request.headers["sanity-webhook-signature"], body: request.body, secret: "another"))
                #expect(request.headers["sanity-dataset"] == "production")
                #expect(request.headers["sanity-document-id"] == "order-1")
                #expect(request.headers["x-shop"] == "paris")
                #expect(request.headers["content-type"]?.hasPrefix("application/json") == true)
                let transaction = try #require(request.headers["sanity-transaction-id"])
                #expect(request.headers["idempotency-key"] == "\(transaction)#order-1")
                #expect(request.headers["sanity-transaction-time"].flatMap(Timestamp.date) != nil)
            }
            #expect(received[0].headers["sanity-transaction-id"] == created.transactionId)
            #expect(received.map { $0.headers["sanity-operation"] } == ["create", "update", "delete"])
            // The log: three delivered, one attempt each, answered 200.
            #expect(try await Self.eventually { try f.webhooks.deliveries(hook: hook.id, dataset: "production").allSatisfy { $0.state == .delivered } })
            let deliveries = try f.webhooks.deliveries(hook: hook.id, dataset: "production")
            #expect(deliveries.count == 3)
            let attempts = try f.webhooks.attempts(hook: hook.id, dataset: "production")
            #expect(attempts.count == 3 && attempts.allSatisfy { $0.status == 200 && $0.response == "answered 200" })
        }
    }

    @Test(arguments: StorageKind.available)
    func aReceiverThatFailsThreeTimesGetsItOnTheFourthAndA400IsNotRetried(kind: StorageKind) async throws {
        let f = try Fixture(kind)
        try await Self.withReceiver(f.webhooks) { receiver, port in
            receiver.answer([500, 503, 429], at: "/flaky")
            receiver.answer([400], at: "/strict")
            let flaky = try f.webhooks.create(dataset: "production", ["name": "Flaky", "url": .string("http://127.0.0.1:\(port)/flaky")], by: nil)
            let strict = try f.webhooks.create(dataset: "production", ["name": "Strict", "url": .string("http://127.0.0.1:\(port)/strict")], by: nil)
            try f.commit(["create": ["_id": "order-1", "_type": "order"]])
            #expect(try await receiver.wait { $0.filter { $0.path == "/flaky" }.count >= 4 })
            #expect(try await Self.eventually { try f.webhooks.deliveries(hook: flaky.id, dataset: "production").first?.state == .delivered })
            let attempts = try f.webhooks.attempts(hook: flaky.id, dataset: "production").sorted { $0.number < $1.number }
            #expect(attempts.map(\.status) == [500, 503, 429, 200])
            #expect(attempts.map(\.number) == [1, 2, 3, 4])
            // Each retry waited longer than the one before it allowed at least (doubling, half of it random).
            let keys = Set(receiver.received(at: "/flaky").map { $0.headers["idempotency-key"] })
            #expect(keys.count == 1)
            #expect(try await Self.eventually { try f.webhooks.deliveries(hook: strict.id, dataset: "production").first?.state == .failed })
            #expect(receiver.received(at: "/strict").count == 1)
            let failed = try #require(try f.webhooks.deliveries(hook: strict.id, dataset: "production").first)
            #expect(failed.lastError?.contains("400") == true)
            // Redelivered by an admin: queued again, and delivered (the receiver answers 200 now).
            let again = try f.webhooks.redeliver(hook: strict.id, dataset: "production", delivery: failed.id)
            #expect(again.state == .pending)
            #expect(try await Self.eventually { try f.webhooks.deliveries(hook: strict.id, dataset: "production").first?.state == .delivered })
            #expect(receiver.received(at: "/strict").count == 2)
        }
    }

    @Test(arguments: StorageKind.available)
    func attemptsRunOutAndADeadReceiverIsRetriedUntilThen(kind: StorageKind) async throws {
        let f = try Fixture(kind, settings: {
            $0.maxAttempts = 3
            $0.timeout = .milliseconds(500)
        })
        // Nothing listens on this port: every attempt is a refused connection.
        let closed = try LoopbackPort.free()
        let hook = try f.webhooks.create(dataset: "production", ["name": "Dead", "url": .string("http://127.0.0.1:\(closed)/x")], by: nil)
        try f.commit(["create": ["_id": "a", "_type": "order"]])
        let work = Task { await f.webhooks.run() }
        defer { work.cancel() }
        #expect(try await Self.eventually { try f.webhooks.deliveries(hook: hook.id, dataset: "production").first?.state == .failed },
                "\((try? f.webhooks.deliveries(hook: hook.id, dataset: "production"))?.map(\.json) ?? []) at \(Date().timeIntervalSince1970)")
        let attempts = try f.webhooks.attempts(hook: hook.id, dataset: "production")
        #expect(attempts.count == 3 && attempts.allSatisfy { $0.status == nil && $0.error != nil }, "\(attempts)")
    }

    /// On a clock that stands still the once-a-second look never comes again: each commit must
    /// be dispatched because the dataset moved on, again and again, with the hook's cursor as
    /// it is now (a cursor remembered from the first look would make every later enqueue refuse).
    @Test(arguments: StorageKind.available)
    func eachCommitIsDispatchedAsItHappensNotAtTheNextFullLook(kind: StorageKind) async throws {
        let f = try Fixture(kind, clock: { 1_900_000_000 })
        try await Self.withReceiver(f.webhooks) { receiver, port in
            _ = try f.webhooks.create(dataset: "production", ["name": "Each", "url": .string("http://127.0.0.1:\(port)/each")], by: nil)
            for index in 0..<5 {
                try f.commit(["create": ["_id": .string("d\(index)"), "_type": "thing"]])
                #expect(try await receiver.wait { $0.count == index + 1 }, "commit \(index) was not delivered")
            }
        }
    }

    @Test(arguments: StorageKind.available)
    func deltaFiltersFireOnlyOnTheChangesTheyDescribe(kind: StorageKind) throws {
        let f = try Fixture(kind)
        let status = try f.webhooks.create(dataset: "production", [
            "name": "Status", "url": "http://127.0.0.1:9/status", "on": ["update"],
            "filter": "_type == 'order' && delta::changedAny(status)",
        ], by: nil)
        let onlyNotes = try f.webhooks.create(dataset: "production", [
            "name": "Notes only", "url": "http://127.0.0.1:9/notes", "filter": "delta::changedOnly(notes)", "on": ["update"],
        ], by: nil)
        let paid = try f.webhooks.create(dataset: "production", [
            "name": "Paid", "url": "http://127.0.0.1:9/paid", "filter": "before().status != 'paid' && after().status == 'paid'",
            "projection": "{_id}",
        ], by: nil)
        let deletions = try f.webhooks.create(dataset: "production", [
            "name": "Deletions", "url": "http://127.0.0.1:9/deleted", "filter": "delta::operation() == 'delete'", "includeDrafts": true,
        ], by: nil)
        try f.commit(["create": ["_id": "o", "_type": "order", "status": "new", "total": 10, "notes": "a"]])
        try f.commit(["patch": ["id": "o", "set": ["total": 12]]])
        try f.commit(["patch": ["id": "o", "set": ["notes": "b"]]])
        try f.commit(["patch": ["id": "o", "set": ["status": "paid", "notes": "c"]]])
        try f.commit(["patch": ["id": "o", "set": ["status": "paid", "total": 13]]])
        try f.commit(["create": ["_id": "drafts.o", "_type": "order", "status": "new"]])
        try f.commit(["patch": ["id": "drafts.o", "set": ["status": "paid"]]])
        try f.commit(["delete": ["id": "drafts.o"]])
        try f.commit(["delete": ["id": "o"]])
        try f.webhooks.dispatch(dataset: "production")
        func fired(_ hook: Webhook) throws -> [String] {
            try f.webhooks.deliveries(hook: hook.id, dataset: "production").sorted { $0.sequence < $1.sequence }
                .map { "\($0.sequence):\($0.documentID):\($0.operation.rawValue)" }
        }
        #expect(try fired(status) == ["4:o:update"])
        #expect(try fired(onlyNotes) == ["3:o:update"])
        // Drafts are left out unless the hook includes them.
        #expect(try fired(paid) == ["4:o:update"])
        #expect(try f.webhooks.deliveries(hook: paid.id, dataset: "production").first?.body == #"{"_id":"o"}"#)
        #expect(try fired(deletions) == ["8:drafts.o:delete", "9:o:delete"])
        // Nothing is queued twice, however often the log is read.
        #expect(try f.webhooks.dispatch(dataset: "production") == 0)
        #expect(try f.restarted().dispatch(dataset: "production") == 0)
    }

    @Test(arguments: StorageKind.available)
    func aDispatcherStoppedHalfwayQueuesExactlyWhatItHadNotAndAHookEnabledAgainStartsFromNow(kind: StorageKind) throws {
        let f = try Fixture(kind)
        let hook = try f.webhooks.create(dataset: "production", ["name": "All", "url": "http://127.0.0.1:9/all"], by: nil)
        for index in 0..<23 { try f.commit(["create": ["_id": .string("d\(index)"), "_type": "thing"]]) }
        #expect(try f.webhooks.dispatch(dataset: "production", batch: 5) == 5)
        #expect(try f.webhooks.dispatch(dataset: "production", batch: 5) == 5)
        // Another process, from the records alone: the rest, once each.
        let other = try f.restarted()
        while try other.dispatch(dataset: "production", batch: 5) > 0 {}
        let deliveries = try f.webhooks.deliveries(hook: hook.id, dataset: "production", limit: 1000)
        #expect(deliveries.count == 23)
        #expect(Set(deliveries.map(\.documentID)) == Set((0..<23).map { "d\($0)" }))
        _ = try f.webhooks.update(id: hook.id, dataset: "production", ["enabled": false])
        try f.commit(["create": ["_id": "while-off", "_type": "thing"]])
        #expect(try f.webhooks.dispatch(dataset: "production") == 0)
        _ = try f.webhooks.update(id: hook.id, dataset: "production", ["enabled": true])
        try f.commit(["create": ["_id": "after", "_type": "thing"]])
        #expect(try f.webhooks.dispatch(dataset: "production") == 1)
        #expect(try f.webhooks.deliveries(hook: hook.id, dataset: "production", limit: 1).first?.documentID == "after")
    }

    @Test(arguments: StorageKind.available)
    func aReceiverThatHangsHoldsUpNeitherCommitsNorOtherHooks(kind: StorageKind) async throws {
        let f = try Fixture(kind, settings: { $0.concurrencyPerHook = 2 })
        try await Self.withReceiver(f.webhooks) { receiver, port in
            receiver.hold("/slow")
            let slow = try f.webhooks.create(dataset: "production", ["name": "Slow", "url": .string("http://127.0.0.1:\(port)/slow")], by: nil)
            _ = try f.webhooks.create(dataset: "production", ["name": "Fast", "url": .string("http://127.0.0.1:\(port)/fast")], by: nil)
            for index in 0..<20 { try f.commit(["create": ["_id": .string("d\(index)"), "_type": "thing"]]) }
            #expect(try await receiver.wait { $0.filter { $0.path == "/fast" }.count == 20 })
            // The slow receiver has been handed two (its limit), and answered none.
            #expect(receiver.received(at: "/slow").isEmpty)
            #expect(try f.webhooks.deliveries(hook: slow.id, dataset: "production", limit: 100).allSatisfy { $0.state == .pending })
            receiver.release("/slow")
            #expect(try await receiver.wait { $0.filter { $0.path == "/slow" }.count >= 20 })
        }
    }

    @Test func badHooksAreRefusedNamingTheField() throws {
        let f = try Fixture(.sqlite)
        func refusal(_ body: JSONValue) -> WebhookError? {
            do { _ = try f.webhooks.create(dataset: "production", body, by: nil); return nil } catch { return error }
        }
        let base: JSONObject = ["name": "x", "url": "https://shop.example/hook"]
        func with(_ key: String, _ value: JSONValue) -> JSONValue { var object = base; object[key] = value; return .object(object) }
        #expect(refusal(["name": "x"])?.message.contains("\"url\"") == true)
        #expect(refusal(with("url", "ftp://shop.example"))?.field == "url")
        #expect(refusal(with("url", "https://user:pw@shop.example/"))?.field == "url")
        #expect(refusal(with("filter", "_type == "))?.field == "filter")
        #expect(refusal(with("filter", "_type == 'a'] | *[true"))?.field == "filter")
        #expect(refusal(with("projection", "_id"))?.field == "projection")
        #expect(refusal(with("projection", "{_id"))?.field == "projection")
        #expect(refusal(with("on", ["create", "publish"]))?.field == "on")
        #expect(refusal(with("on", []))?.field == "on")
        #expect(refusal(with("httpMethod", "TRACE"))?.field == "httpMethod")
        #expect(refusal(with("headers", ["sanity-webhook-signature": "forged"]))?.field == "headers.sanity-webhook-signature")
        #expect(refusal(with("headers", ["x": "a\r\nb: c"]))?.field == "headers.x")
        #expect(refusal(with("colour", "red"))?.field == "colour")
        #expect(refusal(with("secret", ""))?.field == "secret")
        #expect(refusal(with("name", .string(String(repeating: "n", count: 4 << 20))))?.field == "name")
        #expect((try? f.webhooks.create(dataset: "nowhere", .object(base), by: nil)) == nil)
        #expect(try f.webhooks.list(dataset: "production").isEmpty)
        #expect(throws: WebhookError.self) { try f.webhooks.update(id: "hook-missing", dataset: "production", ["enabled": false]) }
    }

    @Test func internalAddressesAreRefusedUnlessAllowed() async throws {
        let f = try Fixture(.sqlite, settings: { $0.allowPrivateAddresses = false })
        for host in ["127.0.0.1", "10.1.2.3", "169.254.169.254", "192.168.0.1", "172.20.0.1", "[::1]", "[fe80::1]", "localhost", "0.0.0.0"] {
            #expect(await WebhookAddress.refusal(host: host, allowPrivate: false) != nil, "\(host)")
            #expect(await WebhookAddress.refusal(host: host, allowPrivate: true) == nil)
        }
        #expect(await WebhookAddress.refusal(host: "93.184.216.34", allowPrivate: false) == nil)
        let hook = try f.webhooks.create(dataset: "production", ["name": "Inside", "url": "http://127.0.0.1:5432/"], by: nil)
        try f.commit(["create": ["_id": "a", "_type": "order"]])
        let work = Task { await f.webhooks.run() }
        defer { work.cancel() }
        #expect(try await Self.eventually { try f.webhooks.deliveries(hook: hook.id, dataset: "production").first?.state == .failed })
        let attempt = try #require(try f.webhooks.attempts(hook: hook.id, dataset: "production").first)
        #expect(attempt.status == nil && attempt.error?.contains("loopback") == true && attempt.error?.contains("allowPrivateAddresses") == true)
    }

    @Test func theSignatureIsSanitys() {
        // The time in the header is in milliseconds, and the signature checks as Sanity's tooling checks it.
        let body = Array(#"{"_id":"resume"}"#.utf8)
        let header = WebhookSignature.header(body: body, secret: "test", at: Date(timeIntervalSince1970: 1_633_519_811.129))
        #expect(header.hasPrefix("t=1633519811129,v1="))
        #expect(WebhookReceiver.sanityVerifies(header, body: body, secret: "test"))
        #expect(WebhookSignature.isValid(header, body: body, secret: "test"))
        #expect(!WebhookSignature.isValid(header, body: body + [0x20], secret: "test"))
        #expect(!WebhookSignature.isValid("t=1,v1=", body: body, secret: "test"))
    }

    @Test func retriesWaitLongerEachTimeUpToTheLimit() throws {
        var settings = WebhookSettings()
        settings.firstRetry = .seconds(5)
        settings.maxRetry = .seconds(60)
        #expect(settings.retryDelay(after: 1, random: 1) == .seconds(5))
        #expect(settings.retryDelay(after: 1, random: 0) == .milliseconds(2500))
        #expect(settings.retryDelay(after: 3, random: 1) == .seconds(20))
        #expect(settings.retryDelay(after: 10, random: 1) == .seconds(60))
        #expect(throws: WebhookError.self) { try WebhookSettings(json: ["maxAttempts": 0]) }
        #expect(throws: WebhookError.self) { try WebhookSettings(json: ["retries": 3]) }
        #expect(try WebhookSettings(json: ["maxAttempts": 3, "allowPrivateAddresses": true]).maxAttempts == 3)
    }

    // MARK: Helpers

    static func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        try await TestSupport.eventually(.seconds(60), condition)
    }
}
