import Dispatch
import Foundation
import GRDB
import GROQ
import Synchronization

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
        for suffix in ["", "-wal", "-shm", ".image"] where FileManager.default.fileExists(atPath: file + suffix) {
            do { try FileManager.default.removeItem(atPath: file + suffix) } catch {
                throw StoreError.storage("Cannot delete \(file + suffix): \(error.localizedDescription)")
            }
        }
    }

    public func stageDataset(_ name: String) throws(StoreError) -> any StagedDataset {
        try Self.validateName(name)
        // A staging file is named so that `datasetNames()` never lists it; one left by a process
        // that was killed is removed here, by the next import of the same name.
        let prefix = "." + name + ".staged-"
        AbandonedFiles.remove(in: datasetsDirectory, prefix: prefix)
        let staging = datasetsDirectory + "/" + prefix + String(getpid()) + "-" + DocumentID.generate()
        return StagedSQLiteDataset(storage: try SQLiteDatasetStorage(path: staging), staging: staging, final: path(of: name), name: name)
    }
}

/// A new dataset file under a hidden name, linked to its real name once it is complete.
private struct StagedSQLiteDataset: StagedDataset {
    let sqlite: SQLiteDatasetStorage
    let staging: String
    let final: String
    let name: String

    init(storage: SQLiteDatasetStorage, staging: String, final: String, name: String) {
        self.sqlite = storage
        self.staging = staging
        self.final = final
        self.name = name
    }

    var storage: any DatasetStorage { sqlite }

    func publish() throws(StoreError) {
        // Closing checkpoints the write-ahead log into the file, so the one file is the dataset.
        sqlite.close()
        defer { discard() }
        // link(2) never replaces an existing file, unlike rename(2): a dataset created meanwhile
        // under the same name is kept, and this one is refused.
        guard link(staging, final) == 0 else {
            if errno == EEXIST {
                throw StoreError(.conflict, type: "datasetExistsError", message: "Dataset \"\(name)\" was created while it was being imported",
                                 advice: "Import into the existing dataset, or delete it first with `facet dataset delete \(name)`.")
            }
            throw StoreError.storage("Cannot create \(final): \(String(cString: strerror(errno)))")
        }
        // The image written on closing names the dataset and its last transaction, which
        // publishing does not change.
        rename(staging + ".image", final + ".image")
    }

    func discard() {
        sqlite.close()
        for suffix in ["", "-wal", "-shm", ".image"] { unlink(staging + suffix) }
    }
}

/// One dataset in one SQLite file. GRDB's pool gives the writer one connection and readers
/// others, so history reads never wait for a commit.
final class SQLiteDatasetStorage: DatasetStorage {
    private let pool: DatabasePool
    let path: String
    private let closed = Mutex(false)
    private let checkpoints: BackgroundCheckpoints

