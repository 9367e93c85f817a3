import FacetStore
import GROQ

/// What a role may do with a type of document.
public enum DocumentPermission: String, Sendable, CaseIterable, Codable {
    case read, create, update, delete, publish, export
    /// Run the type's document actions (the analytics).
    case action
}

/// Whether a role sees and may change a type's sensitive fields.
public enum SensitiveClearance: Sendable, Equatable {
    /// Never: the fields are removed before any query sees the document.
    case none
    /// Always.
    case all
    /// Only on documents whose reference field `field` points at the user's own `staff` document
    /// (a client advisor's own clients).
    case assigned(via: String)
}

/// Administration beyond documents.
public enum Capability: String, Sendable, CaseIterable, Codable {
    /// Users, their roles and API tokens.
    case users
    /// Encryption keys and their rotation.
    case keys
    /// The audit log and security events.
    case audit
    /// Creating and deleting datasets.
    case datasets
    /// GDPR export and erasure of a person's data.
    case gdpr
}

/// Operations on some document types, granted to a role.
public struct Grant: Sendable, Equatable {
    /// Type names; `"*"` is every type.
    public var types: [String]
    public var operations: Set<DocumentPermission>
    public var sensitive: SensitiveClearance

    public init(_ types: [String], _ operations: Set<DocumentPermission>, sensitive: SensitiveClearance = .none) {
        self.types = types
        self.operations = operations
        self.sensitive = sensitive
    }

    /// Every operation.
    public static let everything = Set(DocumentPermission.allCases)
    /// Read, create, update, delete and publish: what an editor of a type does.
    public static let edit: Set<DocumentPermission> = [.read, .create, .update, .delete, .publish]
}

/// One role's permissions: grants by type, and administration capabilities.
public struct RolePermissions: Sendable, Equatable {
    public var role: Role
    public var grants: [Grant]
    public var capabilities: Set<Capability>

    public init(_ role: Role, capabilities: Set<Capability> = [], grants: [Grant]) {
        self.role = role
        self.grants = grants
        self.capabilities = capabilities
    }
}

/// Who may do what, for every role: the data a content model's `studio-config/` declares, and
/// the rules that enforce it where data leaves (queries, documents, listeners, exports) and
/// enters (the mutation pipeline).
///
/// ```swift
/// let policy = PermissionPolicy([
///     RolePermissions(.admin, capabilities: Set(Capability.allCases), grants: [Grant(["*"], Grant.everything, sensitive: .all)]),
///     RolePermissions(.support, grants: [Grant(["customer"], [.read]), Grant(["interaction"], Grant.edit)]),
/// ], sensitiveFields: schema.sensitiveFields, readOnlyTypes: ["auditLog"])
/// let source = snapshot.source(.published, visibility: policy.visibility(for: principal))
/// ```
public struct PermissionPolicy: Sendable {
    public let roles: [Role: RolePermissions]
    /// Top-level sensitive fields by type (``FacetSchema/Schema/sensitiveFields``).
    public let sensitiveFields: [String: [String]]
    /// Types that no role writes: the system writes them (the audit log).
    public let readOnlyTypes: Set<String>

    /// What each role may do with each type it names, and with any other type (`"*"`), worked
    /// out once: the checks run for every document a restricted query sees.
    private let rights: [Role: RoleRights]

    private struct TypeRights: Sendable {
        var operations: Set<DocumentPermission> = []
        var clearance = SensitiveClearance.none
    }

    private struct RoleRights: Sendable {
        var byType: [String: TypeRights] = [:]
        var otherTypes = TypeRights()
        /// Reads every type whole: its queries need no restricted view.
        var seesEverything = false
        /// Some clearance depends on the staff member (`assigned`), so its view is per person.
        var personal = false
        func rights(_ type: String) -> TypeRights { byType[type] ?? otherTypes }
    }

    public init(_ roles: [RolePermissions], sensitiveFields: [String: [String]], readOnlyTypes: Set<String> = []) {
        var byRole: [Role: RolePermissions] = [:]
        for permissions in roles { byRole[permissions.role, default: RolePermissions(permissions.role, grants: [])].merge(permissions) }
        self.roles = byRole
        self.sensitiveFields = sensitiveFields
        self.readOnlyTypes = readOnlyTypes
        var rights: [Role: RoleRights] = [:]
        for (role, permissions) in byRole {
            var table = RoleRights()
            table.otherTypes = Self.combine(permissions.grants.filter { $0.types.contains("*") }, readOnly: false)
            table.seesEverything = permissions.grants.contains { $0.types.contains("*") && $0.operations.contains(.read) && $0.sensitive == .all }
            table.personal = permissions.grants.contains { if case .assigned = $0.sensitive { true } else { false } }
            for type in Set(permissions.grants.flatMap(\.types).filter { $0 != "*" }).union(readOnlyTypes) {
                table.byType[type] = Self.combine(permissions.grants.filter { $0.types.contains(type) || $0.types.contains("*") },
                                                  readOnly: readOnlyTypes.contains(type))
            }
            rights[role] = table
        }
        self.rights = rights
    }

