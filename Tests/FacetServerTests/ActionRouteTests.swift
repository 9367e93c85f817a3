import FacetSchema
import FacetSecurity
@testable import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

@Suite("GET and POST /actions", .ownThread(computing: true))
struct ActionRouteTests {
    /// Stamps `note` on the document (its draft too when it has one) from the `note` parameter;
    /// refuses without one.
    static let annotate = DocumentAction("annotate", title: "Annotate", description: "Writes the note given as a parameter",
                                         types: ["article"]) { context in
        guard let note = context.params["note"]?.stringValue else {
            throw StoreError(.invalid, type: "validationError", message: "Give a note", advice: "Send {\"params\": {\"note\": \"…\"}}.")
        }
        let ids = [context.documentID, DocumentID.draft(of: context.documentID)]
        let existing = try await context.query("*[_id in $ids]._id", params: ["ids": .array(ids.map(JSONValue.string))], perspective: .raw)
        let mutations = try (existing.arrayValue ?? []).compactMap(\.stringValue).map { id in
            Mutation.patch(try PatchMutation(json: ["id": .string(id), "set": ["note": .string(note)]]))
        }
        let result = try await context.mutate(mutations)
        return ActionResult(message: "Noted on \(context.documentType ?? "?")", transaction: result, data: ["note": .string(note)])
    }

    /// Fails with an error that is not the store's.
    static let broken = DocumentAction("broken", title: "Broken", description: "Always fails", types: ["article"]) { _ in
        struct Oops: Error {}
        throw Oops()
    }

    /// Reports `reports` stages in a tight loop, then answers how many it reported.
    static let busy = DocumentAction("busy", title: "Busy", description: "Reports progress often", types: ["article"]) { context in
        let reports = 500
        for step in 1...reports { context.progress("step \(step)", Double(step) / Double(reports)) }
        return ActionResult(message: "Reported \(reports) times", tone: .info, data: ["reports": .number(Double(reports))])
    }

    static func api(_ fixture: ServerFixture) -> FacetAPI {
        FacetAPI(store: fixture.store, actions: [annotate, broken, busy])
    }

    static func run(_ client: some TestClientProtocol, _ action: String, _ body: String, dataset: String = "production") async throws -> TestResponse {
        try await client.execute(uri: "/v1/actions/\(dataset)/\(action)", method: .post, headers: DataRoutes.jsonHeaders, body: DataRoutes.body(body))
    }

