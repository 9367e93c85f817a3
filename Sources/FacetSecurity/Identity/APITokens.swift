import Foundation
import FacetStore

/// A token a robot (an importer, a build, an integration) authenticates with, acting in a role.
public struct APIToken: Sendable, Equatable {
    public var id: String
    /// A name for people: what the token is for. One live token per name.
    public var name: String
    public var role: Role
    public var createdAt: Date
    /// When a request last carried it (to the minute), `nil` when never.
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public var isRevoked: Bool { revokedAt != nil }

    /// The token as the permission policy sees it.
    public var principal: Principal {
        Principal(id: id, name: name, role: role, kind: .apiToken)
    }
}

/// A token just created: the secret is in the open here, and nowhere else, ever again.
public struct IssuedAPIToken: Sendable {
    public var token: APIToken
    /// What the robot sends as `Authorization: Bearer <secret>`.
    public var secret: String
}

extension IdentityStore {
    /// What every API token starts with, so that one pasted into a log or a repository is
    /// recognised (and secret scanners can find it).
    public static let apiTokenPrefix = "fct_"

    /// Creates an API token acting in `role`; audited as `token-issued`. The secret is returned
    /// once; only its SHA-256 is stored.
    public func createToken(name: String, role: Role, by actor: Principal) throws(SecurityError) -> IssuedAPIToken {
        try Self.checkName(name, of: "token")
        let secret = Self.apiTokenPrefix + SecretMaterial.randomToken()
        let now = Date()
        let token = APIToken(id: SecretMaterial.identifier("tok"), name: name, role: role, createdAt: now)
        try database.write { db in
            if try db.row("SELECT 1 FROM api_tokens WHERE lower(name) = lower(?) AND revoked_at IS NULL", [name]) != nil {
                throw SecurityError(.conflict, "A token named \"\(name)\" already exists",
                                    advice: "Choose another name, or revoke the existing token first (`facet tokens revoke \(name)`).")
            }
            try db.execute("INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)", [token.id, name, role.rawValue, SecretMaterial.digest(secret), now.timeIntervalSince1970])
        }
        try audit.record(AuditEvent(action: "token-issued", actor: actor.author, actorRole: actor.role,
                                    details: ["tokenId": .string(token.id), "name": .string(name), "role": .string(role.rawValue)]))
        return IssuedAPIToken(token: token, secret: secret)
    }

    /// Every API token, revoked ones included, oldest first.
    public func tokens() throws(SecurityError) -> [APIToken] {
        try database.read { db in try db.rows("SELECT * FROM api_tokens ORDER BY created_at, id").map(Self.token) }
    }

    /// Revokes the token with the id, or the live token with the name, `idOrName`; audited as
    /// `token-revoked`. Requests carrying it are refused from now on.
    @discardableResult
    public func revokeToken(_ idOrName: String, by actor: Principal) throws(SecurityError) -> APIToken {
        let revoked = try database.write { db -> APIToken? in
            let row = try db.row("SELECT * FROM api_tokens WHERE id = ?", [idOrName])
                ?? db.row("SELECT * FROM api_tokens WHERE lower(name) = lower(?) AND revoked_at IS NULL", [idOrName])
            guard var token = row.map(Self.token) else { return nil }
            if token.revokedAt == nil {
                token.revokedAt = Date()
                try db.execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [token.revokedAt!.timeIntervalSince1970, token.id])
            }
            return token
        }
        guard let revoked else {
            throw SecurityError(.notFound, "No live token with the id or name \"\(idOrName)\"",
                                advice: "List the tokens with `facet tokens list`.")
        }
        verified.forget(principalID: revoked.id)
        try audit.record(AuditEvent(action: "token-revoked", actor: actor.author, actorRole: actor.role,
                                    details: ["tokenId": .string(revoked.id), "name": .string(revoked.name)]))
        return revoked
    }

    /// The live token whose secret is `secret`, or `nil`. Notes when it was used, at most once a
    /// minute (a write per request would cost more than the request).
    func liveToken(secret: String) throws(SecurityError) -> APIToken? {
        let digest = SecretMaterial.digest(secret)
        let token = try database.read { db in
            try db.row("SELECT * FROM api_tokens WHERE token_hash = ?", [digest]).map(Self.token)
        }
        guard let token, !token.isRevoked else { return nil }
        let now = Date()
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            _ = try? database.write { db in
                try db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now.timeIntervalSince1970, token.id])
            }
        }
        return token
    }

    static func token(_ row: SQLRow) -> APIToken {
        APIToken(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .support,
                 createdAt: Date(timeIntervalSince1970: row["created_at"]),
                 lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                 revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
    }
}