    /// The union of `grants`' operations, and the widest clearance of those that allow reading.
    private static func combine(_ grants: [Grant], readOnly: Bool) -> TypeRights {
        var rights = TypeRights()
        for grant in grants {
            rights.operations.formUnion(grant.operations)
            guard grant.operations.contains(.read) else { continue }
            switch (rights.clearance, grant.sensitive) {
            case (.all, _), (_, .none): break
            case (_, .all): rights.clearance = .all
            case (.none, .assigned), (.assigned, .assigned): rights.clearance = grant.sensitive
            }
        }
        if readOnly { rights.operations.formIntersection([.read, .export]) }
        return rights
    }

    /// Whether `role` may do `operation` on documents of `type`.
    public func allows(_ role: Role, _ operation: DocumentPermission, type: String) -> Bool {
        guard let table = rights[role] else { return false }
        if operation != .read, operation != .export, readOnlyTypes.contains(type) { return false }
        return table.rights(type).operations.contains(operation)
    }

    /// How far `role` sees `type`'s sensitive fields (the widest of its grants that allow reading).
    public func clearance(_ role: Role, type: String) -> SensitiveClearance {
        rights[role]?.rights(type).clearance ?? .none
    }

    /// Whether `role` has an administration capability.
    public func allows(_ role: Role, _ capability: Capability) -> Bool {
        roles[role]?.capabilities.contains(capability) ?? false
    }

    /// Whether `role` reads every document whole, so that its queries need no restricted view.
    public func seesEverything(_ role: Role) -> Bool {
        rights[role]?.seesEverything ?? false
    }

    /// Whether what `role` sees depends on who the staff member is (an `assigned` clearance).
    func seesPerPerson(_ role: Role) -> Bool {
        rights[role]?.personal ?? false
    }

    /// What `principal` may see of a dataset; `nil` when it sees everything.
    public func visibility(for principal: Principal) -> (any DocumentVisibility)? {
        seesEverything(principal.role) ? nil : RoleVisibility(policy: self, principal: principal)
    }

    /// The check the mutation pipeline runs on `principal`'s transactions.
    public func authorizer(for principal: Principal) -> any TransactionAuthorizing {
        RoleAuthorizer(policy: self, principal: principal)
    }

    /// Whether `principal` is cleared for the sensitive fields of `document`.
    public func isCleared(_ principal: Principal, for document: JSONValue) -> Bool {
        guard let type = document["_type"]?.stringValue else { return false }
        switch clearance(principal.role, type: type) {
        case .all: return true
        case .none: return false
        case .assigned(let field):
            guard let staff = principal.staffID, let ref = document[field]?["_ref"]?.stringValue else { return false }
            return ref == staff || ref == DocumentID.published(of: staff)
        }
    }

    /// The sensitive fields of `document`'s type that `principal` may not see in it (whether
    /// `document` holds them or not).
    public func hiddenFields(of document: JSONValue, for principal: Principal) -> Set<String> {
        guard let type = document["_type"]?.stringValue, let fields = sensitiveFields[type], !fields.isEmpty,
              !isCleared(principal, for: document) else { return [] }
        return Set(fields)
    }

    /// `document` without the sensitive fields `principal` may not see.
    public func redacted(_ document: JSONValue, for principal: Principal) -> JSONValue {
        guard case .object(var object) = document, let type = object["_type"]?.stringValue,
              let fields = sensitiveFields[type], !isCleared(principal, for: document) else { return document }
        for field in fields { object.removeValue(forKey: field) }
        return .object(object)
    }

    /// The policy as JSON, for the studio (what to offer) and `GET /v1/auth/me`.
    public func json(for role: Role) -> JSONValue {
        var types: JSONObject = [:]
        // Read-only types are named too: the studio learns from them that nothing may write them,
        // whatever a grant of every type ("*") would otherwise say.
        let named = Set((roles[role]?.grants ?? []).flatMap(\.types)).union(readOnlyTypes).subtracting(["*"]).sorted()
        for type in named + ["*"] {
            let operations = DocumentPermission.allCases.filter { allows(role, $0, type: type) }.map { JSONValue.string($0.rawValue) }
            guard !operations.isEmpty else { continue }
            let sensitive: JSONValue = switch clearance(role, type: type) {
            case .all: "all"
            case .none: "none"
            case .assigned(let field): .string("assigned:\(field)")
            }
            types[type] = ["operations": .array(operations), "sensitive": sensitive]
        }
        let capabilities = Capability.allCases.filter { allows(role, $0) }.map { JSONValue.string($0.rawValue) }
        return ["role": .string(role.rawValue), "types": .object(types), "capabilities": .array(capabilities)]
    }
}

extension RolePermissions {
    mutating func merge(_ other: RolePermissions) {
        grants += other.grants
        capabilities.formUnion(other.capabilities)
    }
}

/// A role's view of a dataset: unreadable documents hidden, uncleared sensitive fields removed.
struct RoleVisibility: DocumentVisibility {
    let policy: PermissionPolicy
    let principal: Principal

    /// Per role, and per staff member where a clearance depends on assignment.
    var viewKey: String {
        policy.seesPerPerson(principal.role) ? principal.role.rawValue + ":" + (principal.staffID ?? "-") : principal.role.rawValue
    }

    func present(_ document: JSONValue) -> JSONValue? {
        guard let type = document["_type"]?.stringValue, policy.allows(principal.role, .read, type: type) else { return nil }
        return policy.redacted(document, for: principal)
    }
}
