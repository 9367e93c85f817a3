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

/// Every role × document type × write, through `POST /v1/data/mutate` (dry run, then for real)
/// and `POST /v1/data/publish`, allowed exactly when the CRM's policy says so; and no answer to
/// a role shows a sensitive value it is not cleared for.
///
/// The expectations are read from the policy object (`CRMRoles.policy`), not written out here:
/// a change to `studio-config/CRMRoles.swift` changes what is expected, and the test checks that
/// the pipeline follows. The dataset is small: one target document per role, type and (for a
/// clearance that depends on assignment) assignment, each holding a known plaintext in every
/// sensitive field.
@Suite struct AuthorizationMatrixTests {
    /// One document the matrix writes to, and what its role may do with it.
    struct Target {
        var role: Role
        var type: String
        var id: String
        var document: JSONValue
        /// The sensitive fields of the type, and the plaintext each holds.
        var plaintexts: [String: String]
    }

    static let me = "staff-me"

    static func principal(_ role: Role) -> Principal {
        // As HeaderRoleAccess builds it.
        Principal(id: "u-\(role.rawValue)", name: "\(role.rawValue)-user", role: role, kind: .user, staffID: me)
    }

    /// The targets: for each role and document type, one document; where the role's clearance
    /// depends on a reference (`assigned(via:)`), one assigned to the caller and one to a colleague.
    static func targets(_ policy: PermissionPolicy, types: [String]) -> [Target] {
        var targets: [Target] = []
        for role in Role.allCases {
            for type in types {
                var assignments: [(String, JSONValue)?] = [nil]
                if case .assigned(let field) = policy.clearance(role, type: type) {
                    assignments = [(field, ["_ref": .string(me)]), (field, ["_ref": "staff-other"])]
                }
                for (index, assignment) in assignments.enumerated() {
                    let id = "t-\(role.rawValue)-\(type)-\(index)"
                    var object: JSONObject = ["_id": .string(id), "_type": .string(type), "note": "seeded"]
                    if let assignment { object[assignment.0] = assignment.1 }
                    var plaintexts: [String: String] = [:]
                    for field in policy.sensitiveFields[type] ?? [] {
                        plaintexts[field] = "pt-\(id)-\(field)"
                        object[field] = .string("pt-\(id)-\(field)")
                    }
                    targets.append(Target(role: role, type: type, id: id, document: .object(object), plaintexts: plaintexts))
                }
            }
        }
        return targets
    }

