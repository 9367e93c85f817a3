import Dispatch
import FacetStore
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The connections one process keeps to a PostgreSQL database, used from synchronous code.
///
/// The storage protocol is synchronous, as SQLite is: a caller blocks until its statement is
/// answered. Statements go out on SwiftNIO's event loops and the caller waits for their futures,
/// so a waiting caller never holds a thread the connections need.
///
/// A connection that failed is closed rather than reused, and a new one is opened on demand, so
/// a database that restarts costs the requests made while it was down and nothing after.
final class PostgresConnections: Sendable {
    let location: PostgresLocation
    let logger: Logger
    private let permits: DispatchSemaphore
    private let state = Mutex(State())

    private struct State {
        var idle: [PostgresConnection] = []
        var nextID = 1
        var closed = false
    }

    init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
        permits = DispatchSemaphore(value: location.poolSize)
    }

    /// Runs `body` on a connection of its own, outside any transaction.
    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws(StoreError) -> T {
        guard permits.wait(timeout: .now() + .seconds(Int(location.checkoutTimeout.components.seconds))) == .success else {
            throw StoreError.unavailable("All \(location.poolSize) connections to the database are busy",
                                         advice: "Try again shortly, or raise the pool size (pool= in the database URL).")
        }
        defer { permits.signal() }
        let connection = try checkOut()
        do {
            let result = try body(connection)
            checkIn(connection)
            return result
        } catch {
            // A connection that failed, rather than its statement, is not trusted again.
            if connection.isClosed || Self.isConnectionFailure(error) { close(connection) } else { checkIn(connection) }
            throw Self.translate(error)
        }
    }

    /// Runs `body` inside a transaction (`BEGIN` … `COMMIT`), rolled back when it throws or
    /// returns `false`.
    func withTransaction<T>(_ begin: String = "BEGIN", _ body: (PostgresConnection) throws -> (T, commit: Bool)) throws(StoreError) -> T {
        try withConnection { connection in
            // Not waited for: the first statement of `body` is answered only after it, and
            // fails if it failed.
            _ = connection.send(PostgresQuery(unsafeSQL: begin))
            let result: (T, commit: Bool)
            do {
                result = try body(connection)
            } catch {
                // When the rollback fails too, the connection is closed by the caller's catch.
                try connection.run("ROLLBACK")
                throw error
            }
            try connection.run(result.commit ? "COMMIT" : "ROLLBACK")
            return result.0
        }
    }

    private func checkOut() throws(StoreError) -> PostgresConnection {
        let (reused, id, closed): (PostgresConnection?, Int, Bool) = state.withLock { state in
            while let connection = state.idle.popLast() {
                if !connection.isClosed { return (connection, 0, state.closed) }
            }
            defer { state.nextID += 1 }
            return (nil, state.nextID, state.closed)
        }
        if closed { throw StoreError.unavailable("The database connections are closed", advice: "The server is stopping.") }
        if let reused { return reused }
        do {
            return try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: location.configuration,
                                                  id: id, logger: logger).wait()
        } catch {
            let reason = Self.translate(error)
            guard reason.kind == .unavailable else { throw reason }
            // Never connected: say where it tried, not that a connection was lost.
            throw StoreError.unavailable("Cannot connect to the database at \(location): nothing answered, or it refused the connection",
                                         advice: "Check that PostgreSQL runs there and the URL is right; a server keeps trying by itself.")
        }
    }

    private func checkIn(_ connection: PostgresConnection) {
        let keep = state.withLock { state in
            guard !state.closed, !connection.isClosed else { return false }
            state.idle.append(connection)
            return true
        }
        if !keep { close(connection) }
    }

    private func close(_ connection: PostgresConnection) {
        // The connection must live until it is closed: postgres-nio checks that on release.
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Whether `error` means the connection itself failed (lost, refused, shut down by the
    /// server), as opposed to one statement.
    static func isConnectionFailure(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError else { return !(error is StoreError) }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return state.hasPrefix("08") || state.hasPrefix("57P")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        default:
            return false
        }
    }

    /// Connections still idle when the pool goes (a backend dropped without ``shutdown()``) are
    /// closed, each kept alive until it is: postgres-nio requires it.
    deinit {
        let idle = state.withLock { state in
            defer { state.idle.removeAll() }
            return state.idle
        }
        for connection in idle {
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }
    }

    /// Closes every idle connection; those in use close when they are given back.
    func shutdown() {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle
        }
        for connection in idle { try? connection.close().wait() }
    }

    /// A database failure as the store reports it: the database out of reach is `unavailable`
    /// (503, retried by clients), a refused statement is a `storage` failure naming its reason.
    static func translate(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        guard let error = error as? PSQLError else {
            return StoreError.unavailable("The database cannot be reached: \(error)")
        }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? "\(error)"
            // Class 08 is a connection failure; 57P0x an administrator's shutdown or a server
            // still starting; 53300 too many connections.
            if state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" {
                return StoreError.unavailable("The database is not accepting requests: \(message)")
            }
            // The statement ran past `statement_timeout`, or waited past `lock_timeout`.
            if state == "57014" || state == "55P03" {
                return StoreError.unavailable("The database did not answer in time: \(message)",
                                              advice: "Try again shortly; if it keeps happening, the database is overloaded or a lock is held too long.")
            }
            return StoreError.storage("The database refused a statement: \(message) (SQLSTATE \(state))",
                                      advice: "Check the database's log; if the disk is full or the user lacks rights, fix that and retry.")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return StoreError.unavailable("The connection to the database was lost (\(error.code))")
        default:
            return StoreError.storage("The database connection failed: \(error.code)")
        }
    }

    /// Whether `error` is PostgreSQL's unique violation, as a second transaction with a used id is.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == "23505"
    }
}

extension PostgresConnection {
    /// Sends one statement without waiting: the connection answers its statements in order.
    func send(_ query: PostgresQuery) -> EventLoopFuture<PostgresQueryResult> {
        self.query(query, logger: logger)
    }

    /// Runs one statement and waits for all its rows.
    @discardableResult
    func run(_ query: PostgresQuery) throws -> PostgresQueryResult {
        try self.query(query, logger: logger).wait()
    }
}
