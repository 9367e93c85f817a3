/// Signs in users and checks their tokens: access tokens (JWT), refresh tokens, API tokens.
public final class SessionAuthority: Sendable {
    let database: SecurityDatabase
    let identities: IdentityStore
    let audit: AuditLog

    public init(database: SecurityDatabase, identities: IdentityStore, audit: AuditLog) {
        self.database = database
        self.identities = identities
        self.audit = audit
    }
}
