import FacetStore
import Logging
import PostgresNIO

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

    /// Connects and brings Facet's tables up to date (creating them in an empty database).
    /// Throws `unavailable` when the database cannot be reached.
    public init(location: PostgresLocation, logger: Logger = Logger(label: "facet.postgres")) throws(StoreError) {
        self.location = location
        connections = PostgresConnections(location: location, logger: logger)
        try PostgresSchema.migrate(connections)
    }

    /// The channel each commit is announced on: one per schema, so that Facets sharing a
    /// database in separate schemas do not wake each other.
    public var commitChannel: String { Self.commitChannel(schema: location.schema) }

    static func commitChannel(schema: String?) -> String {
        schema.map { "facet_commits_" + $0 } ?? "facet_commits"
    }

    public func datasetNames() throws(StoreError) -> [String] {
        try connections.withConnection { connection in
            try connection.run("SELECT name FROM facet_datasets WHERE name IS NOT NULL ORDER BY name").map { try $0.decode(String.self) }
        }
    }

    public func openDataset(_ name: String, create: Bool) throws(StoreError) -> any DatasetStorage {
        try SQLiteBackend.validateName(name)
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
        let key = try connections.withConnection { connection in
            // A staged dataset untouched for an hour was left by a process that died while
            // importing it: the next import of the same name removes it.
            try connection.run("DELETE FROM facet_datasets WHERE name IS NULL AND staged_as = \(name) AND touched_at < now() - interval '1 hour'")
            return try connection.run("INSERT INTO facet_datasets (name, staged_as) VALUES (NULL, \(name)) RETURNING key").first
                .map { try $0.decode(Int64.self) } ?? 0
        }
        return StagedPostgresDataset(connections: connections, key: key, name: name)
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
