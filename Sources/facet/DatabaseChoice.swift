import FacetAssets
import FacetPostgres
import FacetStore
import Foundation
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

    /// The assets beside `backend`'s datasets: rows of the database servers share when it has
    /// records of its own (each server caching its variants under `directory`), otherwise the
    /// files of the data directory.
    static func assets(directory: String, backend: (any StorageBackend)?, limits: AssetLimits = AssetLimits()) throws(AssetError) -> AssetLibrary {
        guard let records = backend?.sharedRecords else { return try AssetLibrary(directory: directory, limits: limits) }
        let cache = URL(fileURLWithPath: directory, isDirectory: true).appendingPathComponent("asset-variants")
        return AssetLibrary(storage: try DatabaseAssets(records: records), variants: try VariantCache(folder: cache, limit: limits.variantCacheBytes),
                            limits: limits)
    }
}
