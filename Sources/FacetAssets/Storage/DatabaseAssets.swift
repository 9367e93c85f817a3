import FacetStore
import Foundation

/// Asset bytes kept as rows of the records every server shares (PostgreSQL's), so that an image
/// uploaded through one server is served by all of them without a shared volume. Each server
/// keeps its own cache of transformed variants, made again from these originals on demand.
///
/// A row is written in one statement, so a reader sees all of an asset's bytes or none; a
/// second write of the same path changes nothing (the bytes are addressed by their SHA-1).
///
/// ```swift
/// let storage = try DatabaseAssets(records: postgresBackend.records())
/// let assets = AssetLibrary(storage: storage, variants: try VariantCache(folder: cache, limit: 256 << 20))
/// ```
public struct DatabaseAssets: AssetStorage {
    let records: any RelationalDatabase

    static let tables = [
        TableStep("asset files", sqlite: ["""
            CREATE TABLE IF NOT EXISTS asset_files (
                kind TEXT NOT NULL, dataset TEXT NOT NULL, file_name TEXT NOT NULL, bytes BLOB NOT NULL,
                PRIMARY KEY (kind, dataset, file_name))
            """], postgres: ["""
            CREATE TABLE IF NOT EXISTS asset_files (
                kind text NOT NULL, dataset text NOT NULL, file_name text NOT NULL, bytes bytea NOT NULL,
                PRIMARY KEY (kind, dataset, file_name))
            """]),
    ]

    /// The asset rows of `records`, their table made when missing.
    public init(records: any RelationalDatabase) throws(AssetError) {
        self.records = records
        do { try records.migrate(Self.tables) } catch {
            throw Self.failure(error, "Cannot open the asset table in \(records.location)")
        }
    }

    @discardableResult
    public func write(_ bytes: [UInt8], to path: AssetPath) throws(AssetError) -> Bool {
        do {
            return try records.write { db in
                try db.execute("""
                    INSERT INTO asset_files (kind, dataset, file_name, bytes) VALUES (?, ?, ?, ?)
                    ON CONFLICT (kind, dataset, file_name) DO NOTHING
                    """, [path.kind.rawValue, path.dataset, path.fileName, Data(bytes)]) == 1
            }
        } catch {
            throw Self.failure(error, "Cannot store the asset \(path)")
        }
    }

    public func read(_ path: AssetPath) throws(AssetError) -> [UInt8]? {
        do {
            return try records.read { db in
                try db.value("SELECT bytes FROM asset_files WHERE kind = ? AND dataset = ? AND file_name = ?",
                             [path.kind.rawValue, path.dataset, path.fileName], as: Data.self).map { [UInt8]($0) }
            }
        } catch {
            throw Self.failure(error, "Cannot read the asset \(path)")
        }
    }

    public func remove(_ path: AssetPath) throws(AssetError) {
        do {
            _ = try records.write { db in
                try db.execute("DELETE FROM asset_files WHERE kind = ? AND dataset = ? AND file_name = ?",
                               [path.kind.rawValue, path.dataset, path.fileName])
            }
        } catch {
            throw Self.failure(error, "Cannot remove the asset \(path)")
        }
    }

    public func paths(_ kind: AssetPath.Kind, dataset: String) throws(AssetError) -> [AssetPath] {
        let names: [String]
        do {
            names = try records.read { db in
                try db.values("SELECT file_name FROM asset_files WHERE kind = ? AND dataset = ? ORDER BY file_name",
                              [kind.rawValue, dataset], as: String.self)
            }
        } catch {
            throw Self.failure(error, "Cannot list the assets of \(dataset)")
        }
        return names.compactMap { try? AssetPath(kind: kind, dataset: dataset, fileName: $0) }
    }

    /// A database out of reach is `unavailable` (503, tried again); anything else a storage failure.
    static func failure(_ error: any Error, _ what: String) -> AssetError {
        if let error = error as? AssetError { return error }
        if let error = error as? StoreError, error.kind == .unavailable {
            return AssetError(.unavailable, "\(what): \(error.message)", advice: "Try again shortly.")
        }
        return AssetError(.storage, "\(what): \(error)", advice: "Check the database's log.")
    }
}
