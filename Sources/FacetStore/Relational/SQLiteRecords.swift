import Foundation
import GRDB

/// Records kept in a SQLite file of the data directory (`security.sqlite`,
/// `migrations.sqlite`): the zero-set-up default, for one machine.
///
/// Steps of the tables are recorded the way GRDB's migrator records them, under the same
/// names, so that files written before this type existed open unchanged.
public final class SQLiteRecords: RelationalDatabase {
    public let path: String
    private let pool: DatabasePool

    public var dialect: SQLDialect { .sqlite }
    public var location: String { path }

    /// Opens (creating when missing, with mode 0600) the file at `path`. With `secureDelete`,
    /// deleted rows are overwritten with zeros, so that an erased key leaves nothing in the file.
    /// `flushEachCommit: false` lets the write-ahead log reach the disk at checkpoints rather
    /// than at every commit: a killed process still loses nothing, a machine that loses power
    /// may lose the last commits. For records that are re-derived or repeated safely (the
    /// webhooks' outbox: a lost cursor move queues nothing twice, a lost attempt is tried again).
    public init(path: String, secureDelete: Bool = false, flushEachCommit: Bool = true) throws(StoreError) {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: flushEachCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            if secureDelete { try db.execute(sql: "PRAGMA secure_delete = ON") }
        }
        do {
            let existed = FileManager.default.fileExists(atPath: path)
            pool = try DatabasePool(path: path, configuration: configuration)
            if !existed { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path) }
        } catch {
            throw StoreError.storage("Cannot open \(path): \(error)", advice: "Check that the data directory is writable and the file is Facet's.")
        }
    }

    public func write<T>(_ body: (any RelationalTransaction) throws -> T) throws -> T {
        try pool.write { db in try body(Statements(db: db)) }
    }

    public func read<T>(_ body: (any RelationalTransaction) throws -> T) throws -> T {
        try pool.read { db in try body(Statements(db: db)) }
    }

    public func migrate(_ schema: [TableStep]) throws {
        var migrator = DatabaseMigrator()
        for step in schema {
            migrator.registerMigration(step.identifier) { db in
                for statement in step.sqlite { try db.execute(sql: statement) }
            }
        }
        try migrator.migrate(pool)
    }

    public func purgeDeleted() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    struct Statements: RelationalTransaction {
        let db: Database
        var dialect: SQLDialect { .sqlite }

        func execute(_ sql: String, _ arguments: [any SQLColumnValue]) throws -> Int {
            try db.cachedStatement(sql: sql).execute(arguments: Self.bind(arguments))
            return db.changesCount
        }

        func rows(_ sql: String, _ arguments: [any SQLColumnValue]) throws -> [SQLRow] {
            let statement = try db.cachedStatement(sql: sql)
            let columns = statement.columnNames
            return try Row.fetchAll(statement, arguments: Self.bind(arguments)).map { row in
                SQLRow(columns: columns, values: row.databaseValues.map(Self.value))
            }
        }

        static func bind(_ arguments: [any SQLColumnValue]) -> StatementArguments {
            StatementArguments(arguments.map { argument -> DatabaseValue in
                switch argument.sqlValue {
                case .null: .null
                case .integer(let value): value.databaseValue
                case .real(let value): value.databaseValue
                case .text(let value): value.databaseValue
                case .blob(let value): value.databaseValue
                }
            })
        }

        static func value(_ value: DatabaseValue) -> SQLValue {
            switch value.storage {
            case .null: .null
            case .int64(let value): .integer(value)
            case .double(let value): .real(value)
            case .string(let value): .text(value)
            case .blob(let value): .blob(value)
            }
        }
    }
}
