import FacetStore
import Foundation
import NIOCore
import PostgresNIO

/// The records that are not documents (users, tokens, keys, the audit log, the migration
/// ledger) in the PostgreSQL database the datasets live in, so that every server sharing it
/// shares them too.
///
/// They live in a schema of their own (`facet_records`, or `<schema>_records` beside a
/// `schema=` of the URL), so that their plain table names (`users`, `audit_log`) never meet a
/// table of someone else's. Writes take turns through one advisory lock per schema, as
/// SQLite's single writer makes them take turns on one machine: the audit log stays one hash
/// chain and a data key is made once, whichever server asks.
///
/// ```swift
/// let backend = try PostgresBackend(location: PostgresLocation(url: "postgres://facet@127.0.0.1/facet"))
/// let security = try SecurityDatabase(records: backend.records(), directory: "./facet-data")
/// ```
public final class PostgresRecords: RelationalDatabase {
    let connections: PostgresConnections
    /// The schema the records' tables live in.
    public let schema: String
    private let writeLock: Int64

    public var dialect: SQLDialect { .postgres }
    public var location: String { "\(connections.location) (schema \(schema))" }
    /// The URL the datasets' database was opened with (password included), for tools and tests
    /// that open it again.
    public var url: String { connections.location.url }

    init(connections: PostgresConnections) {
        self.connections = connections
        schema = Self.schema(besides: connections.location.schema)
        // FNV-1a of the schema's name: one lock per Facet sharing the database.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "facet records \(schema)".utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        writeLock = Int64(bitPattern: hash)
    }

    /// The records' schema for datasets in `schema` (checked to be a plain lowercase name).
    static func schema(besides schema: String?) -> String {
        schema.map { String($0.prefix(55)) + "_records" } ?? "facet_records"
    }

    public func write<T>(_ body: (any RelationalTransaction) throws -> T) throws -> T {
        try run(begin: "BEGIN", locking: true, body)
    }

    public func read<T>(_ body: (any RelationalTransaction) throws -> T) throws -> T {
        try run(begin: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", locking: false, body)
    }

    private func run<T>(begin: String, locking: Bool, _ body: (any RelationalTransaction) throws -> T) throws -> T {
        // The body's own errors pass through unchanged; only the database's are translated.
        var failure: (any Error)?
        let result: T? = try connections.withTransaction(begin) { connection in
            // `SET LOCAL` lasts until the transaction ends, so the connection goes back to the
            // pool with the datasets' schema.
            _ = connection.send(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(schema)"))
            if locking { try connection.run("SELECT pg_advisory_xact_lock(\(writeLock))") }
            do {
                return (try body(Statements(connection: connection)), commit: true)
            } catch let error as Statements.Failure {
                throw error.underlying
            } catch {
                failure = error
                return (nil, commit: false)
            }
        }
        if let failure { throw failure }
        return result!
    }

    public func migrate(_ schema: [TableStep]) throws {
        try connections.withTransaction { connection in
            try connection.run("SELECT pg_advisory_xact_lock(\(writeLock))")
            try connection.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(self.schema)"))
            try connection.run(PostgresQuery(unsafeSQL: "SET LOCAL search_path TO \(self.schema)"))
            try connection.run("CREATE TABLE IF NOT EXISTS facet_record_steps (identifier text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            let done = Set(try connection.run("SELECT identifier FROM facet_record_steps").map { try $0.decode(String.self) })
            for step in schema where !done.contains(step.identifier) {
                for statement in step.postgres { try connection.run(PostgresQuery(unsafeSQL: statement)) }
                try connection.run("INSERT INTO facet_record_steps (identifier) VALUES (\(step.identifier))")
            }
            return ((), commit: true)
        }
    }

    /// PostgreSQL keeps deleted rows until its vacuum reclaims them; a destroyed key's row is
    /// left to that, as its write-ahead log is left to the database's own retention.
    public func purgeDeleted() throws {}

    /// Statements on the connection of one transaction. `?` placeholders become `$1`, `$2`…
    struct Statements: RelationalTransaction {
        let connection: PostgresConnection
        var dialect: SQLDialect { .postgres }

        /// A database error inside the body, kept apart from the body's own errors so that it is
        /// translated (503 for a lost database) and closes a failed connection.
        struct Failure: Error { let underlying: any Error }

        func execute(_ sql: String, _ arguments: [any SQLColumnValue]) throws -> Int {
            do { return try connection.run(Self.query(sql, arguments)).metadata.rows ?? 0 } catch { throw Failure(underlying: error) }
        }

        func rows(_ sql: String, _ arguments: [any SQLColumnValue]) throws -> [SQLRow] {
            let result: PostgresQueryResult
            do { result = try connection.run(Self.query(sql, arguments)) } catch { throw Failure(underlying: error) }
            return result.rows.map { row in
                var columns: [String] = [], values: [SQLValue] = []
                for cell in row {
                    columns.append(cell.columnName)
                    values.append(Self.value(cell))
                }
                return SQLRow(columns: columns, values: values)
            }
        }

        static func query(_ sql: String, _ arguments: [any SQLColumnValue]) -> PostgresQuery {
            var bindings = PostgresBindings(capacity: arguments.count)
            for argument in arguments {
                switch argument.sqlValue {
                case .null: bindings.appendNull()
                case .integer(let value): bindings.append(value)
                case .real(let value): bindings.append(value)
                // PostgreSQL's text cannot hold NUL; the records' text is Facet's own (names,
                // keys, JSON with NUL escaped), so one arriving is replaced rather than refused.
                case .text(let value): bindings.append(value.contains("\u{0}") ? value.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : value)
                case .blob(let value): bindings.append(ByteBuffer(bytes: value))
                }
            }
            return PostgresQuery(unsafeSQL: numbered(sql), binds: bindings)
        }

        /// `sql` with each `?` outside quotes numbered as PostgreSQL's `$n`.
        static func numbered(_ sql: String) -> String {
            var result = "", number = 0, quote: Character?
            result.reserveCapacity(sql.utf8.count + 8)
            for character in sql {
                if let open = quote {
                    if character == open { quote = nil }
                    result.append(character)
                } else if character == "'" || character == "\"" {
                    quote = character
                    result.append(character)
                } else if character == "?" {
                    number += 1
                    result += "$\(number)"
                } else {
                    result.append(character)
                }
            }
            return result
        }

        static func value(_ cell: PostgresCell) -> SQLValue {
            guard cell.bytes != nil else { return .null }
            switch cell.dataType {
            case .int2, .int4, .int8, .oid:
                return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
            case .float4, .float8:
                return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
            case .numeric:
                return (try? cell.decode(String.self)).flatMap(Double.init).map(SQLValue.real) ?? .null
            case .bool:
                return (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
            case .bytea:
                return (try? cell.decode(Data.self)).map(SQLValue.blob) ?? .null
            default:
                return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
            }
        }
    }
}

extension PostgresBackend {
    /// The records of this database (users, keys, the audit log, the migration ledger), for
    /// `SecurityDatabase(records:directory:)` and `MigrationLedger(records:)`.
    public func records() -> PostgresRecords {
        PostgresRecords(connections: connections)
    }

    public var sharedRecords: (any RelationalDatabase)? { records() }
}