    @Test func everyRoleTypeAndWriteIsAllowedExactlyAsThePolicySays() async throws {
        let schema = try CRMSchema.compile()
        let policy = CRMRoles.policy(schema: schema)
        let targets = Self.targets(policy, types: schema.documentTypeNames)
        let staff: [JSONValue] = [["_id": .string(Self.me), "_type": "staff", "name": "Me"], ["_id": "staff-other", "_type": "staff", "name": "Other"]]
        let f = try AuthorizationFixture(validated: false, seed: staff + targets.map(\.document))
        try await Application(router: f.api.router()).test(.router) { client in
            let started = ContinuousClock.now
            var requests = 0
            var checked: Set<String> = []
            for target in targets {
                let role = target.role, type = target.type, id = target.id
                let principal = Self.principal(role)
                func may(_ operation: DocumentPermission) -> Bool { policy.allows(role, operation, type: type) }
                let readable = may(.read)
                let cleared = target.plaintexts.isEmpty || policy.isCleared(principal, for: target.document)
                let view = policy.visibility(for: principal).map { $0.present(target.document) } ?? target.document
                // Every plaintext this role may not read, in any target.
                let forbidden = targets.flatMap { other -> [String] in
                    let sees = policy.allows(role, .read, type: other.type) && policy.isCleared(principal, for: other.document)
                    return sees ? [] : Array(other.plaintexts.values)
                }

                /// Sends `mutations` as a dry run and then for real, and checks both answers.
                func write(_ name: String, _ mutations: [JSONValue], allowed: Bool, selectsNothing: Bool = false) async throws {
                    for dryRun in [true, false] {
                        let before = try f.dataset.document(id: id)?["_rev"]
                        let answer = try await AuthorizationFixture.mutate(client, mutations, options: "returnDocuments=true&returnIds=true&dryRun=\(dryRun)",
                                                                           as: role, staff: Self.me)
                        requests += 1
                        let label = "\(role.rawValue) \(name) \(id)\(dryRun ? " (dry run)" : "")"
                        #expect(answer.status == (allowed ? .ok : .forbidden), "\(label): \(answer.text)")
                        if selectsNothing { #expect(answer.json["results"] == [], "\(label) selected \(answer.text)") }
                        if dryRun { #expect(try f.dataset.document(id: id)?["_rev"] == before, "\(label) wrote") }
                        let leaked = forbidden.filter { answer.text.contains($0) }
                        #expect(leaked.isEmpty, "\(label) showed \(leaked)")
                        checked.insert(name)
                    }
                }

                let edit = may(.update) && may(.publish)
                try await write("create", [["create": ["_id": .string("n-\(id)"), "_type": .string(type), "note": "new"]]],
                                allowed: may(.create) && may(.publish))
                try await write("createIfNotExists", [["createIfNotExists": ["_id": .string("m-\(id)"), "_type": .string(type)]]],
                                allowed: may(.create) && may(.publish))
                // A patch by query sees only what the role reads, and selects by no hidden field.
                try await write("patch by query", [["patch": ["query": .string("*[_id == \"\(id)\"]"), "set": ["note": "by query"]]]],
                                allowed: !readable || edit, selectsNothing: !readable)
                for (field, plaintext) in target.plaintexts.sorted(by: { $0.key < $1.key }) {
                    let filter = "*[_id == \"\(id)\" && \(field) == \"\(plaintext)\"]"
                    try await write("patch by query on \(field)", [["patch": ["query": .string(filter), "set": ["note": "by sensitive query"]]]],
                                    allowed: !(readable && cleared) || edit, selectsNothing: !(readable && cleared))
                }
                try await write("patch", [["patch": ["id": .string(id), "set": ["note": "patched"]]]], allowed: edit)
                // Replacing with what the role sees keeps every field only where it sees them all.
                var replacement = (view ?? ["_id": .string(id), "_type": .string(type)]).objectValue ?? [:]
                replacement["note"] = "replaced"
                try await write("createOrReplace", [["createOrReplace": .object(replacement)]], allowed: edit && cleared)
                // Taking a document into one's own clearance is refused whatever else is allowed.
                if case .assigned(let field) = policy.clearance(role, type: type), !cleared {
                    try await write("claim via \(field)", [["patch": ["id": .string(id), "set": [field: ["_ref": .string(Self.me)]]]]], allowed: false)
                }
                // A draft is the published document being edited.
                var draft = replacement
                draft["_id"] = .string("drafts.\(id)")
                try await write("draft", [["createOrReplace": .object(draft)]], allowed: may(.update))
                // Publishing a complete draft (written by admin) as the role.
                guard case .object(var full)? = try f.dataset.document(id: id) else { continue }
                full["_id"] = .string("drafts.\(id)")
                full["note"] = "to publish"
                try f.dataset.mutate([.createOrReplace(full)])
                let published = try await AuthorizationFixture.post(client, "/v1/data/publish/production", ["id": .string(id)], as: role, staff: Self.me)
                requests += 1
                #expect(published.status == (may(.read) && may(.update) && may(.publish) ? .ok : .forbidden), "\(role.rawValue) publish \(id): \(published.text)")
                #expect(forbidden.allSatisfy { !published.text.contains($0) })
                checked.insert("publish")
                for (field, _) in target.plaintexts.sorted(by: { $0.key < $1.key }) {
                    try await write("patch \(field)", [["patch": ["id": .string(id), "set": [field: "changed"]]]], allowed: edit && cleared)
                }
                try await write("delete", [["delete": ["id": .string(id)]]], allowed: may(.delete))
            }
            print("authorization matrix: \(targets.count) targets, \(requests) requests, \(checked.count) kinds of write, \(ContinuousClock.now - started)")
            #expect(checked.isSuperset(of: ["create", "createIfNotExists", "createOrReplace", "patch", "delete", "draft", "publish",
                                            "patch by query", "claim via assignedStaff", "patch email", "patch by query on email"]))
        }
    }
}
