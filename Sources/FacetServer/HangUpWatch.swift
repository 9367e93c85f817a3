import GROQ
import NIOCore

/// Stops an evaluation whose client has gone: while the work runs, it looks at the connection a
/// few times a second and cancels the evaluation once the connection is closed.
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
                if !connection.isActive {
                    cancellation.cancel()
                    return
                }
            }
        }
        defer { watch.cancel() }
        return try await work()
    }
}
