import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

/// Takes the caller's role from a header: lets a test speak as any role without signing in.
struct HeaderRoleAccess: AccessPolicy {
    static let role = HTTPField.Name("X-Test-Role")!
    static let staff = HTTPField.Name("X-Test-Staff")!

    func authorize(_ request: Request, context: FacetRequestContext, access: RouteAccess) async throws -> Principal? {
        guard let name = request.headers[Self.role] else { return nil }
        return Principal(id: "u-\(name)", name: "\(name)-user", role: try Role(named: name), kind: .user, staffID: request.headers[Self.staff])
    }
}

/// Each role's view and writes through the HTTP API: queries, documents, history, listeners'
/// events, exports and mutations.
@Suite struct RoleRouteTests {
    final class Fixture: Sendable {
        let directory = NSTemporaryDirectory() + "facet-role-routes-" + UUID().uuidString
        let security: SecuritySystem
        let store: DocumentStore
        let api: FacetAPI

        init() throws {
            let schema = try CRMSchema.compile()
            security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema,
                                          environment: ["FACET_ADMIN_PASSWORD": "correct horse battery staple 42"], passwordCost: 4)
            // No validator: each document holds only what a test needs.
            store = try security.documentStore(validator: nil)
            let dataset = try store.dataset("production", create: true)
            try dataset.mutate(try Mutation.list(parsing: ["mutations": [
                ["create": ["_id": "staff-ana", "_type": "staff", "name": "Ana"]],
                ["create": ["_id": "c-ana", "_type": "customer", "name": "Chloé", "email": "chloe@example.com", "assignedStaff": ["_ref": "staff-ana"]]],
                ["create": ["_id": "c-ben", "_type": "customer", "name": "Dario", "email": "dario@example.com"]],
                ["create": ["_id": "o-1", "_type": "salesOrder", "customer": ["_ref": "c-ana"], "total": 1200]],
                ["create": ["_id": "p-1", "_type": "product", "name": "Ring"]],
            ]]))
            try dataset.mutate(try Mutation.list(parsing: ["mutations": [["patch": ["id": "c-ana", "set": ["email": "chloe@maison.example"]]]]]))
            api = FacetAPI(store: store, schema: schema, access: HeaderRoleAccess(), security: security)
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func headers(_ role: String, staff: String? = nil) -> HTTPFields {
        var fields: HTTPFields = [.contentType: "application/json", HeaderRoleAccess.role: role]
        if let staff { fields[HeaderRoleAccess.staff] = staff }
        return fields
    }

    static func query(_ client: some TestClientProtocol, _ query: String, as role: String, staff: String? = nil) async throws -> JSONValue? {
        let body = JSONValue.object(["query": .string(query)]).serialized()
        let response = try await client.execute(uri: "/v1/data/query/production", method: .post, headers: headers(role, staff: staff),
                                                body: ByteBuffer(string: body))
        #expect(response.status == .ok)
        return try DataRoutes.json(response)["result"]
    }

    @Test func queriesRunOnTheRolesView() async throws {
        let f = try Fixture()
        try await Application(router: f.api.router()).test(.router) { client in
            let text = "{'emails': *[_type == 'customer'] | order(_id) .email, 'orders': count(*[_type == 'salesOrder']), 'probe': count(*[email match 'chloe*'])}"
            let result1 = try await Self.query(client, text, as: "support")
            #expect(result1 == ["emails": [nil, nil], "orders": 1, "probe": 0])
            let result2 = try await Self.query(client, text, as: "marketing")
            #expect(result2 == ["emails": [nil, nil], "orders": 0, "probe": 0])
            let result3 = try await Self.query(client, text, as: "sales", staff: "staff-ana")
            #expect(result3 == ["emails": ["chloe@maison.example", nil], "orders": 1, "probe": 1])
            let result4 = try await Self.query(client, text, as: "manager")
            #expect(result4 == ["emails": ["chloe@maison.example", "dario@example.com"], "orders": 1, "probe": 1])
        }
    }

