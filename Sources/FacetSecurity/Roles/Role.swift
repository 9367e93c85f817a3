/// The five roles of Facet, from most to least trusted.
///
/// What each may do is data (``PermissionPolicy``), declared by the content model's
/// `studio-config/`; the roles themselves are fixed so that tokens, users and policies agree.
public enum Role: String, Sendable, CaseIterable, Codable, Comparable {
    /// Everything, including users, keys and the audit log.
    case admin
    /// All content, sensitive fields, publishing and analytics; no user administration.
    case manager
    /// Client advisors: their clients, orders and interactions.
    case sales
    /// Products, collections, campaigns and creative work.
    case marketing
    /// Reads clients, records interactions.
    case support

    /// Parses a role name, with advice naming the five when it is not one of them.
    public init(named name: String) throws(SecurityError) {
        guard let role = Role(rawValue: name.lowercased()) else {
            throw SecurityError(.invalid, "Unknown role \"\(name)\"",
                                advice: "Use one of: \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        self = role
    }

    private var rank: Int { Role.allCases.firstIndex(of: self)! }
    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
}

/// Who is asking: a signed-in user, an API token, or Facet itself (the command line on the
/// server's own machine, a migration).
public struct Principal: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case user
        case apiToken
        case system
    }

    /// The user's or token's stable id.
    public var id: String
    /// The user name or token name.
    public var name: String
    public var role: Role
    public var kind: Kind
    /// The `staff` document this user is, for rules such as "the clients assigned to me".
    public var staffID: String?

    public init(id: String, name: String, role: Role, kind: Kind, staffID: String? = nil) {
        self.id = id
        self.name = name
        self.role = role
        self.kind = kind
        self.staffID = staffID
    }

    /// How history and the audit log name this principal.
    public var author: String {
        switch kind {
        case .user, .system: name
        case .apiToken: "token:\(name)"
        }
    }

    /// Facet acting on its own behalf (`facet` commands run on the data directory's machine).
    public static func system(_ name: String = "facet") -> Principal {
        Principal(id: "system:\(name)", name: name, role: .admin, kind: .system)
    }
}
