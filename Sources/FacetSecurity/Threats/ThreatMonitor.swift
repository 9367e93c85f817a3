import GRDB

/// Watches requests for abuse and records security events.
public final class ThreatMonitor: Sendable {
    let database: SecurityDatabase
    let audit: AuditLog

    public init(database: SecurityDatabase, audit: AuditLog) {
        self.database = database
        self.audit = audit
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {}
}

extension ThreatMonitor {
    /// Throws `throttled` (with `retryAfter`) while `username` or `address` is locked out after
    /// failed sign-ins.
    public func checkLogin(username: String, address: String?) throws(SecurityError) {}
    /// A failed sign-in: counts towards the lock-out of the account and of the address, audited.
    public func loginFailed(username: String, address: String?) {}
    /// A successful sign-in: clears the account's failure count.
    public func loginSucceeded(username: String, address: String?) {}
}