    @Test func documentsHistoryAndMutationResultsAreRedacted() async throws {
        let f = try Fixture()
        try await Application(router: f.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/doc/production/c-ana,o-1", method: .get, headers: Self.headers("marketing"))
            var body = try DataRoutes.json(response)
            #expect(body["documents"]?.arrayValue?.count == 1)
            #expect(body["documents"]?[0]?["name"] == "Chloé" && body["documents"]?[0]?["email"] == nil)
            #expect(body["omitted"] == [["id": "o-1", "reason": "existence"]])

            response = try await client.execute(uri: "/v1/data/history/production/transactions/c-ana", method: .get, headers: Self.headers("support"))
            let lines = try DataRoutes.lines(response)
            #expect(lines.count == 2)
            let text = String(decoding: response.body.readableBytesView, as: UTF8.self)
            #expect(!text.contains("chloe@") && !text.contains("dario@"))

            let transactions = try f.store.dataset("production").transactions(documentIDs: ["c-ana"], filter: HistoryFilter())
            let revision = try #require(transactions.first?.id)
            response = try await client.execute(uri: "/v1/data/history/production/documents/c-ana?revision=\(revision)", method: .get,
                                                headers: Self.headers("support"))
            body = try DataRoutes.json(response)
            #expect(body["documents"]?[0]?["name"] == "Chloé" && body["documents"]?[0]?["email"] == nil)

            response = try await client.execute(uri: "/v1/data/mutate/production?returnDocuments=true", method: .post, headers: Self.headers("sales"),
                                                body: ByteBuffer(string: #"{"mutations": [{"patch": {"id": "c-ben", "set": {"segment": "vip"}}}]}"#))
            #expect(response.status == .ok)
            body = try DataRoutes.json(response)
            #expect(body["results"]?[0]?["document"]?["segment"] == "vip")
            #expect(body["results"]?[0]?["document"]?["email"] == nil)
            let stored = try f.store.dataset("production").document(id: "c-ben")
            #expect(stored?["email"] == "dario@example.com")
        }
    }

    @Test func aForbiddenMutationIs403NamingTypeAndOperation() async throws {
        let f = try Fixture()
        try await Application(router: f.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: Self.headers("support"),
                                                    body: ByteBuffer(string: #"{"mutations": [{"delete": {"id": "p-1"}}]}"#))
            #expect(response.status == .forbidden)
            let body = try DataRoutes.json(response)
            let item = body["error"]?["items"]?[0]?["error"]
            #expect(item?["type"] == "permissionDenied")
            #expect(item?["operation"] == "delete" && item?["documentType"] == "product")
            #expect(item?["description"] == "Role support may not delete documents of type product (\"p-1\")")

            try f.store.dataset("production").mutate(try Mutation.list(parsing: ["mutations": [
                ["create": ["_id": "drafts.c-ana", "_type": "customer", "name": "Chloé D.", "email": "chloe@maison.example", "assignedStaff": ["_ref": "staff-ana"]]],
            ]]))
            let publish = try await client.execute(uri: "/v1/data/publish/production", method: .post, headers: Self.headers("marketing"),
                                                   body: ByteBuffer(string: #"{"id": "c-ana"}"#))
            #expect(publish.status == .forbidden)
            let stillDraft = try f.store.dataset("production").document(id: "c-ana")
            #expect(stillDraft?["name"] == "Chloé")
        }
    }

    @Test func exportsHoldOnlyTheTypesARoleMayExport() async throws {
        let f = try Fixture()
        try await Application(router: f.api.router()).test(.router) { client in
            var response = try await client.execute(uri: "/v1/data/export/production", method: .get, headers: Self.headers("marketing"))
            #expect(response.status == .ok)
            #expect(Set(try DataRoutes.lines(response).compactMap { $0["_type"]?.stringValue }) == ["product"])
            response = try await client.execute(uri: "/v1/data/export/production?types=customer", method: .get, headers: Self.headers("support"))
            #expect(response.status == .forbidden)
            response = try await client.execute(uri: "/v1/data/export/production", method: .get, headers: Self.headers("manager"))
            #expect(Set(try DataRoutes.lines(response).compactMap { $0["_type"]?.stringValue }) == ["customer", "product", "salesOrder", "staff"])
            // Exports leave sealed, as the database holds them: no plaintext of a personal field.
            let text = String(decoding: response.body.readableBytesView, as: UTF8.self)
            #expect(!text.contains("chloe@maison.example") && !text.contains("Chloé") && text.contains("facet.encrypted"))
            let audited = try f.security.audit.entries(AuditFilter(actions: ["export"], limit: 10))
            #expect(audited.map(\.event.actor) == ["marketing-user", "manager-user"])
        }
    }

    /// `open=true` writes protected fields in plaintext, for an administrator alone, audited as
    /// `export-open`; every other role is refused before anything is exported or audited.
    @Test func onlyAnAdministratorExportsProtectedFieldsOpen() async throws {
        let f = try Fixture()
        try await Application(router: f.api.router()).test(.router) { client in
            for role in ["manager", "sales", "marketing", "support"] {
                let refused = try await client.execute(uri: "/v1/data/export/production?open=true", method: .get, headers: Self.headers(role))
                #expect(refused.status == .forbidden, "\(role)")
                #expect(!String(buffer: refused.body).contains("chloe@maison.example"))
            }
            #expect(try f.security.audit.entries(AuditFilter(actions: ["export", "export-open"], limit: 10)).isEmpty)
            let bad = try await client.execute(uri: "/v1/data/export/production?open=maybe", method: .get, headers: Self.headers("admin"))
            #expect(bad.status == .badRequest)

            let open = try await client.execute(uri: "/v1/data/export/production?open=true", method: .get, headers: Self.headers("admin"))
            #expect(open.status == .ok)
            let lines = try DataRoutes.lines(open)
            let chloe = lines.first { $0["_id"] == "c-ana" }
            #expect(chloe?["email"] == "chloe@maison.example" && chloe?["name"] == "Chloé")
            #expect(!String(buffer: open.body).contains("facet.encrypted"))
            let sealed = try await client.execute(uri: "/v1/data/export/production", method: .get, headers: Self.headers("admin"))
            #expect(String(buffer: sealed.body).contains("facet.encrypted") && !String(buffer: sealed.body).contains("chloe@maison.example"),
                    "sealed stays the default")
            let audited = try f.security.audit.entries(AuditFilter(actions: ["export", "export-open"], limit: 10))
            #expect(audited.map(\.event.action) == ["export-open", "export"])
            #expect(audited.first?.event.actor == "admin-user")
        }
    }

    @Test func adminsReadTheAuditLogAsDocumentsAndNobodyWritesIt() async throws {
        let f = try Fixture()
        let last = try f.store.dataset("production").transactions(documentIDs: ["c-ana"], filter: HistoryFilter(reverse: true, limit: 1)).first?.id
        try await Application(router: f.api.router()).test(.router) { client in
            let newest = try await Self.query(client, "*[_type == 'auditLog' && action == 'transaction'] | order(sequence desc)[0]{documentId, transactionId, actor}", as: "admin")
            #expect(newest == ["documentId": "c-ana", "transactionId": .string(last ?? "?"), "actor": "unknown"])
            let counted = try await Self.query(client, "count(*[_type == 'auditLog'])", as: "admin")
            #expect(counted == .number(Double(try f.security.audit.count())))
            let chained = try await Self.query(client, "*[_type == 'auditLog'] | order(sequence asc)[1]{previousHash, 'ok': length(hash) == 64}", as: "admin")
            #expect(chained?["ok"] == true && chained?["previousHash"]?.stringValue?.count == 64)
            let hidden = try await Self.query(client, "count(*[_type == 'auditLog'])", as: "manager")
            #expect(hidden == 0)
            let document = try await client.execute(uri: "/v1/data/doc/production/audit.000000000001", method: .get, headers: Self.headers("admin"))
            #expect(try DataRoutes.json(document)["documents"]?[0]?["_type"] == "auditLog")
            let write = try await client.execute(uri: "/v1/data/mutate/production", method: .post, headers: Self.headers("admin"),
                                                 body: ByteBuffer(string: #"{"mutations": [{"create": {"_id": "audit.x", "_type": "auditLog", "action": "login"}}]}"#))
            #expect(write.status == .forbidden)
        }
    }

    @Test func listenersHearOnlyWhatTheirRoleSees() async throws {
        let f = try Fixture()
        let dataset = try f.store.dataset("production")
        let support = Principal(id: "u-s", name: "s", role: .support, kind: .user)
        var options = ListenOptions(includeResult: true, includePreviousRevision: true)
        options.visibility = f.security.policy.visibility(for: support)
        let subscription = try dataset.listen("*[_type in ['customer', 'product'] || email == 'x@example.com']", options: options)
        defer { subscription.cancel() }
        try dataset.mutate(try Mutation.list(parsing: ["mutations": [
            ["patch": ["id": "c-ben", "set": ["email": "x@example.com"]]],
            ["create": ["_id": "m-9", "_type": "marketingCampaign", "name": "Hidden", "email": "x@example.com"]],
        ]]))
        var iterator = subscription.makeAsyncIterator()
        _ = await iterator.next()  // welcome
        guard case .mutation(let event)? = await iterator.next() else { Issue.record("no event"); return }
        #expect(event.documentId == "c-ben")
        #expect(event.result?["email"] == nil && event.previous?["email"] == nil && event.result?["name"] == "Dario")
        // Of the mutations, what history would show this role: the patch without the field it
        // may not see, and nothing of the campaign it may not read.
        #expect(event.mutations == [["patch": ["id": "c-ben"]]])
        #expect(event.transactionTotalEvents == 1)
    }
}
