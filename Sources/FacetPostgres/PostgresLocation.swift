import FacetStore
import Foundation
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL database is and how to use it, read from a connection URL:
/// `postgres://user:password@host:5432/database?sslmode=disable&pool=10&connect_timeout=10&timeout=30`.
///
/// The settings beside the address are Facet's own: `pool` (connections per server, default
/// 10), `connect_timeout` (seconds to wait for a connection, default 10), `timeout` (seconds
/// a request waits for a free connection, default 30), `statement_timeout` (seconds a statement
/// or its wait for a lock may take, default 60) and `schema` (the schema Facet's tables
/// live in, made when missing; by default the user's `search_path`, usually `public`). `sslmode` is libpq's: `disable`,
/// `prefer` or `require`. A socket directory is given as `host=/var/run/postgresql`.
///
/// ```swift
/// let location = try PostgresLocation(url: "postgres://facet@127.0.0.1:5432/facet")
/// let backend = try PostgresBackend(location: location)
/// ```
public struct PostgresLocation: Sendable, CustomStringConvertible {
    /// How the server is reached.
    public var configuration: PostgresConnection.Configuration
    /// Connections this process opens at most.
    public var poolSize: Int
    /// How long opening a connection may take.
    public var connectTimeout: Duration
    /// How long a request waits for a free connection before it is answered "unavailable".
    public var checkoutTimeout: Duration
    /// How long one statement (or its wait for a lock) may take before the database cancels it:
    /// a database that stalls costs a bounded wait and a 503, never a request that hangs.
    public var statementTimeout: Duration
    /// The schema Facet's tables live in; `nil` for the connection's default.
    public var schema: String?
    /// The address without its password, for logs and messages.
    public let description: String
    /// The URL as given, password included: never for logs (``description`` is).
    public let url: String

    /// Whether `text` names a PostgreSQL database rather than a directory.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(url text: String) throws(StoreError) {
        url = text
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw Self.invalid(text, "is not a postgres:// URL")
        }
        let settings = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let known: Set = ["sslmode", "pool", "connect_timeout", "timeout", "statement_timeout", "host", "application_name", "schema"]
        if let unknown = settings.keys.sorted().first(where: { !known.contains($0) }) {
            throw Self.invalid(text, "has the setting \"\(unknown)\", which Facet does not know (it knows \(known.sorted().joined(separator: ", ")))")
        }
        let username = components.user.flatMap { $0.removingPercentEncoding } ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        let password = components.password.flatMap { $0.removingPercentEncoding }
        var database = String(components.path.drop(while: { $0 == "/" }))
        if database.isEmpty { database = username }
        func number(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(StoreError) -> Int {
            guard let given = settings[name] else { return value }
            guard let parsed = Int(given), range.contains(parsed) else {
                throw Self.invalid(text, "has \(name)=\(given); give a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return parsed
        }
        poolSize = try number("pool", default: 10, in: 1...500)
        connectTimeout = .seconds(try number("connect_timeout", default: 10, in: 1...600))
        checkoutTimeout = .seconds(try number("timeout", default: 30, in: 1...3_600))
        statementTimeout = .seconds(try number("statement_timeout", default: 60, in: 1...86_400))

        if let socket = settings["host"], socket.hasPrefix("/") {
            let port = components.port ?? 5432
            configuration = PostgresConnection.Configuration(unixSocketPath: socket + "/.s.PGSQL.\(port)", username: username,
                                                             password: password, database: database)
        } else {
            guard let host = components.host, !host.isEmpty else { throw Self.invalid(text, "names no host") }
            let tls: PostgresConnection.Configuration.TLS
            switch settings["sslmode"] ?? "disable" {
            case "disable": tls = .disable
            case "prefer", "require":
                let context: NIOSSLContext
                do { context = try NIOSSLContext(configuration: .makeClientConfiguration()) } catch {
                    throw StoreError.storage("Cannot set up TLS for \(host): \(error)", advice: "Use sslmode=disable on a trusted network.")
                }
                tls = settings["sslmode"] == "require" ? .require(context) : .prefer(context)
            case let other:
                throw Self.invalid(text, "has sslmode=\(other); use disable, prefer or require")
            }
            configuration = PostgresConnection.Configuration(host: host, port: components.port ?? 5432, username: username,
                                                             password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(connectTimeout.components.seconds))
        let limit = "\(statementTimeout.components.seconds)s"
        configuration.options.additionalStartupParameters = [("application_name", settings["application_name"] ?? "facet"),
                                                              ("statement_timeout", limit), ("lock_timeout", limit)]
        if let schema = settings["schema"] {
            let bytes = Array(schema.utf8)
            guard !bytes.isEmpty, bytes.count <= 63, bytes[0] >= 0x61, bytes[0] <= 0x7A,
                  bytes.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F })
            else {
                throw Self.invalid(text, "has schema=\(schema); use 1 to 63 lowercase letters, digits and '_', starting with a letter")
            }
            self.schema = schema
            // A setting in the start-up message applies to every statement of the connection.
            configuration.options.additionalStartupParameters.append(("search_path", schema))
        } else {
            schema = nil
        }

        var shown = components
        if shown.password != nil { shown.password = "***" }
        description = shown.string ?? "postgres://"
    }

    private static func invalid(_ text: String, _ problem: String) -> StoreError {
        var shown = URLComponents(string: text)
        if shown?.password != nil { shown?.password = "***" }
        return StoreError(.invalid, type: "validationError", message: "The database URL \(shown?.string ?? "given") \(problem)",
                          advice: "Give --database postgres://user:password@host:5432/database (or FACET_DATABASE_URL).")
    }
}
