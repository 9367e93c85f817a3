import FacetPostgres
import FacetStore
import Foundation

/// The storage a parameterised test runs on: every store, security and server suite runs once
/// per kind the machine offers.
public enum StorageKind: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when the tests are given a server (``TestDatabase/url``).
    public static var available: [StorageKind] { TestDatabase.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    public var description: String { rawValue }
}

/// The PostgreSQL server the tests use, named by `FACET_TEST_DATABASE_URL` (`.ci/run` starts a
/// private one and sets it). Each test gets a schema of its own in that database, removed when
/// it ends, so tests run side by side without seeing each other.
public enum TestDatabase {
    /// The server's URL; `nil` when none was given, and the PostgreSQL cases are left out.
    public static let url: String? = {
        guard let url = ProcessInfo.processInfo.environment["FACET_TEST_DATABASE_URL"], !url.isEmpty else { return nil }
        return url
    }()

    /// The URL of a new, empty schema in the test database; reached through `port` on this
    /// machine instead of the server's own when given (a ``CuttableRelay``).
    public static func freshSchemaURL(throughPort port: Int? = nil) throws -> String {
        guard var url else { throw TestDatabaseMissing() }
        if let port, var components = URLComponents(string: url) {
            components.port = port
            url = components.string ?? url
        }
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return url + (url.contains("?") ? "&" : "?") + "schema=" + schema + "&pool=4"
    }

    /// The test database server's port.
    public static var port: Int? { url.flatMap { URLComponents(string: $0)?.port } ?? (url == nil ? nil : 5432) }

    /// Drops the schema `url` names and everything in it.
    public static func dropSchema(of url: String) {
        guard let backend = try? PostgresBackend(location: PostgresLocation(url: url)) else { return }
        try? backend.dropSchema()
        backend.close()
    }

    /// A backend of `kind`, and what removes it again: a temporary directory, or a schema.
    public static func backend(_ kind: StorageKind) throws -> (backend: any StorageBackend, location: String) {
        switch kind {
        case .sqlite:
            let directory = NSTemporaryDirectory() + "facet-store-test-" + UUID().uuidString
            return (try SQLiteBackend(directory: directory), directory)
        case .postgres:
            let url = try freshSchemaURL()
            return (try PostgresBackend(location: PostgresLocation(url: url)), url)
        }
    }

    /// The same storage again, as a restarted process would open it.
    public static func reopen(_ kind: StorageKind, at location: String) throws -> any StorageBackend {
        switch kind {
        case .sqlite: try SQLiteBackend(directory: location)
        case .postgres: try PostgresBackend(location: PostgresLocation(url: location))
        }
    }

    /// Removes what ``backend(_:)`` made.
    public static func remove(_ kind: StorageKind, at location: String) {
        switch kind {
        case .sqlite: try? FileManager.default.removeItem(atPath: location)
        case .postgres: dropSchema(of: location)
        }
    }
}

/// PostgreSQL tests asked for without a server to run on.
public struct TestDatabaseMissing: Error, CustomStringConvertible {
    public init() {}
    public var description: String {
        "FACET_TEST_DATABASE_URL is not set: start a PostgreSQL server and set it to its URL (.ci/run does both)"
    }
}
