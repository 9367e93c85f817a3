import GROQ
import NIOCore
import Synchronization

/// Stops evaluations whose clients have gone: while queries run, one task looks at their
/// connections a few times a second and cancels the evaluation of each client that closed its
/// connection.
///
/// The server does not read from a connection while it answers a request on it (HTTP/1.1
/// answers in order), so it would learn of the client's close only when it writes the answer.
/// The watch asks the kernel instead: a connection whose TCP state has left `ESTABLISHED` (the
/// client sent FIN or RST) has been hung up.
///
/// One watching task serves every running query, and only while some query runs: a query pays a
/// lock and a dictionary entry, not a task and a timer of its own. Nothing is held once a query
/// is answered, however many queries a kept-alive connection sends. A connection that was not
/// open when the request arrived (the in-memory channels of router tests) is not watched.
///
/// ```swift
/// let body = try await hangUps.whileRunning(on: context.connection, cancelling: cancellation) {
///     try await workers.run { try evaluation.run(on: source) }
/// }
/// ```
final class HangUpWatch: Sendable {
    /// How often the connections are looked at.
    static let interval: Duration = .milliseconds(100)

    private struct Watched: Sendable {
        let connection: any Channel
        let cancellation: EvaluationCancellation
    }

    private struct State: Sendable {
        var nextTicket: UInt64 = 0
        var watched: [UInt64: Watched] = [:]
        var polling = false
    }

    private let state = Mutex(State())

    /// Runs `work`, cancelling `cancellation` if the client closes `connection` meanwhile.
    func whileRunning<Value: Sendable>(on connection: any Channel, cancelling cancellation: EvaluationCancellation?,
                                       _ work: () async throws -> Value) async throws -> Value
    {
        guard let cancellation, connection.isActive else { return try await work() }
        let (ticket, startPolling) = state.withLock { state -> (UInt64, Bool) in
            state.nextTicket &+= 1
            state.watched[state.nextTicket] = Watched(connection: connection, cancellation: cancellation)
            defer { state.polling = true }
            return (state.nextTicket, !state.polling)
        }
        if startPolling { Task { await self.poll() } }
        defer { _ = state.withLock { $0.watched.removeValue(forKey: ticket) } }
        return try await work()
    }

    /// Queries watched now, and whether the watching task runs.
    var load: (watched: Int, polling: Bool) { state.withLock { ($0.watched.count, $0.polling) } }

    /// Looks at every watched connection each interval; ends when nothing is watched.
    private func poll() async {
        while true {
            try? await Task.sleep(for: Self.interval)
            let watched: [Watched]? = state.withLock { state in
                if state.watched.isEmpty {
                    state.polling = false
                    return nil
                }
                return Array(state.watched.values)
            }
            guard let watched else { return }
            for item in watched where !item.cancellation.isCancelled {
                if await Self.hasHungUp(item.connection) { item.cancellation.cancel() }
            }
        }
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
