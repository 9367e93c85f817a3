import Foundation

/// A small relational database for the records that are not documents: users, tokens, keys,
/// the audit log, the migration ledger. SQLite keeps them in a file of the data directory;
/// PostgreSQL keeps them beside the datasets, so that every server sharing the database shares
/// them too.
///
/// Statements are written once, in the SQL both dialects accept (`?` placeholders,
/// `INSERT … ON CONFLICT`, `RETURNING`); only table definitions differ, and each
/// ``TableStep`` gives both.
///
/// ```swift
/// let names = try database.read { db in
///     try db.rows("SELECT name FROM users WHERE role = ?", ["administrator"]).map { $0["name"] as String }
/// }
/// ```
public protocol RelationalDatabase: Sendable {
    /// Which SQL the database speaks, for the few statements that differ.
    var dialect: SQLDialect { get }

    /// Where the records are, for messages.
    var location: String { get }

    /// Runs `body` in a write transaction, committed when it returns and rolled back when it
    /// throws. Writes take turns: on PostgreSQL every server's writes to these records are
    /// serialised, as SQLite's single writer serialises one machine's.
    func write<T>(_ body: (any RelationalTransaction) throws -> T) throws -> T

    /// Runs `body` on one consistent view of the records.
    func read<T>(_ body: (any RelationalTransaction) throws -> T) throws -> T

    /// Runs the steps of `schema` not yet run, in order, each once.
    func migrate(_ schema: [TableStep]) throws

    /// Removes what deleted rows leave behind where the database can (SQLite's write-ahead log),
    /// so that a destroyed key does not linger in a file.
    func purgeDeleted() throws
}

/// The SQL a ``RelationalDatabase`` speaks.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres
}

/// Statements inside one transaction of a ``RelationalDatabase``.
public protocol RelationalTransaction {
    var dialect: SQLDialect { get }

    /// Runs a statement; the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [any SQLColumnValue]) throws -> Int

    /// Runs a query; all its rows.
    func rows(_ sql: String, _ arguments: [any SQLColumnValue]) throws -> [SQLRow]
}

extension RelationalTransaction {
    @discardableResult
    public func execute(_ sql: String) throws -> Int { try execute(sql, []) }

    public func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }

    /// The first row of a query, if any.
    public func row(_ sql: String, _ arguments: [any SQLColumnValue] = []) throws -> SQLRow? {
        try rows(sql, arguments).first
    }

    /// The first column of the first row, if any and not NULL.
    public func value<T: SQLColumnValue>(_ sql: String, _ arguments: [any SQLColumnValue] = [], as type: T.Type = T.self) throws -> T? {
        guard let row = try row(sql, arguments), let first = row.values.first else { return nil }
        return T(sql: first)
    }

    /// The first column of every row.
    public func values<T: SQLColumnValue>(_ sql: String, _ arguments: [any SQLColumnValue] = [], as type: T.Type = T.self) throws -> [T] {
        try rows(sql, arguments).compactMap { $0.values.first.flatMap(T.init(sql:)) }
    }

    /// `count` placeholders separated by commas, for `IN (…)`.
    public static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

/// One step of a module's tables, run once per database. A released step is never edited:
/// databases that ran it keep what it made.
///
/// The steps of SQLite and PostgreSQL differ where their histories do: a PostgreSQL database
/// starts from the tables' present shape, so steps that only altered older SQLite files have
/// no PostgreSQL part.
public struct TableStep: Sendable {
    /// The step's name; SQLite records it as GRDB's migrator did, so older files carry on.
    public var identifier: String
    public var sqlite: [String]
    public var postgres: [String]

    public init(_ identifier: String, sqlite: [String], postgres: [String]) {
        self.identifier = identifier
        self.sqlite = sqlite
        self.postgres = postgres
    }

    /// A step whose statements both dialects accept.
    public init(_ identifier: String, both statements: [String]) {
        self.init(identifier, sqlite: statements, postgres: statements)
    }

    public func statements(for dialect: SQLDialect) -> [String] {
        dialect == .sqlite ? sqlite : postgres
    }
}

