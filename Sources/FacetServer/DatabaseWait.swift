import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import Logging

/// What a server answers while it waits at start for a database it cannot reach yet: every
/// request gets 503 with `Retry-After`, and `/health` says why, on the port the server will
/// serve on, so that a load balancer sees a server that is starting rather than a dead one.
///
/// ```swift
/// let security = try await DatabaseWait.answering(host: "127.0.0.1", port: 3333, logger: logger) {
///     try openSecurity()          // tried again until the database answers
/// }
/// ```
public enum DatabaseWait {
    /// Serves 503s on `host:port` while `attempt` fails with an `unavailable` error, trying it
    /// again with a growing pause (1 s, doubling, up to 30 s); returns its first result, with the
    /// port free again for the real server. Other errors end the wait and are thrown.
    public static func answering<T: Sendable>(host: String, port: Int, logger: Logger,
                                              isUnavailable: @escaping @Sendable (any Error) -> Bool,
                                              _ attempt: @escaping @Sendable () throws -> T) async throws -> T {
        let first = Result { try attempt() }
        if case .failure(let error) = first, isUnavailable(error) {
            logger.warning("the database cannot be reached (\(error)); answering 503 on \(host):\(port) and trying again every few seconds")
        } else {
            return try first.get()
        }
        let router = Router()
        router.get("/health") { _, _ in
            JSONBody.response(["status": "unavailable", "database": "unreachable",
                               "advice": "The server is starting and waits for its database; it serves as soon as the database answers."],
                              status: .serviceUnavailable, headers: [.retryAfter: "5"])
        }
        router.add(middleware: Unavailable())
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)
        let holding = BackgroundServer(app, logger: logger)
        // The port is free again once the holding server has stopped.
        let result = try await holding.stop(after: { try await retry(attempt, isUnavailable: isUnavailable) })
        logger.info("the database answers; starting")
        return result
    }

    /// Tries `attempt` with a growing pause (1 s, doubling, up to 30 s) until it fails otherwise
    /// than `isUnavailable` says.
    private static func retry<T>(_ attempt: () throws -> T, isUnavailable: (any Error) -> Bool) async throws -> T {
        var pause = Duration.seconds(1)
        while true {
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .seconds(30))
            let result = Result { try attempt() }
            if case .failure(let error) = result, isUnavailable(error) { continue }
            return try result.get()
        }
    }

    /// Every request but `/health`: 503, tried again by clients after `Retry-After`.
    struct Unavailable: RouterMiddleware {
        func handle(_ request: Request, context: BasicRequestContext,
                    next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
            if request.uri.path == "/health" { return try await next(request, context) }
            return JSONBody.response(APIError(.serviceUnavailable, type: "databaseUnavailable",
                                              "The server is starting and cannot reach its database yet; try again shortly").json,
                                     status: .serviceUnavailable, headers: [.retryAfter: "5"])
        }
    }
}