    @Test func theDeclaredActionsAreListed() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/actions", method: .get)
            #expect(response.status == .ok)
            #expect(try DataRoutes.json(response) == ["actions": [
                ["name": "annotate", "title": "Annotate", "description": "Writes the note given as a parameter", "types": ["article"]],
                ["name": "broken", "title": "Broken", "description": "Always fails", "types": ["article"]],
                ["name": "busy", "title": "Busy", "description": "Reports progress often", "types": ["article"]],
            ]])
        }
        // A server without actions lists none.
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v2025-02-19/actions", method: .get)
            #expect(try DataRoutes.json(response) == ["actions": []])
        }
    }

    @Test func anActionRunsThroughTheMutationPipelineAndSaysWhatItDid() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "a-1", "_type": "article", "title": "T"]), .create(["_id": "drafts.a-1", "_type": "article", "title": "T2"])])
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            let response = try await Self.run(client, "annotate", #"{"documentId": "drafts.a-1", "params": {"note": "call back"}}"#)
            #expect(response.status == .ok)
            let body = try DataRoutes.json(response)
            let transactionID = try #require(body["transactionId"]?.stringValue)
            #expect(body == [
                "action": "annotate", "documentId": "a-1", "message": "Noted on article", "tone": "success",
                "transactionId": .string(transactionID), "writtenIds": ["a-1", "drafts.a-1"], "result": ["note": "call back"],
            ])
            #expect(dataset.document(id: "a-1")?["note"] == "call back")
            #expect(dataset.document(id: "drafts.a-1")?["note"] == "call back")
            #expect(try dataset.transactions(documentIDs: ["a-1"]).last?.author == "api")
            // The action's commit is counted as the action's, beside the fixture's own write.
            #expect(dataset.commitsBySource == ["other": 1, "action": 1], "\(dataset.commitsBySource)")
        }
    }

    @Test func unknownActionsDocumentsAndTypesAreRefused() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "a-1", "_type": "article"]), .create(["_id": "w-1", "_type": "author"])])
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            var response = try await Self.run(client, "publish-everything", #"{"documentId": "a-1"}"#)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": #"There is no action "publish-everything"; the actions are listed at /v1/actions"#, "type": "actionNotFoundError",
            ], "statusCode": 404])

            response = try await Self.run(client, "annotate", #"{"documentId": "w-1", "params": {"note": "x"}}"#)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": #"The action "annotate" applies to article, not to author"#, "type": "actionNotApplicableError",
            ], "statusCode": 400])

            response = try await Self.run(client, "annotate", #"{"documentId": "a-404"}"#)
            #expect(response.status == .notFound)
            #expect(try DataRoutes.json(response)["error"]?["type"] == "documentNotFoundError")

            response = try await Self.run(client, "annotate", #"{"documentId": "a-1"}"#, dataset: "archive")
            #expect(response.status == .notFound)

            for body in [#"{}"#, #"{"documentId": "a-1", "params": [1]}"#] {
                response = try await Self.run(client, "annotate", body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try DataRoutes.json(response)["error"]?["type"] == "invalidRequest")
            }
        }
    }

    @Test func whatAnActionRefusesAnswersWithItsStatus() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "a-1", "_type": "article"])])
        try await Application(router: Self.api(fixture).router()).test(.router) { client in
            var response = try await Self.run(client, "annotate", #"{"documentId": "a-1"}"#)
            #expect(response.status == .badRequest)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": "Give a note", "type": "validationError", "advice": #"Send {"params": {"note": "…"}}."#,
            ], "statusCode": 400])
            response = try await Self.run(client, "broken", #"{"documentId": "a-1"}"#)
            #expect(response.status == .internalServerError)
            #expect(try DataRoutes.json(response) == ["error": [
                "description": #"The action "broken" failed; the server's log says why"#, "type": "actionError",
            ], "statusCode": 500])
        }
    }

    @Test func theCRMRecalculatesALifetimeValueOverHTTP() async throws {
        let directory = NSTemporaryDirectory() + "facet-action-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: try CRMSchema.validator())
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        try dataset.mutate([
            .create(["_id": "c-1", "_type": "customer", "name": "Ada Lovelace", "email": "ada@example.com", "segment": "loyal", "lifetimeValue": 5]),
            .create(["_id": "p-1", "_type": "product", "name": "Ring", "slug": ["_type": "slug", "current": "ring"], "sku": "RG-100",
                     "category": "rings", "price": 100, "currency": "EUR"]),
        ])
        for (number, total, status) in [("SO-000001", 1200.5, "delivered"), ("SO-000002", 99.99, "pending"), ("SO-000003", 5000, "cancelled")] {
            try dataset.mutate([.create([
                "_id": .string("o-" + number), "_type": "salesOrder", "orderNumber": .string(number),
                "customer": ["_type": "reference", "_ref": "c-1"], "orderDate": "2026-01-10T10:00:00Z", "status": .string(status),
                "channel": "boutique", "currency": "EUR", "subtotal": .number(total), "total": .number(total),
                "lineItems": [["_key": "l1", "_type": "lineItem", "product": ["_type": "reference", "_ref": "p-1"],
                               "quantity": 1, "unitPrice": .number(total)]],
            ])])
        }
        let api = FacetAPI(store: store, schema: try CRMSchema.compile(), actions: CRMActions.all)
        try await Application(router: api.router()).test(.router) { client in
            let listed = try DataRoutes.json(try await client.execute(uri: "/v1/actions", method: .get))
            #expect(listed["actions"]?[0]?["name"] == "recalculate-lifetime-value")
            #expect(listed["actions"]?[0]?["types"] == ["customer", "lizaCustomer"])

            let response = try await Self.run(client, "recalculate-lifetime-value", #"{"documentId": "c-1"}"#)
            #expect(response.status == .ok)
            let body = try DataRoutes.json(response)
            #expect(body["message"] == "Lifetime value 5.00 → 1,300.49 from 2 orders")
            #expect(body["result"] == ["previousValue": 5, "newValue": 1300.49, "orderCount": 2, "currencies": ["EUR"]])
            #expect(body["writtenIds"] == ["c-1"])
            #expect(dataset.document(id: "c-1")?["lifetimeValue"] == 1300.49)
            #expect(dataset.document(id: "c-1")?["_rev"] == body["transactionId"])

            let order = try await Self.run(client, "recalculate-lifetime-value", #"{"documentId": "o-SO-000001"}"#)
            #expect(order.status == .badRequest)
        }
    }
}

/// `Accept: text/event-stream` on `POST /v1/actions/...`: progress events, then the plain
/// answer as `result` (or `error`), and the same writes as the plain request.
@Suite("Action progress as server-sent events", .ownThread(computing: true))
struct ActionProgressRouteTests {
    static let streamHeaders: HTTPFields = [.contentType: "application/json", .accept: "text/event-stream"]

    static func stream(_ client: some TestClientProtocol, _ action: String, _ body: String) async throws -> (TestResponse, [ReceivedEvent]) {
        let response = try await client.execute(uri: "/v1/actions/production/\(action)", method: .post, headers: streamHeaders,
                                                body: DataRoutes.body(body))
        let text = String(buffer: response.body)
        let events = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map(ReceivedEvent.init)
        return (response, events)
    }

    @Test func progressArrivesWhileTheActionRunsAndAHangUpDoesNotStopIt() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "a-1", "_type": "article"])])
        // The action reports, then waits until the test has read the report from the socket.
        let (gate, openGate) = AsyncStream.makeStream(of: Void.self)
        let waiting = DocumentAction("waiting", title: "Waiting", description: "Reports, then waits", types: ["article"]) { context in
            context.progress("reported before the gate", 0.25)
            _ = await gate.first { _ in true }
            let result = try await context.mutate([.patch(try PatchMutation(json: ["id": "a-1", "set": ["finished": true]]))])
            return ActionResult(message: "Finished", transaction: result)
        }
        let api = FacetAPI(store: fixture.store, actions: [waiting])
        try await Application(router: api.router()).test(.live) { client in
            let connection = try RawHTTPConnection(port: try #require(client.port))
            try connection.request("POST", "/v1/actions/production/waiting",
                                headers: ["Content-Type": "application/json", "Accept": "text/event-stream"], body: #"{"documentId": "a-1"}"#)
            #expect(try await connection.head().status == 200)
            var first: ReceivedEvent?
            while first == nil, let event = try await connection.nextEvent(timeout: .seconds(60)) {
                if event.name != nil { first = event }
            }
            #expect(first?.name == "progress")
            #expect(first?.data?["stage"] == "reported before the gate")
            #expect(dataset.document(id: "a-1")?["finished"] == nil, "the action is still waiting")

            // The caller hangs up; the action still finishes and writes.
            connection.hangUp()
            openGate.yield()
            for _ in 0..<1_200 where dataset.document(id: "a-1")?["finished"] == nil {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(dataset.document(id: "a-1")?["finished"] == true)
        }
    }

    @Test func aFailingActionStreamsTheErrorThePlainRequestAnswers() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "a-1", "_type": "article"])])
        try await Application(router: ActionRouteTests.api(fixture).router()).test(.router) { client in
            for (action, status) in [("annotate", HTTPResponse.Status.badRequest), ("broken", .internalServerError)] {
                let plain = try await ActionRouteTests.run(client, action, #"{"documentId": "a-1"}"#)
                #expect(plain.status == status)
                let (response, events) = try await Self.stream(client, action, #"{"documentId": "a-1"}"#)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                #expect(events.map(\.name) == ["error"], "\(action)")
                #expect(events.last?.data == (try DataRoutes.json(plain)), "\(action)")
                #expect(events.last?.data?["statusCode"] == .number(Double(status.code)))
            }
            // Nothing was written by the refusal.
            #expect(try fixture.store.dataset("production").document(id: "a-1")?["note"] == nil)
        }
    }

    @Test func aRequestWrongBeforeTheActionStartsIsRefusedWithItsStatus() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: ActionRouteTests.api(fixture).router()).test(.router) { client in
            let (missing, _) = try await Self.stream(client, "annotate", #"{"documentId": "a-404"}"#)
            #expect(missing.status == .notFound)
            #expect(try DataRoutes.json(missing)["error"]?["type"] == "documentNotFoundError")
            let (unknown, _) = try await Self.stream(client, "nothing", #"{"documentId": "a-1"}"#)
            #expect(unknown.status == .notFound)
            #expect(try DataRoutes.json(unknown)["error"]?["type"] == "actionNotFoundError")
        }
    }

    @Test func anActionsAnswerIsTheResultEventAndItsWritesAreTheSame() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "a-1", "_type": "article"]), .create(["_id": "a-2", "_type": "article"])])
        try await Application(router: ActionRouteTests.api(fixture).router()).test(.router) { client in
            let plain = try DataRoutes.json(try await ActionRouteTests.run(client, "annotate", #"{"documentId": "a-1", "params": {"note": "n"}}"#))
            let (response, events) = try await Self.stream(client, "annotate", #"{"documentId": "a-2", "params": {"note": "n"}}"#)
            #expect(response.status == .ok)
            #expect(events.map(\.name) == ["result"])
            var streamed = try #require(events.last?.data?.objectValue)
            #expect(streamed["transactionId"] == dataset.document(id: "a-2")?["_rev"])
            // The same answer, but for the document and its transaction.
            streamed["transactionId"] = plain["transactionId"]
            streamed["documentId"] = "a-1"
            streamed["writtenIds"] = ["a-1"]
            #expect(JSONValue.object(streamed) == plain)
            #expect(dataset.document(id: "a-2")?["note"] == "n")
        }
    }

    @Test func aStreamedActionIsCheckedAndAuditedAsThePlainOne() async throws {
        let directory = NSTemporaryDirectory() + "facet-action-stream-security-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let schema = try CRMSchema.compile()
        let security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema,
                                          environment: ["FACET_ADMIN_PASSWORD": "correct horse battery staple 42"], passwordCost: 4)
        let store = try security.documentStore(validator: nil)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        try dataset.mutate([.create(["_id": "o-1", "_type": "salesOrder", "total": 10])])
        // Support reads orders but may run no action on them.
        let stamp = DocumentAction("stamp", title: "Stamp", description: "Stamps the order", types: ["salesOrder"]) { context in
            context.progress("stamping", 0.5)
            let result = try await context.mutate([.patch(try PatchMutation(json: ["id": .string(context.documentID), "set": ["note": "n"]]))])
            return ActionResult(message: "Stamped", transaction: result)
        }
        let api = FacetAPI(store: store, schema: schema, access: HeaderRoleAccess(), actions: [stamp], security: security)
        try await Application(router: api.router()).test(.router) { client in
            let body = DataRoutes.body(#"{"documentId": "o-1"}"#)
            var headers = Self.streamHeaders
            headers[HeaderRoleAccess.role] = "support"
            let refused = try await client.execute(uri: "/v1/actions/production/stamp", method: .post, headers: headers, body: body)
            #expect(refused.status == .forbidden)
            #expect(try DataRoutes.json(refused)["error"]?["type"] == "permissionDenied")
            #expect(dataset.document(id: "o-1")?["note"] == nil)

            headers[HeaderRoleAccess.role] = "manager"
            let response = try await client.execute(uri: "/v1/actions/production/stamp", method: .post, headers: headers, body: body)
            let events = String(buffer: response.body).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map(ReceivedEvent.init)
            #expect(events.map(\.name) == ["progress", "result"])
            #expect(dataset.document(id: "o-1")?["note"] == "n")
            let transactionID = try #require(events.last?.data?["transactionId"]?.stringValue)
            let audited = try security.audit.entries(AuditFilter(actions: ["transaction"], transactionID: transactionID, limit: 10))
            #expect(audited.count == 1)
            #expect(audited.first?.event.actor == (try dataset.transactions(documentIDs: ["o-1"]).last?.author))
            #expect(audited.first?.event.actor.isEmpty == false)
        }
    }

    @Test func progressIsCoalescedKeepingTheFirstAndLastReports() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try fixture.store.dataset("production").mutate([.create(["_id": "a-1", "_type": "article"])])
        try await Application(router: ActionRouteTests.api(fixture).router()).test(.router) { client in
            let (_, events) = try await Self.stream(client, "busy", #"{"documentId": "a-1"}"#)
            let progress = events.filter { $0.name == "progress" }
            #expect(events.last?.name == "result")
            #expect(events.dropLast().allSatisfy { $0.name == "progress" })
            #expect(progress.first?.data == ["stage": "step 1", "done": 0.002])
            #expect(progress.last?.data == ["stage": "step 500", "done": 1])
            // Ten a second at most: 500 reports in a tight loop cannot all be sent.
            #expect(progress.count < 500)
            let shares = progress.compactMap { $0.data?["done"]?.numberValue }
            #expect(shares == shares.sorted())
        }
    }

    @Test func aClientThatGoesAwayStopsTheEventsNotTheAction() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "a-1", "_type": "article"])])
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        // Reports, waits until the client has gone, then writes.
        let late = DocumentAction("late", title: "Late", description: "Writes after a while", types: ["article"]) { context in
            context.progress("waiting", 0.1)
            for await _ in gate { break }
            let result = try await context.mutate([.patch(try PatchMutation(json: ["id": "a-1", "set": ["note": "written"]]))])
            context.progress("written", 1)
            return ActionResult(message: "Written", transaction: result)
        }
        let lifecycle = ServerLifecycle()
        let document = try #require(dataset.document(id: "a-1"))
        let run = ActionRun(action: late, context: ActionContext(dataset: dataset, documentID: "a-1", document: document),
                            logger: Logger(label: "test"))
        let response = try ActionProgressStream(run: run, lifecycle: lifecycle, keepAliveInterval: .seconds(30)).response()
        #expect(lifecycle.openStreams == 1)
        await #expect(throws: HungUp.self) { try await response.body.write(HungUpWriter()) }
        open.yield()
        // Waits for the action, which nothing cancelled; the limit only keeps a broken run from hanging the suite.
        let deadline = ContinuousClock.now + .seconds(60)
        while lifecycle.openStreams > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(lifecycle.openStreams == 0)
        #expect(dataset.document(id: "a-1")?["note"] == "written")
    }

    @Test func aDrainingServerRefusesANewStream() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        let lifecycle = ServerLifecycle()
        #expect(await lifecycle.drain(timeLimit: .seconds(5)))
        let run = ActionRun(action: ActionRouteTests.busy, context: ActionContext(dataset: dataset, documentID: "a-1", document: ["_type": "article"]),
                            logger: Logger(label: "test"))
        #expect(throws: APIError.self) { _ = try ActionProgressStream(run: run, lifecycle: lifecycle, keepAliveInterval: .seconds(30)).response() }
        #expect(lifecycle.openStreams == 0)
    }

    /// A connection whose client hung up: every write fails.
    struct HungUp: Error {}

    struct HungUpWriter: ResponseBodyWriter {
        mutating func write(_ buffer: ByteBuffer) async throws { throw HungUp() }
        consuming func finish(_ trailingHeaders: HTTPFields?) async throws { throw HungUp() }
    }
}

