import Foundation
import GRDB

/// That a migration was applied to a dataset: when, by whom, and what it did.
public struct AppliedMigration: Sendable, Equatable {
    public var id: String
    public var dataset: String
    public var title: String
    /// ISO 8601, when the first complete run finished.
    public var appliedAt: String
    /// Who ran it (the operating-system user, or `--author`).
    public var appliedBy: String
    public var matched: Int
    public var changed: Int
    /// When it last ran to the end (a second run changes nothing but is noted).
    public var lastRunAt: String

    public init(id: String, dataset: String, title: String, appliedAt: String, appliedBy: String, matched: Int, changed: Int,
                lastRunAt: String? = nil)
    {
        self.id = id
        self.dataset = dataset
        self.title = title
        self.appliedAt = appliedAt
        self.appliedBy = appliedBy
        self.matched = matched
        self.changed = changed
        self.lastRunAt = lastRunAt ?? appliedAt
    }
}

/// The record of applied migrations of a data directory: a small SQLite table beside the
/// datasets (`migrations.sqlite`).
///
/// A run writes its record last, after every batch has committed, so a run that was killed is
/// not recorded and is simply run again.
///
/// ```swift
/// let ledger = try MigrationLedger(directory: "./facet-data")
/// let applied = try ledger.applied(dataset: "production")["phone-e164"]
/// ```
public struct MigrationLedger: Sendable {
    private let database: DatabaseQueue
    /// The file the record is kept in.
    public let path: String

    public init(directory: String) throws(MigrationError) {
        path = (directory as NSString).appendingPathComponent("migrations.sqlite")
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS appliedMigration (
                        dataset TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,
                        appliedAt TEXT NOT NULL, appliedBy TEXT NOT NULL, matched INTEGER NOT NULL, changed INTEGER NOT NULL,
                        lastRunAt TEXT NOT NULL, PRIMARY KEY (dataset, id))
                    """)
            }
        } catch {
            throw MigrationError(.storage, message: "Cannot open the migration record \(path): \(error)",
                                 advice: "Check that the data directory is writable.")
        }
    }

    /// Records a finished run: the first one stays the application, later ones update `lastRunAt`.
    public func record(_ applied: AppliedMigration) throws(MigrationError) {
        do {
            try database.write { db in
                try db.execute(sql: """
                    INSERT INTO appliedMigration (dataset, id, title, appliedAt, appliedBy, matched, changed, lastRunAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (dataset, id) DO UPDATE SET lastRunAt = excluded.lastRunAt
                    """, arguments: [applied.dataset, applied.id, applied.title, applied.appliedAt, applied.appliedBy, applied.matched,
                                     applied.changed, applied.lastRunAt])
            }
        } catch {
            throw MigrationError(.storage, message: "Cannot record migration \(applied.id) as applied: \(error)",
                                 advice: "Its changes are committed; run it again (it changes nothing more) to record it.")
        }
    }

    /// The migrations applied to `dataset`, by id.
    public func applied(dataset: String) throws(MigrationError) -> [String: AppliedMigration] {
        do {
            return try database.read { db in
                var result: [String: AppliedMigration] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM appliedMigration WHERE dataset = ?", arguments: [dataset]) {
                    let entry = AppliedMigration(id: row["id"], dataset: row["dataset"], title: row["title"], appliedAt: row["appliedAt"],
                                                 appliedBy: row["appliedBy"], matched: row["matched"], changed: row["changed"],
                                                 lastRunAt: row["lastRunAt"])
                    result[entry.id] = entry
                }
                return result
            }
        } catch {
            throw MigrationError(.storage, message: "Cannot read the migration record \(path): \(error)",
                                 advice: "Check that the file is readable; delete it to forget which migrations ran (they are safe to run again).")
        }
    }
}
