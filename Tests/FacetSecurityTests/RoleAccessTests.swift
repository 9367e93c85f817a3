import FacetSchema
import FacetSecurity
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

/// The CRM's roles enforced where data leaves (queries on a role's view of a snapshot) and enters
/// (the mutation pipeline), on a real store.
@Suite(.ownThread()) struct RoleAccessTests {
    /// A store with two advisors, a client assigned to each, an order, an interaction, a product
    /// and a campaign. The schema is not checked, so that each document holds only what a test needs.
    final class Fixture {
        let directory = NSTemporaryDirectory() + "facet-roles-" + UUID().uuidString
        let policy: PermissionPolicy
        let store: DocumentStore
        let dataset: Dataset

        init() throws {
            policy = CRMRoles.policy(schema: try CRMSchema.compile())
            store = try DocumentStore(directory: directory)
            dataset = try store.dataset("production", create: true)
            let documents: [JSONValue] = [
                ["_id": "staff-ana", "_type": "staff", "name": "Ana"],
                ["_id": "staff-ben", "_type": "staff", "name": "Ben"],
                ["_id": "c-ana", "_type": "customer", "name": "Chloé", "email": "chloe@example.com", "phone": "+33 1 00 00 00 01",
                 "assignedStaff": ["_ref": "staff-ana"], "segment": "vip"],
                ["_id": "c-ben", "_type": "customer", "name": "Dario", "email": "dario@example.com", "birthday": "1980-02-03",
                 "assignedStaff": ["_ref": "staff-ben"], "segment": "new"],
                ["_id": "o-1", "_type": "salesOrder", "customer": ["_ref": "c-ana"], "total": 1200],
                ["_id": "i-1", "_type": "interaction", "customer": ["_ref": "c-ben"], "channel": "email"],
                ["_id": "p-1", "_type": "product", "name": "Ring"],
                ["_id": "m-1", "_type": "marketingCampaign", "name": "Spring", "products": [["_ref": "p-1", "_key": "a"]]],
            ]
            try dataset.mutate(Self.mutations(documents.map { ["create": $0] }))
        }

        static func mutations(_ list: [JSONValue]) throws(StoreError) -> [Mutation] {
            try Mutation.list(parsing: ["mutations": .array(list)])
        }

        func principal(_ role: Role, staff: String? = nil) -> Principal {
            Principal(id: "u-\(role.rawValue)", name: "\(role.rawValue)-user", role: role, kind: .user, staffID: staff)
        }

        func query(_ text: String, as principal: Principal, perspective: Perspective = .raw) throws -> JSONValue {
            try GROQQuery(text).evaluate(in: dataset.snapshot.source(perspective, visibility: policy.visibility(for: principal)))
        }

        func write(_ list: [JSONValue], as principal: Principal) throws(StoreError) {
            let mutations = try Self.mutations(list)
            var options = TransactionOptions(author: principal.author)
            options.authorizer = policy.authorizer(for: principal)
            try dataset.mutate(mutations, options: options)
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    // MARK: Reading

    @Test func supportSeesClientsWithoutSensitiveFieldsByAnyRoute() throws {
        let f = try Fixture()
        let support = f.principal(.support)
        #expect(try f.query("*[_type == 'customer'] | order(_id) {name, email, phone, birthday}", as: support)
            == [["name": "Chloé", "email": nil, "phone": nil, "birthday": nil], ["name": "Dario", "email": nil, "phone": nil, "birthday": nil]])
        // A filter on a hidden field matches nothing, so it cannot be used to probe values.
        #expect(try f.query("count(*[email == 'chloe@example.com'])", as: support) == 0)
        #expect(try f.query("count(*[defined(email) || defined(birthday) || defined(phone)])", as: support) == 0)
        #expect(try f.query("*[_type == 'salesOrder'][0].customer->email", as: support) == nil)
        #expect(try f.query("*[_id == 'staff-ana'][0]{'clients': *[_type == 'customer' && references(^._id)]{email, name}}", as: support)
            == ["clients": [["email": nil, "name": "Chloé"]]])
        // Types support may not read are absent altogether: count, references and -> all agree.
        #expect(try f.query("count(*[_type == 'marketingCampaign'])", as: support) == 0)
        #expect(try f.query("*[references('p-1')]._id", as: support) == [])
        // The unrestricted view still has everything.
        #expect(try GROQQuery("count(*[email == 'chloe@example.com'])").evaluate(in: f.dataset.snapshot.source(.raw)) == 1)
    }

    @Test func salesSeeSensitiveFieldsOfTheirOwnClientsOnly() throws {
        let f = try Fixture()
        let ana = f.principal(.sales, staff: "staff-ana")
        #expect(try f.query("*[_type == 'customer'] | order(_id) {_id, email}", as: ana)
            == [["_id": "c-ana", "email": "chloe@example.com"], ["_id": "c-ben", "email": nil]])
        let ben = f.principal(.sales, staff: "staff-ben")
        #expect(try f.query("*[_type == 'customer'] | order(_id) {_id, email, birthday}", as: ben)
            == [["_id": "c-ana", "email": nil, "birthday": nil], ["_id": "c-ben", "email": "dario@example.com", "birthday": "1980-02-03"]])
        // An advisor without a staff record sees no client's sensitive fields.
        #expect(try f.query("count(*[defined(email)])", as: f.principal(.sales)) == 0)
        // Sales read orders and interactions, not campaigns.
        #expect(try f.query("count(*[_type in ['salesOrder', 'interaction']])", as: ana) == 2)
        #expect(try f.query("count(*[_type == 'marketingCampaign'])", as: ana) == 1)
    }

    @Test func marketingSeesTheCatalogueAndClientsWithoutSensitiveFieldsButNoOrders() throws {
        let f = try Fixture()
        let marketing = f.principal(.marketing)
        #expect(try f.query("count(*[_type == 'salesOrder'])", as: marketing) == 0)
        #expect(try f.query("count(*[_type == 'interaction'])", as: marketing) == 0)
        #expect(try f.query("*[references('c-ana')]._id", as: marketing) == [])
        #expect(try f.query("*[_type == 'marketingCampaign'][0].products[0]->name", as: marketing) == "Ring")
        #expect(try f.query("count(*[_type == 'customer' && defined(email)])", as: marketing) == 0)
        #expect(try f.query("count(*[_type == 'customer'])", as: marketing) == 2)
    }

    @Test func managersAndAdminsSeeEverything() throws {
        let f = try Fixture()
        for role in [Role.admin, .manager] {
            #expect(f.policy.visibility(for: f.principal(role)) == nil)
            #expect(try f.query("count(*[defined(email)])", as: f.principal(role)) == 2)
        }
    }

    @Test func aRolesViewFollowsLaterWritesAndDrafts() throws {
        let f = try Fixture()
        let support = f.principal(.support)
        _ = try f.query("count(*)", as: support)
        try f.dataset.mutate(Fixture.mutations([["createOrReplace": ["_id": "drafts.c-ana", "_type": "customer", "name": "Chloé B.", "email": "new@example.com"]]]))
        #expect(try f.query("*[_id == 'c-ana'][0]{name, email}", as: support, perspective: .drafts) == ["name": "Chloé B.", "email": nil])
        #expect(try f.query("count(*[email == 'new@example.com'])", as: support, perspective: .drafts) == 0)
        #expect(try f.query("count(*[_type == 'customer'])", as: support, perspective: .published) == 2)
    }

    // MARK: Writing

    /// Who may do what, as the CRM's roles describe it: an explicit table, not derived from the policy.
    static let matrix: [(role: Role, type: String, allowed: Set<String>)] = [
        (.admin, "customer", ["create", "update", "publish", "delete"]),
        (.admin, "product", ["create", "update", "publish", "delete"]),
        (.manager, "customer", ["create", "update", "publish", "delete"]),
        (.manager, "analyticsModel", ["create", "update", "publish", "delete"]),
        (.sales, "customer", ["create", "update", "publish"]),
        (.sales, "salesOrder", ["create", "update", "publish", "delete"]),
        (.sales, "interaction", ["create", "update", "publish", "delete"]),
        (.sales, "product", []),
        (.sales, "marketingCampaign", []),
        (.marketing, "product", ["create", "update", "publish", "delete"]),
        (.marketing, "collection", ["create", "update", "publish", "delete"]),
        (.marketing, "marketingCampaign", ["create", "update", "publish", "delete"]),
        (.marketing, "creativeExpression", ["create", "update", "publish", "delete"]),
        (.marketing, "customer", []),
        (.marketing, "salesOrder", []),
        (.support, "interaction", ["create", "update", "publish"]),
        (.support, "customer", []),
        (.support, "salesOrder", []),
        (.support, "product", []),
    ]

    @Test(arguments: matrix.indices)
    func roleTypeOperationMatrix(_ row: Int) throws {
        let (role, type, allowed) = Self.matrix[row]
        let f = try Fixture()
        let who = f.principal(role, staff: "staff-ana")
        let id = "matrix-\(type)"
        // Seeds are written unrestricted; each operation is then tried as the role.
        func attempt(_ operation: String, _ mutations: [JSONValue]) {
            do {
                try f.write(mutations, as: who)
                #expect(allowed.contains(operation), "\(role) was allowed to \(operation) \(type)")
            } catch {
                #expect(!allowed.contains(operation), "\(role) was refused \(operation) on \(type): \(error.message)")
                #expect(error.kind == .forbidden && error.status == 403)
                #expect(error.message.contains(type) && error.message.contains(operation == "create" && !allowed.contains("create") ? "create" : operation))
            }
        }
        // create: a draft (publishing is its own permission).
        attempt("create", [["create": ["_id": .string("drafts.\(id)"), "_type": .string(type), "assignedStaff": ["_ref": "staff-ana"]]]])
        try f.dataset.mutate(Fixture.mutations([["createOrReplace": ["_id": .string("drafts.\(id)-u"), "_type": .string(type), "assignedStaff": ["_ref": "staff-ana"]]]]))
        attempt("update", [["patch": ["id": .string("drafts.\(id)-u"), "set": ["title": "changed"]]]])
        try f.dataset.mutate(Fixture.mutations([["createOrReplace": ["_id": .string("drafts.\(id)-p"), "_type": .string(type), "assignedStaff": ["_ref": "staff-ana"]]]]))
        do {
            var options = TransactionOptions(author: who.author)
            options.authorizer = f.policy.authorizer(for: who)
            try f.dataset.publish(id: "\(id)-p", options: options)
            #expect(allowed.contains("publish"), "\(role) was allowed to publish \(type)")
        } catch {
            #expect(!allowed.contains("publish"), "\(role) was refused publish on \(type): \(error.message)")
            #expect(error.kind == .forbidden)
        }
        try f.dataset.mutate(Fixture.mutations([["createOrReplace": ["_id": .string("\(id)-d"), "_type": .string(type), "assignedStaff": ["_ref": "staff-ana"]]]]))
        attempt("delete", [["delete": ["id": .string("\(id)-d")]]])
    }

    @Test func aRefusalNamesTheTypeAndOperationAndWritesNothing() throws {
        let f = try Fixture()
        let support = f.principal(.support)
        let before = f.dataset.snapshot.sequence
        do {
            try f.write([["create": ["_id": "i-2", "_type": "interaction", "channel": "phone"]], ["delete": ["id": "p-1"]]], as: support)
            Issue.record("support deleted a product")
        } catch {
            #expect(error.kind == .forbidden)
            #expect(error.type == "permissionDenied")
            #expect(error.message == "Role support may not delete documents of type product (\"p-1\")")
            #expect(error.details["operation"] == "delete" && error.details["documentType"] == "product")
        }
        #expect(f.dataset.snapshot.sequence == before)
        #expect(f.dataset.document(id: "i-2") == nil && f.dataset.document(id: "p-1") != nil)
    }

    @Test func aRoleMayNotChangeSensitiveFieldsItCannotSee() throws {
        let f = try Fixture()
        let ana = f.principal(.sales, staff: "staff-ana")
        // Her own client: allowed.
        try f.write([["patch": ["id": "c-ana", "set": ["email": "chloe@maison.example"]]]], as: ana)
        #expect(f.dataset.document(id: "c-ana")?["email"] == "chloe@maison.example")
        // Ben's client: the other fields yes, the sensitive ones no, and a whole-document
        // replacement that lacks them would erase them, so it is refused too.
        try f.write([["patch": ["id": "c-ben", "set": ["segment": "returning"]]]], as: ana)
        #expect(throws: StoreError.self) {
            try f.write([["patch": ["id": "c-ben", "set": ["email": "x@example.com"]]]], as: ana)
        }
        #expect(throws: StoreError.self) {
            try f.write([["createOrReplace": ["_id": "c-ben", "_type": "customer", "name": "Dario"]]], as: ana)
        }
        #expect(f.dataset.document(id: "c-ben")?["email"] == "dario@example.com")
    }

    @Test func theAuditLogIsReadOnlyForEveryRole() throws {
        let f = try Fixture()
        for role in Role.allCases {
            #expect(throws: StoreError.self) {
                try f.write([["create": ["_id": "audit.1", "_type": "auditLog", "action": "login"]]], as: f.principal(role))
            }
        }
        #expect(f.policy.allows(.admin, .read, type: "auditLog"))
    }
}
