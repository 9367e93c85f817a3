import Dispatch
import Foundation
import GRDB
import GROQ

/// The embedded default backend: one SQLite file per dataset under `<directory>/datasets/`, in
/// WAL mode with `synchronous = FULL`, so an acknowledged commit survives a crash of the process
/// or the machine.
///
/// ```swift
/// let backend = try SQLiteBackend(directory: "./facet-data")
/// let store = DocumentStore(backend: backend)
/// ```
public struct SQLiteBackend: StorageBackend {
    /// The data directory.
    public let directory: String
    private var datasetsDirectory: String { directory + "/datasets" }

    /// Opens (and creates when missing) a data directory; throws when it cannot be written.
    public init(directory: String) throws(StoreError) {
        self.directory = directory
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw StoreError.storage("The data directory \(directory) is a file", advice: "Give a directory path with --data or FACET_DATA.")
        }
        do {
            try manager.createDirectory(atPath: directory + "/datasets", withIntermediateDirectories: true)
        } catch {
            throw StoreError.storage("Cannot create the data directory \(directory): \(error.localizedDescription)",
                                     advice: "Give a directory this user may write with --data or FACET_DATA.")
        }
        guard manager.isWritableFile(atPath: directory + "/datasets") else {
            throw StoreError.storage("The data directory \(directory) is not writable", advice: "Fix its permissions or give another one with --data.")
        }
    }

    /// Sanity's dataset name rule: lowercase letters, digits, `_` and `-`, starting with a letter
    /// or digit, at most 64 characters.
    public static func validateName(_ name: String) throws(StoreError) {
        let bytes = Array(name.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 64
            && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2D }
            && bytes[0] != 0x5F && bytes[0] != 0x2D
        guard valid else {
            throw StoreError(.invalid, type: "validationError", message: "Invalid dataset name \"\(name)\"",
                             advice: "Use 1 to 64 lowercase letters, digits, '_' and '-', starting with a letter or digit.")
        }
    }

    private func path(of name: String) -> String { datasetsDirectory + "/" + name + ".sqlite" }

    public func datasetNames() throws(StoreError) -> [String] {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: datasetsDirectory) } catch {
            throw StoreError.storage("Cannot list \(datasetsDirectory): \(error.localizedDescription)")
        }
        return files.filter { $0.hasSuffix(".sqlite") }.map { String($0.dropLast(".sqlite".count)) }.sorted()
    }

    public func openDataset(_ name: String, create: Bool) throws(StoreError) -> any DatasetStorage {
        try Self.validateName(name)
        let file = path(of: name)
        if !create, !FileManager.default.fileExists(atPath: file) {
            throw StoreError(.notFound, type: "datasetNotFoundError", message: "Dataset \"\(name)\" not found",
                             advice: "Create it with `facet dataset create \(name)`, or list datasets with `facet dataset list`.")
        }
        return try SQLiteDatasetStorage(path: file)
    }

    public func deleteDataset(_ name: String) throws(StoreError) {
        try Self.validateName(name)
        let file = path(of: name)
        guard FileManager.default.fileExists(atPath: file) else {
            throw StoreError(.notFound, type: "datasetNotFoundError", message: "Dataset \"\(name)\" not found",
                             advice: "List datasets with `facet dataset list`.")
        }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: file + suffix) {
            do { try FileManager.default.removeItem(atPath: file + suffix) } catch {
                throw StoreError.storage("Cannot delete \(file + suffix): \(error.localizedDescription)")
            }
        }
    }
}

/// One dataset in one SQLite file. GRDB's pool gives the writer one connection and readers
/// others, so history reads never wait for a commit.
final class SQLiteDatasetStorage: DatasetStorage {
    private let pool: DatabasePool
    let path: String

    init(path: String) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL (GRDB's pool sets it) with FULL sync: each commit is on disk before it returns.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A larger page cache keeps the id indexes in memory while an import grows them.
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError.storage("Cannot open the dataset file \(path): \(error)",
                                     advice: "Check that the file is a Facet dataset and that the directory is writable.")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("documents and history") { db in
            try db.execute(sql: """
                CREATE TABLE documents (
                    id TEXT PRIMARY KEY NOT NULL,
                    type TEXT NOT NULL,
                    rev TEXT NOT NULL,
                    body TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE transactions (
                    seq INTEGER PRIMARY KEY,
                    id TEXT NOT NULL UNIQUE,
                    timestamp TEXT NOT NULL,
                    author TEXT,
                    mutations TEXT NOT NULL
                );
                CREATE INDEX transactions_by_time ON transactions(timestamp);
                CREATE TABLE revisions (
                    document_id TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    rev TEXT NOT NULL,
                    previous_rev TEXT,
                    timestamp TEXT NOT NULL,
                    body TEXT,
                    PRIMARY KEY (document_id, seq)
                ) WITHOUT ROWID;
                CREATE INDEX revisions_by_seq ON revisions(seq);
                """)
        }
        return migrator
    }

