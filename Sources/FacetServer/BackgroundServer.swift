import Hummingbird
import Logging
import ServiceLifecycle

/// An HTTP server run beside other work and stopped by the code that started it: the 503 server
/// that holds a port while the database is away, the servers benchmarks measure, a receiver for
/// test hooks.
///
/// It is stopped by a graceful shutdown, never by cancelling its task. A connection the kernel has
/// accepted but the server has not yet taken up would otherwise be dropped unclosed, and
/// SwiftNIO stops the whole process when that happens ("Deinited NIOAsyncWriter without calling
/// finish()"); a graceful shutdown closes the listening socket first and then serves every
/// connection already accepted.
///
/// ```swift
/// let server = BackgroundServer(app)
/// let answer = try await server.stop(after: { try await ask(port) })   // the port is free again
/// ```
public struct BackgroundServer: Sendable {
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Starts `app` at once.
    /// - Parameter drainTimeLimit: How long connections may take to finish once stopping; past it
    ///   what is left is cancelled (by then nothing new can be accepted).
    public init(_ app: some ApplicationProtocol, drainTimeLimit: Duration = .seconds(5), logger: Logger? = nil) {
        var configuration = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [],
                                                      logger: logger ?? Logger(label: "facet-background-server"))
        configuration.maximumGracefulShutdownDuration = drainTimeLimit
        let group = ServiceGroup(configuration: configuration)
        self.group = group
        running = Task { try await group.run() }
    }

    /// Runs `body` while the server serves, then stops the server, whether `body` returned or
    /// threw, and only then returns or throws what `body` did.
    public func stop<T>(after body: () async throws -> T) async throws -> T {
        let outcome: Result<T, any Error>
        do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
        await stop()
        return try outcome.get()
    }

    /// Stops accepting, lets the accepted connections finish, and returns once the server has
    /// stopped and its port is free. Stopping twice is harmless.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = await running.result
    }
}