/// The CRM's refresh actions over HTTP, streamed and plain, on two copies of one small demo.
@Suite("Refresh actions stream their progress", .ownThread(computing: true))
struct RefreshProgressRouteTests {
    static let dashboardID = "dashboard.clientele"

    /// A small demo CRM with a dashboard, seeded into `directory`.
    static func seed(_ directory: String) throws {
        let store = try DocumentStore(directory: directory, validator: try CRMSchema.validator())
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        let content = try CRMDemo(customers: 150, seed: 5).generate()
        for batch in DemoContent.Batch.allCases {
            let mutations = content.documents(of: batch).compactMap { $0.objectValue.map(Mutation.createOrReplace) }
            if !mutations.isEmpty { try dataset.mutate(mutations) }
        }
        try dataset.mutate([.create([
            "_id": .string(dashboardID), "_type": "analyticsDashboard", "title": "Clientele", "slug": ["_type": "slug", "current": "clientele"],
        ])])
    }

    /// The generated documents as the test compares them: without what differs between two runs
    /// by construction (revisions, timestamps).
    static func generated(_ dataset: Dataset) throws -> JSONValue {
        let documents = try dataset.query(#"*[_type in ["analyticsModel", "trendAnalysis", "analyticsDashboard"]] | order(_id asc)"#)
        let stamps: Set<String> = ["_rev", "_createdAt", "_updatedAt", "generatedAt", "lastRefreshed"]
        return .array((documents.arrayValue ?? []).map { document in
            .object((document.objectValue ?? [:]).filter { !stamps.contains($0.key) })
        })
    }

    /// An answer without its transaction id, which differs between two runs.
    static func comparable(_ answer: JSONValue?) -> JSONValue {
        .object((answer?.objectValue ?? [:]).filter { $0.key != "transactionId" })
    }

    @Test(arguments: ["refresh-predictions", "refresh-trends", "refresh-dashboard"])
    func aRefreshStreamsRisingProgressThenWritesWhatThePlainRequestWrites(action: String) async throws {
        let root = NSTemporaryDirectory() + "facet-action-progress-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try Self.seed(root + "/seed")
        try FileManager.default.copyItem(atPath: root + "/seed", toPath: root + "/plain")
        try FileManager.default.copyItem(atPath: root + "/seed", toPath: root + "/streamed")
        var answers: [String: JSONValue] = [:]
        var documents: [String: JSONValue] = [:]
        var progress: [ReceivedEvent] = []
        for copy in ["plain", "streamed"] {
            let store = try DocumentStore(directory: root + "/" + copy, validator: try CRMSchema.validator())
            defer { store.close() }
            let api = FacetAPI(store: store, schema: try CRMSchema.compile(), actions: CRMActions.all)
            let (answer, events) = try await Application(router: api.router()).test(.router) { client -> (JSONValue?, [ReceivedEvent]) in
                let body = #"{"documentId": "\#(Self.dashboardID)"}"#
                if copy == "plain" {
                    let response = try await ActionRouteTests.run(client, action, body)
                    #expect(response.status == .ok)
                    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                    return (try DataRoutes.json(response), [])
                }
                let (response, events) = try await ActionProgressRouteTests.stream(client, action, body)
                #expect(response.status == .ok)
                #expect(events.last?.name == "result")
                return (events.last?.data, events)
            }
            answers[copy] = answer
            if copy == "streamed" {
                progress = events.filter { $0.name == "progress" }
                // Keep-alive comments (no event name) may come between stages on a busy machine.
                let named = events.filter { $0.name != nil }
                #expect(progress.count == named.count - 1, "only progress before the result: \(events.map(\.name))")
            }
            documents[copy] = try Self.generated(try store.dataset("production"))
        }
        let shares = progress.compactMap { $0.data?["done"]?.numberValue }
        #expect(shares.count >= 2, "\(progress)")
        #expect(shares == shares.sorted(), "\(progress)")
        #expect((shares.last ?? 0) > (shares.first ?? 1))
        #expect(progress.allSatisfy { !($0.data?["stage"]?.stringValue ?? "").isEmpty })
        #expect(answers["streamed"]?["transactionId"]?.stringValue != nil)
        #expect(Self.comparable(answers["streamed"]) == Self.comparable(answers["plain"]))
        #expect(documents["streamed"] == documents["plain"])
        #expect((documents["plain"]?.arrayValue?.count ?? 0) > 1)
    }
}