    func loadDocuments() throws(StoreError) -> (documents: [JSONValue], sequence: Int64) {
        do {
            return try pool.read { db in
                var documents: [JSONValue] = []
                if let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") { documents.reserveCapacity(count) }
                let rows = try Row.fetchCursor(db, sql: "SELECT id, body FROM documents ORDER BY id")
                while let row = try rows.next() {
                    documents.append(try Self.parseBody(row, index: 1, context: { "document \(String(describing: row[0] as String?))" }))
                }
                let sequence = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM transactions") ?? 0
                return (documents, sequence)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storage("Cannot read \(path): \(error)")
        }
    }

    private static func parseBody(_ row: Row, index: Int, context: () -> String) throws -> JSONValue {
        try row.withUnsafeData(atIndex: index) { data -> JSONValue in
            guard let data else { return .null }
            do {
                return try data.withUnsafeBytes { buffer in try JSONValue(parsing: buffer) }
            } catch {
                throw StoreError.storage("The stored body of \(context()) is damaged: \(error)",
                                         advice: "Restore the dataset from an export or a backup.")
            }
        }
    }

    func append(_ transaction: CommittedTransaction) throws(StoreError) -> Bool {
        let (bodies, mutationsText) = Self.serialized(transaction)
        do {
            return try pool.writeWithoutTransaction { db in
                var appended = false
                try db.inTransaction(.immediate) {
                    // The immediate transaction holds the write lock, so no other process can
                    // commit between this check and the inserts.
                    let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(seq), 0) FROM transactions")) ?? 0
                    guard last == transaction.sequence - 1 else { return .rollback }
                    try db.cachedStatement(sql: "INSERT INTO transactions (seq, id, timestamp, author, mutations) VALUES (?, ?, ?, ?, ?)")
                        .execute(arguments: [transaction.sequence, transaction.id, transaction.timestamp, transaction.author, mutationsText])
                    let upsert = try db.cachedStatement(sql: "INSERT OR REPLACE INTO documents (id, type, rev, body) VALUES (?, ?, ?, ?)")
                    let delete = try db.cachedStatement(sql: "DELETE FROM documents WHERE id = ?")
                    let revision = try db.cachedStatement(sql: "INSERT INTO revisions (document_id, seq, rev, previous_rev, timestamp, body) VALUES (?, ?, ?, ?, ?, ?)")
                    for (effect, body) in zip(transaction.effects, bodies) {
                        if let document = effect.document, let body {
                            try upsert.execute(arguments: [effect.documentID, document["_type"]?.stringValue ?? "", effect.resultRevision, body])
                        } else {
                            try delete.execute(arguments: [effect.documentID])
                        }
                        try revision.execute(arguments: [effect.documentID, transaction.sequence, effect.resultRevision,
                                                         effect.previousRevision, transaction.timestamp, body])
                    }
                    appended = true
                    return .commit
                }
                return appended
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError(.conflict, type: "transactionIdConflictError",
                             message: "Transaction id \"\(transaction.id)\" is already used in this dataset",
                             advice: "Give a new transactionId, or none and one is generated.")
        } catch {
            throw StoreError.storage("Cannot commit transaction \(transaction.id): \(error)")
        }
    }

    /// The documents' and the mutations' JSON text. A large transaction (an import batch)
    /// serialises its mutations and its documents on two threads: they are about the same size.
    private static func serialized(_ transaction: CommittedTransaction) -> (bodies: [String?], mutations: String) {
        let effects = transaction.effects
        guard effects.count >= 64 else {
            return (effects.map { $0.document?.serialized() }, JSONValue.array(transaction.mutations).serialized())
        }
        var bodies = [String?](repeating: nil, count: effects.count)
        var mutations = ""
        bodies.withUnsafeMutableBufferPointer { buffer in
            withUnsafeMutablePointer(to: &mutations) { text in
                nonisolated(unsafe) let bodiesOut = buffer
                nonisolated(unsafe) let mutationsOut = text
                // Each job writes only its own output.
                DispatchQueue.concurrentPerform(iterations: 2) { job in
                    if job == 0 {
                        mutationsOut.pointee = JSONValue.array(transaction.mutations).serialized()
                    } else {
                        for index in effects.indices { bodiesOut[index] = effects[index].document?.serialized() }
                    }
                }
            }
        }
        return (bodies, mutations)
    }

    func containsTransaction(id: String) throws(StoreError) -> Bool {
        do {
            return try pool.read { db in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM transactions WHERE id = ?", arguments: [id]) ?? false
            }
        } catch {
            throw StoreError.storage("Cannot read \(path): \(error)")
        }
    }

    func document(id: String, at point: RevisionPoint) throws(StoreError) -> JSONValue? {
        do {
            return try pool.read { db -> JSONValue? in
                let row: Row?
                switch point {
                case .revision(let rev):
                    row = try Row.fetchOne(db, sql: "SELECT rev, body FROM revisions WHERE document_id = ? AND rev = ?", arguments: [id, rev])
                    guard row != nil else {
                        throw StoreError(.notFound, type: "revisionNotFoundError",
                                         message: "Document \"\(id)\" has no revision \"\(rev)\"",
                                         advice: "List its transactions with the history API to see the revisions it has.", documentID: id)
                    }
                case .time(let time):
                    row = try Row.fetchOne(db, sql: "SELECT rev, body FROM revisions WHERE document_id = ? AND timestamp <= ? ORDER BY seq DESC LIMIT 1",
                                           arguments: [id, time])
                case .lastRevision:
                    row = try Row.fetchOne(db, sql: "SELECT rev, body FROM revisions WHERE document_id = ? AND body IS NOT NULL ORDER BY seq DESC LIMIT 1",
                                           arguments: [id])
                }
                guard let row else { return nil }
                let body = try Self.parseBody(row, index: 1, context: { "document \(id)" })
                return body.isNull ? JSONValue?.none : body
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storage("Cannot read history from \(path): \(error)")
        }
    }

    func transactions(touching documentIDs: [String], filter: HistoryFilter) throws(StoreError) -> [CommittedTransaction] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if !documentIDs.isEmpty {
            conditions.append("seq IN (SELECT seq FROM revisions WHERE document_id IN (\(Array(repeating: "?", count: documentIDs.count).joined(separator: ","))))")
            arguments.append(contentsOf: documentIDs)
        }
        if let from = filter.fromTime { conditions.append("timestamp >= ?"); arguments.append(from) }
        if let to = filter.toTime { conditions.append("timestamp <= ?"); arguments.append(to) }
        if let from = filter.fromTransaction {
            conditions.append("seq >= (SELECT seq FROM transactions WHERE id = ?)"); arguments.append(from)
        }
        if let to = filter.toTransaction {
            conditions.append("seq <= (SELECT seq FROM transactions WHERE id = ?)"); arguments.append(to)
        }
        if let authors = filter.authors, !authors.isEmpty {
            conditions.append("author IN (\(Array(repeating: "?", count: authors.count).joined(separator: ",")))")
            arguments.append(contentsOf: authors)
        }
        var sql = "SELECT seq, id, timestamp, author, mutations FROM transactions"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += filter.reverse ? " ORDER BY seq DESC" : " ORDER BY seq ASC"
        if let limit = filter.limit { sql += " LIMIT \(max(0, limit))" }
        return try readTransactions(sql: sql, arguments: StatementArguments(arguments))
    }

    func transactions(after sequence: Int64) throws(StoreError) -> [CommittedTransaction] {
        try readTransactions(sql: "SELECT seq, id, timestamp, author, mutations FROM transactions WHERE seq > ? ORDER BY seq",
                             arguments: [sequence])
    }

    private func readTransactions(sql: String, arguments: StatementArguments) throws(StoreError) -> [CommittedTransaction] {
        do {
            return try pool.read { db in
                var result: [CommittedTransaction] = []
                let rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
                for row in rows {
                    let sequence: Int64 = row[0]
                    let mutations = try Self.parseBody(row, index: 4, context: { "transaction \(sequence)" })
                    let effectRows = try Row.fetchAll(db.cachedStatement(sql: "SELECT document_id, previous_rev, rev, body FROM revisions WHERE seq = ?"),
                                                      arguments: [sequence])
                    let effects = try effectRows.map { effect in
                        let body = try Self.parseBody(effect, index: 3, context: { "a revision of transaction \(sequence)" })
                        return CommittedTransaction.Effect(documentID: effect[0], previousRevision: effect[1], resultRevision: effect[2],
                                                           document: body.isNull ? JSONValue?.none : body)
                    }
                    result.append(CommittedTransaction(sequence: sequence, id: row[1], timestamp: row[2], author: row[3],
                                                       mutations: mutations.arrayValue ?? [], effects: effects))
                }
                return result
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storage("Cannot read history from \(path): \(error)")
        }
    }

    func close() {
        try? pool.close()
    }
}
