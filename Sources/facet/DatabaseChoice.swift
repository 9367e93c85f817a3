import FacetPostgres
import FacetStore
import Logging

/// Where the datasets are kept: the data directory's SQLite files (the default), or the
/// PostgreSQL database a `postgres://` URL names.
enum DatabaseChoice {
    /// The backend `url` names; `nil` (no URL) for the data directory's own.
    static func backend(url: String?, logger: Logger = Logger(label: "facet.postgres")) throws -> (any StorageBackend)? {
        guard let url, !url.isEmpty else { return nil }
        do {
            return try PostgresBackend(location: PostgresLocation(url: url), logger: logger)
        } catch {
            throw CommandFailure("\(error)")
        }
    }
}
