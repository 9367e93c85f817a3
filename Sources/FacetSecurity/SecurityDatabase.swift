import FacetStore
import Foundation

/// Where the security layer keeps users, tokens, signing and data keys, security events and the
/// audit log: its own SQLite file (`security.sqlite` in the data directory) on one machine, or
/// the records of the PostgreSQL database every server shares.
///
/// It is kept apart from the content datasets on purpose: no GROQ query, export or dataset
/// operation can reach it.
///
/// ```swift
/// let local = try SecurityDatabase(directory: "./facet-data")
/// let shared = try SecurityDatabase(records: postgresBackend.records(), directory: "./facet-data")
/// ```
public final class SecurityDatabase: Sendable {
    /// Where the records are, for messages.
    public let path: String
    /// The data directory: where the master key file and the audit checkpoints are kept, which
    /// stay on each machine whichever database holds the records.
    public let directory: String
    /// The tables themselves, for tools and tests that reach past the security layer.
    public let records: any RelationalDatabase

    /// The security tables in `records`, brought up to date; `directory` is the data directory.
    public init(records: any RelationalDatabase, directory: String) throws(SecurityError) {
        self.records = records
        self.directory = directory
        path = records.location
        do {
            try records.migrate(Self.tables)
        } catch {
            throw Self.failure(error, doing: "Cannot open the security records",
                               advice: "Check that the data directory is writable and the file is Facet's, or that the database answers.")
        }
    }

    /// Opens (creating when missing) the SQLite file at `path`, with mode 0600. Deleted rows are
    /// zeroed, so that a destroyed data key leaves nothing in the file.
    public convenience init(path: String) throws(SecurityError) {
        let file: SQLiteRecords
        do { file = try SQLiteRecords(path: path, secureDelete: true) } catch {
            throw SecurityError(.storage, "Cannot open the security database \(path): \(error.message)",
                                advice: "Check that the data directory is writable and the file is Facet's.")
        }
        try self.init(records: file, directory: (path as NSString).deletingLastPathComponent)
    }

    /// The database in `directory`.
    public convenience init(directory: String) throws(SecurityError) {
        try self.init(path: (directory as NSString).appendingPathComponent("security.sqlite"))
    }

    /// Every module's tables, in the order they were first released.
    static var tables: [TableStep] {
        IdentityStore.tables + SigningKeys.tables + SessionAuthority.tables + DataKeyring.tables + AuditLog.tables + ThreatMonitor.tables
    }

    var dialect: SQLDialect { records.dialect }

    /// Runs `body` in a write transaction.
    func write<T>(_ body: (any RelationalTransaction) throws -> T) throws(SecurityError) -> T {
        do { return try records.write(body) } catch {
            throw Self.failure(error, doing: "The security database failed")
        }
    }

    /// Runs `body` on a consistent read.
    func read<T>(_ body: (any RelationalTransaction) throws -> T) throws(SecurityError) -> T {
        do { return try records.read(body) } catch {
            throw Self.failure(error, doing: "The security database failed")
        }
    }

    /// `error` as the security layer reports it: its own errors unchanged, a database out of
    /// reach as `unavailable` (503, tried again by clients), anything else as `storage`.
    static func failure(_ error: any Error, doing what: String, advice: String? = nil) -> SecurityError {
        switch error {
        case let error as SecurityError:
            return error
        case let error as StoreError where error.kind == .unavailable:
            return SecurityError(.unavailable, "\(what): \(error.message)", advice: error.advice, retryAfter: 5)
        case let error as StoreError:
            return SecurityError(.storage, "\(what): \(error.message)", advice: advice ?? error.advice)
        default:
            return SecurityError(.storage, "\(what): \(error)", advice: advice)
        }
    }
}
