import GRDB

/// Users and API tokens, kept in the security database.
public final class IdentityStore: Sendable {
    let database: SecurityDatabase

    public init(database: SecurityDatabase) {
        self.database = database
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {}
}