/// A value bound to a statement or read from a row.
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
}

/// A Swift value that goes into and comes out of a column.
public protocol SQLColumnValue {
    /// The value as a column holds it.
    var sqlValue: SQLValue { get }
    /// The value a column holds, or `nil` when it is not of this type.
    init?(sql: SQLValue)
}

extension SQLValue: SQLColumnValue {
    public var sqlValue: SQLValue { self }
    public init?(sql: SQLValue) { self = sql }
}

extension String: SQLColumnValue {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sql: SQLValue) {
        guard case .text(let text) = sql else { return nil }
        self = text
    }
}

extension Int64: SQLColumnValue {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sql: SQLValue) {
        switch sql {
        case .integer(let value): self = value
        case .real(let value) where value.rounded() == value && abs(value) < 9.2e18: self = Int64(value)
        default: return nil
        }
    }
}

extension Int: SQLColumnValue {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sql: SQLValue) {
        guard let value = Int64(sql: sql) else { return nil }
        self = Int(value)
    }
}

extension Double: SQLColumnValue {
    public var sqlValue: SQLValue { .real(self) }
    public init?(sql: SQLValue) {
        switch sql {
        case .real(let value): self = value
        case .integer(let value): self = Double(value)
        default: return nil
        }
    }
}

/// Booleans are stored as 0 and 1 in both dialects, so that one statement serves both.
extension Bool: SQLColumnValue {
    public var sqlValue: SQLValue { .integer(self ? 1 : 0) }
    public init?(sql: SQLValue) {
        guard let value = Int64(sql: sql) else { return nil }
        self = value != 0
    }
}

extension Data: SQLColumnValue {
    public var sqlValue: SQLValue { .blob(self) }
    public init?(sql: SQLValue) {
        switch sql {
        case .blob(let data): self = data
        // SQLite hands back a zero-length blob as text when it was bound as such.
        case .text(let text) where text.isEmpty: self = Data()
        default: return nil
        }
    }
}

extension Optional: SQLColumnValue where Wrapped: SQLColumnValue {
    public var sqlValue: SQLValue { map(\.sqlValue) ?? .null }
    public init?(sql: SQLValue) {
        if case .null = sql { self = .none; return }
        guard let value = Wrapped(sql: sql) else { return nil }
        self = .some(value)
    }
}

/// One row a query returned, read by column name or position.
public struct SQLRow: Sendable, CustomStringConvertible {
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    /// `[name:"ada" disabled:0]`, as GRDB prints its rows.
    public var description: String {
        "[" + zip(columns, values).map { column, value in
            let shown = switch value {
            case .null: "NULL"
            case .integer(let number): String(number)
            case .real(let number): String(number)
            case .text(let text): "\"\(text)\""
            case .blob(let data): "Data(\(data.count) bytes)"
            }
            return "\(column):\(shown)"
        }.joined(separator: " ") + "]"
    }

    /// The value of column `name`, `.null` when the row has no such column.
    /// Names are matched as SQL matches them, whatever their case: PostgreSQL hands back the
    /// unquoted `appliedAt` as `appliedat`.
    public func value(_ name: String) -> SQLValue {
        let index = columns.firstIndex(of: name) ?? columns.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame }
        return index.map { values[$0] } ?? .null
    }

    /// The column `name` as `T`. The tables are Facet's own, so a column of another type is a
    /// defect in Facet, not in anyone's input, and stops the process as GRDB's rows do.
    public subscript<T: SQLColumnValue>(_ name: String) -> T {
        Self.convert(value(name), column: name)
    }

    public subscript<T: SQLColumnValue>(_ index: Int) -> T {
        Self.convert(index < values.count ? values[index] : .null, column: "#\(index)")
    }

    private static func convert<T: SQLColumnValue>(_ value: SQLValue, column: String) -> T {
        guard let converted = T(sql: value) else {
            preconditionFailure("Column \(column) holds \(value), not \(T.self)")
        }
        return converted
    }
}

