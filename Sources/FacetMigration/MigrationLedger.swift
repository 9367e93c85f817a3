import Foundation
import FacetStore

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

/// The record of applied migrations: a small table beside the datasets, in the data
/// directory's `migrations.sqlite`, or in the records of the PostgreSQL database servers share.
///
/// A run writes its record last, after every batch has committed, so a run that was killed is
/// not recorded and is simply run again.
///
/// ```swift
/// let ledger = try MigrationLedger(directory: "./facet-data")
/// let applied = try ledger.applied(dataset: "production")["phone-e164"]
/// ```
public struct MigrationLedger: Sendable {
    private let records: any RelationalDatabase
    /// Where the record is kept, for messages.
    public let path: String

    static let tables = [
        TableStep("applied migrations", both: ["""
            CREATE TABLE IF NOT EXISTS appliedMigration (
                dataset TEXT NOT NULL, id TEXT NOT NULL, title TEXT NOT NULL,
                appliedAt TEXT NOT NULL, appliedBy TEXT NOT NULL, matched BIGINT NOT NULL, changed BIGINT NOT NULL,
                lastRunAt TEXT NOT NULL, PRIMARY KEY (dataset, id))
            """]),
    ]

    /// The record in `records` (PostgreSQL's, shared by every server).
    public init(records: any RelationalDatabase) throws(MigrationError) {
        self.records = records
        path = records.location
        do { try records.migrate(Self.tables) } catch {
            throw MigrationError(.storage, message: "Cannot open the migration record \(path): \(error)",
                                 advice: "Check that the data directory is writable, or that the database answers.")
        }
    }

    /// The record in the data directory `directory`.
    public init(directory: String) throws(MigrationError) {
        let path = (directory as NSString).appendingPathComponent("migrations.sqlite")
        let file: SQLiteRecords
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            file = try SQLiteRecords(path: path)
        } catch {
            throw MigrationError(.storage, message: "Cannot open the migration record \(path): \(error)",
                                 advice: "Check that the data directory is writable.")
        }
        try self.init(records: file)
    }

    /// Records a finished run: the first one stays the application, later ones update `lastRunAt`.
    public func record(_ applied: AppliedMigration) throws(MigrationError) {
        do {
            _ = try records.write { db in
                try db.execute("""
                    INSERT INTO appliedMigration (dataset, id, title, appliedAt, appliedBy, matched, changed, lastRunAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (dataset, id) DO UPDATE SET lastRunAt = excluded.lastRunAt
                    """, [applied.dataset, applied.id, applied.title, applied.appliedAt, applied.appliedBy, applied.matched,
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
            return try records.read { db in
                var result: [String: AppliedMigration] = [:]
                for row in try db.rows("SELECT * FROM appliedMigration WHERE dataset = ?", [dataset]) {
                    let entry = AppliedMigration(id: row["id"], dataset: row["dataset"], title: row["title"], appliedAt: row["appliedAt"],
                                                 appliedBy: row["appliedBy"], matched: row["matched"], changed: row["changed"],
                                                 lastRunAt: row["lastRunAt"])
                    result[entry.id] = entry
                }
                return result
            }
        } catch {
            throw MigrationError(.storage, message: "Cannot read the migration record \(path): \(error)",
                                 advice: "Check that the record is readable; delete it to forget which migrations ran (they are safe to run again).")
        }
    }
}
