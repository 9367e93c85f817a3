import Foundation
import GRDB
import Testing
import TestSupport
@testable import FacetStore

/// The write-ahead log is copied into the dataset file beside the commits, and stays bounded.
@Suite("Checkpoints beside the commits", .ownThread())
struct BackgroundCheckpointTests {
    /// A pool as a dataset's writer opens it: without SQLite's automatic checkpoint.
    private func pool(at path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try pool.write { db in try db.execute(sql: "CREATE TABLE rows (id INTEGER PRIMARY KEY, body BLOB NOT NULL)") }
        return pool
    }

    private func size(of path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Commits `count` rows of 256 KiB, telling `checkpoints` of each.
    private func commit(_ count: Int, to pool: DatabasePool, _ checkpoints: BackgroundCheckpoints) throws {
        let body = Data(repeating: 7, count: 256 << 10)
        for _ in 0..<count {
            try pool.writeWithoutTransaction { db in
                try db.inTransaction {
                    try db.execute(sql: "INSERT INTO rows (body) VALUES (?)", arguments: [body])
                    return .commit
                }
                checkpoints.wrote(bytes: body.count, writer: db)
            }
        }
    }

    /// A fresh directory for one test's file, removed after `body`.
    private func inDirectory(_ body: (_ path: String) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "facet-checkpoints-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try body(directory + "/data.sqlite")
    }

    @Test func theLogIsCopiedIntoTheFileBesideTheCommits() throws {
        try inDirectory { path in try logIsCopiedBesideTheCommits(path) }
    }

    private func logIsCopiedBesideTheCommits(_ path: String) throws {
        let pool = try pool(at: path)
        // Past every megabyte written a checkpoint starts; the writer never checkpoints itself.
        let checkpoints = BackgroundCheckpoints(path: path, threshold: 1 << 20, limit: .max)
        try commit(80, to: pool, checkpoints)
        checkpoints.close()
        // With SQLite's own checkpoint off, only the background ones put rows into the file.
        #expect(size(of: path) > 10 << 20)
        #expect(try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rows") } == 80)
        try pool.close()
        // Nothing was lost on the way: the file alone, reopened, holds every row.
        let reopened = try DatabaseQueue(path: path)
        #expect(try reopened.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rows") } == 80)
    }

    @Test func theWriterCheckpointsItselfPastTheLimitSoTheLogStaysBounded() throws {
        try inDirectory { path in try writerCheckpointsPastTheLimit(path) }
    }

    private func writerCheckpointsPastTheLimit(_ path: String) throws {
        let pool = try pool(at: path)
        // No background checkpoint ever starts: the limit alone bounds the log.
        let checkpoints = BackgroundCheckpoints(path: path, threshold: .max, limit: 2 << 20)
        try commit(80, to: pool, checkpoints)
        #expect(size(of: path + "-wal") < 6 << 20, "20 MiB written, the log restarted every 2 MiB")
        #expect(size(of: path) > 10 << 20)
        checkpoints.close()
        try pool.close()
    }
}
