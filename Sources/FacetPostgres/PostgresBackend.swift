import FacetStore
import Logging
import PostgresNIO
import Synchronization

/// The server backend: every dataset in one PostgreSQL database, which any number of Facet
/// processes share.
///
/// Each dataset is a row of `facet_datasets`; its documents, transactions and revisions are
/// rows keyed by that row. Commits to a dataset take turns on its row, so the sequence of
/// transactions, `ifRevisionID` and uniqueness hold across every server; each commit sends a
/// notice (`facet_commits`, carrying the dataset and the sequence number) that wakes the
/// other servers to catch up from the transaction log.
///
/// ```swift
/// let backend = try PostgresBackend(location: PostgresLocation(url: "postgres://facet@127.0.0.1/facet"))
/// let store = DocumentStore(backend: backend)
/// ```
public final class PostgresBackend: StorageBackend {
    /// The database.
    public let location: PostgresLocation
    let connections: PostgresConnections

    /// Whether Facet's tables were checked (and made or brought up to date) since start.
    private let ready = Mutex(false)

    /// Connects and brings Facet's tables up to date (creating them in an empty database).
    ///
    /// A database that cannot be reached yet is not an error here: a server starts anyway, and
    /// each use of the backend tries again, failing with `unavailable` (503) until the database
    /// answers. A database whose tables a newer Facet wrote is refused at once.
    public init(location: PostgresLocation, logger: Logger = Logger(label: "facet.postgres")) throws(StoreError) {
        self.location = location
        connections = PostgresConnections(location: location, logger: logger)
        do { try ensureReady() } catch where error.kind == .unavailable {}
    }

    /// Checks Facet's tables once, on the first use that reaches the database.
    private func ensureReady() throws(StoreError) {
        guard !ready.withLock({ $0 }) else { return }
        // Servers starting together may both get here: the migration takes turns in the
        // database and does nothing the second time.
        try PostgresSchema.migrate(connections)
        ready.withLock { $0 = true }
    }

    /// Whether the database answers now; the reason when it does not (for `/health`).
    public func reachability() -> StoreError? {
        do {
            try ensureReady()
            _ = try connections.withConnection { connection in try connection.run("SELECT 1") }
            return nil
        } catch {
            return error
        }
    }

    /// The channel each commit is announced on: one per schema, so that Facets sharing a
    /// database in separate schemas do not wake each other.
    public var commitChannel: String { Self.commitChannel(schema: location.schema) }

    static func commitChannel(schema: String?) -> String {
        schema.map { "facet_commits_" + $0 } ?? "facet_commits"
    }

    public func datasetNames() throws(StoreError) -> [String] {
        try ensureReady()
        return try connections.withConnection { connection in
            try connection.run("SELECT name FROM facet_datasets WHERE name IS NOT NULL ORDER BY name").map { try $0.decode(String.self) }
        }
    }

    public func openDataset(_ name: String, create: Bool) throws(StoreError) -> any DatasetStorage {
        try SQLiteBackend.validateName(name)
        try ensureReady()
        let key: Int64? = try connections.withConnection { connection in
            if create {
                try connection.run("INSERT INTO facet_datasets (name) VALUES (\(name)) ON CONFLICT (name) DO NOTHING")
            }
            return try connection.run("SELECT key FROM facet_datasets WHERE name = \(name)").first.map { try $0.decode(Int64.self) }
        }
        guard let key else {
            throw StoreError(.notFound, type: "datasetNotFoundError", message: "Dataset \"\(name)\" not found",
                             advice: "Create it with `facet dataset create \(name)`, or list datasets with `facet dataset list`.")
        }
        return PostgresDatasetStorage(connections: connections, key: key, name: name)
    }

    public func deleteDataset(_ name: String) throws(StoreError) {
        try SQLiteBackend.validateName(name)
        try ensureReady()
        let deleted = try connections.withConnection { connection in
            try connection.run("DELETE FROM facet_datasets WHERE name = \(name)").metadata.rows ?? 0
        }
        guard deleted > 0 else {
            throw StoreError(.notFound, type: "datasetNotFoundError", message: "Dataset \"\(name)\" not found",
                             advice: "List datasets with `facet dataset list`.")
        }
    }

    public func stageDataset(_ name: String) throws(StoreError) -> any StagedDataset {
        try SQLiteBackend.validateName(name)
        try ensureReady()
        let key = try connections.withConnection { connection in
            // A staged dataset untouched for an hour was left by a process that died while
            // importing it: the next import of the same name removes it.
            try connection.run("DELETE FROM facet_datasets WHERE name IS NULL AND staged_as = \(name) AND touched_at < now() - interval '1 hour'")
            return try connection.run("INSERT INTO facet_datasets (name, staged_as) VALUES (NULL, \(name)) RETURNING key").first
                .map { try $0.decode(Int64.self) } ?? 0
        }
        return StagedPostgresDataset(connections: connections, key: key, name: name)
    }

    /// Leases are rows of `facet_leases`, timed by the database's clock, so that servers whose
    /// clocks disagree still agree on when a lease runs out.
    public func lease(_ name: String, holder: String, for duration: Duration) throws(StoreError) -> Bool {
        try ensureReady()
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return try connections.withConnection { connection in
            try connection.run("""
                INSERT INTO facet_leases (name, holder, expires_at) VALUES (\(name), \(holder), now() + \(seconds) * interval '1 second')
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE facet_leases.holder = excluded.holder OR facet_leases.expires_at <= now()
                RETURNING holder
                """).first != nil
        }
    }

    /// Removes the schema the URL names (`schema=`), with every table and dataset in it: for
    /// benchmarks and tests that work in a schema of their own. Refused without a `schema=`, so
    /// that nothing else in the database can be removed by it.
    public func dropSchema() throws(StoreError) {
        guard let schema = location.schema else {
            throw StoreError(.invalid, type: "validationError", message: "The database URL names no schema to remove",
                             advice: "Give schema= in the URL; only a schema of Facet's own is removed.")
        }
        _ = try connections.withConnection { connection in
            // The name is checked to be a plain lowercase identifier (see PostgresLocation).
            try connection.run(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"))
            try connection.run(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(PostgresRecords.schema(besides: schema)) CASCADE"))
        }
        ready.withLock { $0 = false }
    }

    /// Closes the connections; the backend is not used again.
    public func close() {
        connections.shutdown()
    }
}

/// A dataset row without a name, which `publish` names.
private struct StagedPostgresDataset: StagedDataset {
    let connections: PostgresConnections
    let key: Int64
    let name: String

    var storage: any DatasetStorage { PostgresDatasetStorage(connections: connections, key: key, name: nil) }

    func publish() throws(StoreError) {
        do {
            try connections.withConnection { connection in
                do {
                    try connection.run("UPDATE facet_datasets SET name = \(name), staged_as = NULL WHERE key = \(key)")
                } catch where PostgresConnections.isUniqueViolation(error) {
                    throw StoreError(.conflict, type: "datasetExistsError", message: "Dataset \"\(name)\" was created while it was being imported",
                                     advice: "Import into the existing dataset, or delete it first with `facet dataset delete \(name)`.")
                }
            }
        } catch {
            discard()
            throw error
        }
    }

    func discard() {
        _ = try? connections.withConnection { connection in
            try connection.run("DELETE FROM facet_datasets WHERE key = \(key) AND name IS NULL")
        }
    }
}
