import Foundation
import GRDB

/// The security layer's own SQLite file (`security.sqlite` in the data directory): users,
/// tokens, signing and data keys, security events and the audit log.
///
/// It is kept apart from the content datasets on purpose: no GROQ query, export or dataset
/// operation can reach it.
public final class SecurityDatabase: Sendable {
    public let path: String
    let pool: DatabasePool

    /// Opens (creating when missing) the file at `path`, with mode 0600.
    public init(path: String) throws(SecurityError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        do {
            let existed = FileManager.default.fileExists(atPath: path)
            pool = try DatabasePool(path: path, configuration: configuration)
            if !existed { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
            try Self.migrator.migrate(pool)
        } catch {
            throw SecurityError(.storage, "Cannot open the security database \(path): \(error)",
                                advice: "Check that the data directory is writable and the file is Facet's.")
        }
    }

    /// The database in `directory`.
    public convenience init(directory: String) throws(SecurityError) {
        try self.init(path: (directory as NSString).appendingPathComponent("security.sqlite"))
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        IdentityStore.registerMigrations(in: &migrator)
        FieldEncryption.registerMigrations(in: &migrator)
        AuditLog.registerMigrations(in: &migrator)
        ThreatMonitor.registerMigrations(in: &migrator)
        return migrator
    }

    /// Runs `body` in a write transaction.
    func write<T>(_ body: (Database) throws -> T) throws(SecurityError) -> T {
        do { return try pool.write(body) } catch let error as SecurityError { throw error } catch {
            throw SecurityError(.storage, "The security database failed: \(error)")
        }
    }

    /// Runs `body` on a consistent read.
    func read<T>(_ body: (Database) throws -> T) throws(SecurityError) -> T {
        do { return try pool.read(body) } catch let error as SecurityError { throw error } catch {
            throw SecurityError(.storage, "The security database failed: \(error)")
        }
    }
}
