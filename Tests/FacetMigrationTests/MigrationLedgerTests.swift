import FacetMigration
import FacetStore
import Foundation
import Testing
import TestSupport

/// The record of applied migrations, in a data directory's file or in the records of a
/// PostgreSQL database that servers share: what one process records, another reads.
@Suite("The migration ledger", .ownThread(computing: true))
struct MigrationLedgerTests {
    @Test(arguments: StorageKind.available)
    func whatOneProcessRecordsAnotherReads(kind: StorageKind) throws {
        let (backend, location) = try TestDatabase.backend(kind)
        defer {
            backend.close()
            TestDatabase.remove(kind, at: location)
        }
        let open = { () throws -> MigrationLedger in
            switch kind {
            case .sqlite: return try MigrationLedger(directory: location)
            case .postgres: return try MigrationLedger(records: try #require(TestDatabase.reopen(kind, at: location).sharedRecords))
            }
        }
        let ledger = try open()
        #expect(try ledger.applied(dataset: "production").isEmpty)
        try ledger.record(AppliedMigration(id: "tiers", dataset: "production", title: "Tiers from scores", appliedAt: "2026-12-06T09:00:00Z",
                                           appliedBy: "ada", matched: 12, changed: 12))
        // A second run is noted, and the first stays the application.
        try ledger.record(AppliedMigration(id: "tiers", dataset: "production", title: "Tiers from scores", appliedAt: "2026-12-06T10:00:00Z",
                                           appliedBy: "bea", matched: 12, changed: 0))
        let read = try #require(try open().applied(dataset: "production")["tiers"])
        #expect(read.appliedBy == "ada" && read.changed == 12 && read.matched == 12 && read.appliedAt == "2026-12-06T09:00:00Z")
        #expect(read.lastRunAt == "2026-12-06T10:00:00Z")
        #expect(try ledger.applied(dataset: "staging").isEmpty)
    }
}