    init(path: String) throws(StoreError) {
        self.path = path
        checkpoints = BackgroundCheckpoints(path: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // WAL (GRDB's pool sets it) with FULL sync: each commit is on disk before it returns.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A larger page cache keeps the id indexes in memory while an import grows them.
            // Readers keep SQLite's default: they read a dataset once when it opens and then
            // only history, and a large cache per reader would stay filled with pages the
            // snapshot already holds as documents.
            if !db.configuration.readonly {
                // A new file gets 16 KiB pages (an existing one keeps its own): with SQLite's
                // default 4 KiB, a row over about 1,000 bytes spills into overflow pages, and
                // most documents are larger. The demo's file is 27% smaller for it, is written
                // with a quarter fewer bytes, and reads faster.
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA cache_size = -65536")
                // The log is copied into the file by `checkpoints`, beside the commits.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            }
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

    func loadDocuments(opening open: ((inout [JSONValue]) throws(StoreError) -> Void)?) throws(StoreError)
        -> (documents: [JSONValue], sequence: Int64)
    {
        do {
            return try pool.read { db in
                var documents: [JSONValue] = []
                if let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM documents") { documents.reserveCapacity(count) }
                var stored = StoredBodies()
                func flush() throws(StoreError) {
                    var batch = try stored.parsed()
                    try open?(&batch)
                    documents.append(contentsOf: batch)
                    stored.removeAll()
                }
                let rows = try Row.fetchCursor(db, sql: "SELECT id, body FROM documents ORDER BY id")
                while let row = try rows.next() {
                    try stored.append(id: row[0], body: row)
                    if stored.count == Self.loadBatch || stored.byteCount >= Self.loadBatchBytes { try flush() }
                }
                try flush()
                let sequence = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM transactions") ?? 0
                return (documents, sequence)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storage("Cannot read \(path): \(error)")
        }
    }

    /// Documents parsed and opened together: enough to spread the work over cores, few enough
    /// that what opening frees is soon reused.
    private static let loadBatch = 2_048
    /// A batch of large documents is parsed sooner: their text is held beside the documents
    /// until it is.
    private static let loadBatchBytes = 32 << 20

    fileprivate static func damagedBody(of what: String, _ error: any Error) -> StoreError {
        StoreError.storage("The stored body of \(what) is damaged: \(error)", advice: "Restore the dataset from an export or a backup.")
    }

    private static func parseBody(_ row: Row, index: Int, context: () -> String) throws -> JSONValue {
        try row.withUnsafeData(atIndex: index) { data -> JSONValue in
            guard let data else { return .null }
            do {
                return try data.withUnsafeBytes { buffer in try JSONValue(parsing: buffer) }
            } catch {
                throw damagedBody(of: context(), error)
            }
        }
    }

    func prepare(_ transaction: CommittedTransaction) throws(StoreError) -> PreparedTransaction {
        PreparedTransaction(serializing: transaction, storedMutations: StoredMutations.stored(transaction.mutations, effects: transaction.effects))
    }

    func append(_ prepared: PreparedTransaction) throws(StoreError) -> Bool {
        let (transaction, bodies, mutationsText) = (prepared.transaction, prepared.bodies, prepared.mutations)
        do {
            return try pool.writeWithoutTransaction { db in
                var appended = false
                try db.inTransaction(.immediate) {
                    // The immediate transaction holds the write lock, so no other process can
                    // commit between this check and the inserts.
                    guard try Self.lastSequence(db) == transaction.sequence - 1 else { return .rollback }
                    try Self.insert(transaction, bodies: bodies, mutations: mutationsText, db)
                    appended = true
                    return .commit
                }
                if appended { checkpoints.wrote(bytes: Self.size(bodies: bodies, mutations: mutationsText), writer: db) }
                return appended
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError.transactionIDUsed(transaction.id)
        } catch {
            throw StoreError.storage("Cannot commit transaction \(transaction.id): \(error)")
        }
    }

    func appendAll(after sequence: Int64,
                   _ body: (_ missed: [CommittedTransaction], _ append: (CommittedTransaction) throws(StoreError) -> Void) throws(StoreError) -> Void)
        throws(StoreError)
    {
        do {
            try pool.writeWithoutTransaction { db in
                var appended = false
                var written = 0
                // One SQLite transaction for the lot: a process killed midway leaves only a WAL
                // tail without a commit record, which SQLite ignores when the file opens again.
                // The immediate transaction takes the write lock before the reads.
                try db.inTransaction(.immediate) {
                    let last = try Self.lastSequence(db)
                    let missed = last == sequence ? [] : try Self.readTransactions(db, sql: Self.transactionsAfter, arguments: [sequence])
                    var expected = last + 1
                    try body(missed) { (transaction: CommittedTransaction) throws(StoreError) in
                        guard transaction.sequence == expected else {
                            throw StoreError.storage("Transaction \(transaction.id) has sequence \(transaction.sequence), expected \(expected)")
                        }
                        let prepared = try prepare(transaction)
                        written += Self.size(bodies: prepared.bodies, mutations: prepared.mutations)
                        do { try Self.insert(transaction, bodies: prepared.bodies, mutations: prepared.mutations, db) } catch let error as DatabaseError
                            where error.resultCode == .SQLITE_CONSTRAINT
                        {
                            throw StoreError.transactionIDUsed(transaction.id)
                        } catch {
                            throw StoreError.storage("Cannot write transaction \(transaction.id): \(error)")
                        }
                        expected += 1
                    }
                    appended = true
                    return .commit
                }
                if appended { checkpoints.wrote(bytes: written, writer: db) }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storage("Cannot commit to \(path): \(error)")
        }
    }

    func appendHoldingLock(after sequence: Int64,
                           _ body: (_ missed: [CommittedTransaction]) throws(StoreError) -> CommittedTransaction?) throws(StoreError)
    {
        do {
            try pool.writeWithoutTransaction { db in
                var written = 0
                // The immediate transaction takes the write lock before the read.
                try db.inTransaction(.immediate) {
                    let missed = try Self.readTransactions(db, sql: Self.transactionsAfter, arguments: [sequence])
                    guard let transaction = try body(missed) else { return .commit }
                    let prepared = try prepare(transaction)
                    written = Self.size(bodies: prepared.bodies, mutations: prepared.mutations)
                    do { try Self.insert(transaction, bodies: prepared.bodies, mutations: prepared.mutations, db) } catch let error as DatabaseError
                        where error.resultCode == .SQLITE_CONSTRAINT
                    {
                        throw StoreError.transactionIDUsed(transaction.id)
                    }
                    return .commit
                }
                if written > 0 { checkpoints.wrote(bytes: written, writer: db) }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storage("Cannot commit to \(path): \(error)")
        }
    }

    private static func lastSequence(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(seq), 0) FROM transactions")) ?? 0
    }

    /// Writes one transaction's history record and documents, inside the caller's transaction.
    private static func insert(_ transaction: CommittedTransaction, bodies: [String?], mutations mutationsText: String, _ db: Database) throws {
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
    }

    /// About how many bytes a transaction adds to the log: each body twice (the document and
    /// its revision) and the mutations once.
    private static func size(bodies: [String?], mutations: String) -> Int {
        bodies.reduce(mutations.utf8.count) { $0 + 2 * ($1?.utf8.count ?? 0) }
    }

    var imagePath: String? { path + ".image" }

    func historyMark(at sequence: Int64) throws(StoreError) -> HistoryMark {
        do {
            return try pool.read { db in
                HistoryMark(transactionID: try String.fetchOne(db, sql: "SELECT id FROM transactions WHERE seq = ?", arguments: [sequence]),
                            lastSequence: try Self.lastSequence(db),
                            revisionsAfter: try Int.fetchOne(db, sql: "SELECT count(*) FROM revisions WHERE seq > ?", arguments: [sequence]) ?? 0)
            }
        } catch {
            throw StoreError.storage("Cannot read \(path): \(error)")
        }
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

    private static let transactionsAfter = "SELECT seq, id, timestamp, author, mutations FROM transactions WHERE seq > ? ORDER BY seq"

    func transactions(after sequence: Int64, limit: Int?) throws(StoreError) -> [CommittedTransaction] {
        try readTransactions(sql: Self.transactionsAfter + " LIMIT ?", arguments: [sequence, limit.map { max(0, $0) } ?? -1])
    }

    private func readTransactions(sql: String, arguments: StatementArguments) throws(StoreError) -> [CommittedTransaction] {
        do {
            return try pool.read { db in try Self.readTransactions(db, sql: sql, arguments: arguments) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.storage("Cannot read history from \(path): \(error)")
        }
    }

    private static func readTransactions(_ db: Database, sql: String, arguments: StatementArguments) throws -> [CommittedTransaction] {
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
            let id: String = row[1]
            result.append(CommittedTransaction(sequence: sequence, id: id, timestamp: row[2], author: row[3],
                                               mutations: try StoredMutations.restored(mutations.arrayValue ?? [], effects: effects, transaction: id),
                                               effects: effects))
        }
        return result
    }

    func close() {
        guard closed.withLock({ closed in defer { closed = true }; return !closed }) else { return }
        checkpoints.close()
        // An empty write-ahead log after closing: the file alone holds every commit (a staged
        // dataset is published by linking that one file).
        _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        try? pool.close()
    }
}

/// The stored bodies of a batch of documents, copied out of SQLite so that they can be parsed
/// on every core while SQLite's cursor stays on one thread.
private struct StoredBodies {
    private var bytes: [UInt8] = []
    /// Where each body lies in `bytes`; `nil` for a missing body.
    private var spans: [Range<Int>?] = []
    private var ids: [String] = []

    var count: Int { spans.count }
    var byteCount: Int { bytes.count }

    mutating func append(id: String?, body row: Row) throws {
        ids.append(id ?? "")
        try row.withUnsafeData(atIndex: 1) { data in
            guard let data else { return spans.append(nil) }
            let start = bytes.count
            data.withUnsafeBytes { bytes.append(contentsOf: $0) }
            spans.append(start..<bytes.count)
        }
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        spans.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
    }

    /// The bodies parsed, in order, on every core; the first damaged one is reported by id.
    func parsed() throws(StoreError) -> [JSONValue] {
        var documents = [JSONValue](repeating: .null, count: spans.count)
        let (spans, ids) = (spans, ids)
        let parsing = bytes.withUnsafeBytes { bytes in
            let stored = StoredBytes(bytes: bytes)
            return Result { () throws(StoreError) in
                try EveryCore.transform(&documents) { (index, _) throws(StoreError) in
                    guard let span = spans[index] else { return .null }
                    do {
                        return try JSONValue(parsing: UnsafeRawBufferPointer(rebasing: stored.bytes[span]))
                    } catch {
                        throw SQLiteDatasetStorage.damagedBody(of: "document \(ids[index])", error)
                    }
                }
            }
        }
        try parsing.get()
        return documents
    }

    /// Only read while the batch is parsed, and written by no one, so shared across threads.
    private struct StoredBytes: @unchecked Sendable {
        let bytes: UnsafeRawBufferPointer
    }
}
