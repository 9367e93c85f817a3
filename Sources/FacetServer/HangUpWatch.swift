import GROQ
import NIOCore

/// Stops an evaluation whose client has gone: while the work runs, it looks at the connection a
/// few times a second and cancels the evaluation once the client has closed it.
///
/// The server does not read from a connection while it answers a request on it (HTTP/1.1
/// answers in order), so it would learn of the client's close only when it writes the answer.
/// The watch asks the kernel instead: a connection whose TCP state has left `ESTABLISHED` (the
/// client sent FIN or RST) has been hung up.
///
/// Looking, rather than a callback on the connection's close, holds nothing once the request is
/// answered: a connection kept alive for a million queries would otherwise collect a million
/// callbacks. A connection that was not open when the request arrived (the in-memory channels of
/// router tests) is not watched.
///
/// ```swift
/// let body = try await HangUpWatch.whileRunning(on: context.connection, cancelling: cancellation) {
///     try await workers.run { try evaluation.run(on: source) }
/// }
/// ```
enum HangUpWatch {
    /// How often the connection is looked at.
    static let interval: Duration = .milliseconds(100)

    static func whileRunning<Value: Sendable>(on connection: any Channel, cancelling cancellation: EvaluationCancellation?,
                                              _ work: () async throws -> Value) async throws -> Value
    {
        guard let cancellation, connection.isActive else { return try await work() }
        let watch = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if await hasHungUp(connection) {
                    cancellation.cancel()
                    return
                }
            }
        }
        defer { watch.cancel() }
        return try await work()
    }

    /// Whether the client has closed `connection` (or the server has).
    static func hasHungUp(_ connection: any Channel) async -> Bool {
        guard connection.isActive else { return true }
        #if os(Linux)
        if let socket = connection as? any SocketOptionProvider, let info = try? await socket.getTCPInfo().get() {
            // 1 is TCP_ESTABLISHED; a peer's FIN moves the socket to CLOSE_WAIT, its RST to CLOSE.
            return info.tcpi_state != 1
        }
        #endif
        return false
    }
}
