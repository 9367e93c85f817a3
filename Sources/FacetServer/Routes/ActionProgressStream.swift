import FacetSchema
import GROQ
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The answer to `POST /v1/actions/:dataset/:action` for a caller that sent
/// `Accept: text/event-stream`: the action's progress as server-sent events, then its answer.
///
/// ```
/// event: progress
/// data: {"stage":"fitting the models","done":0.1}
///
/// event: progress
/// data: {"stage":"writing 6,050 documents","done":0.75}
///
/// event: result
/// data: {"action":"refresh-predictions","documentId":"analytics","message":"…","tone":"success",…}
///
/// ```
///
/// `result` carries exactly the body the plain request answers; when the action fails, `error`
/// carries the error body the plain request answers (`{"error": {…}, "statusCode": 400}`), its
/// status included, since the stream's own status is already 200. The stream ends after either.
///
/// - **Coalesced.** At most one `progress` event per ``interval`` (ten a second): reports that
///   arrive meanwhile replace one another, and only the newest is sent. The first report is
///   always sent, and the last one before the answer, so a bar starts at once and ends where
///   the action got to.
/// - **Quiet stages.** A stage that reports nothing for ``keepAliveInterval`` (a long fit) gets a
///   `: keep-alive` comment, so that proxies keep the connection open.
/// - **A client that goes away** stops the events, not the action: the action runs to its end
///   and commits everything it would have committed, as the plain request does — a refresh that
///   stopped halfway would leave half of its documents from the new run and half from the old.
///   The server's drain waits for it like a request in flight.
struct ActionProgressStream: Sendable {
    let run: ActionRun
    let lifecycle: ServerLifecycle
    let keepAliveInterval: Duration

    /// The least time between two `progress` events.
    static let interval: Duration = .milliseconds(100)

    /// Whether the caller asked for the event stream (`Accept: text/event-stream`, alone or
    /// among other types).
    static func isRequested(by request: Request) -> Bool {
        request.headers[values: .accept].contains { $0.lowercased().contains("text/event-stream") }
    }

    /// Starts the action and answers the stream of its progress and outcome.
    func response() throws -> Response {
        // Counted as an open stream until the action ends (not until the client leaves), so that
        // a server that stops lets the action finish first.
        guard let token = lifecycle.openStream(onDrain: {}) else {
            throw APIError(.serviceUnavailable, type: "serverShuttingDown",
                           "The server is shutting down; retry in a few seconds, when it is back")
        }
        let mailbox = ProgressMailbox()
        let run = self.run, lifecycle = self.lifecycle
        // Not a child of the request's task: a client that hangs up must not cancel the action.
        Task {
            defer { lifecycle.closeStream(token) }
            mailbox.finish(await run.answer(progress: ActionProgress { stage, done in mailbox.report(stage, done) }))
        }
        let keepAliveInterval = self.keepAliveInterval
        return Response(status: .ok, headers: ListenerStream.headers, body: ResponseBody { writer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: keepAliveInterval)) != nil { mailbox.keepAliveDue() }
                }
                try await Self.write(mailbox, to: &writer)
                group.cancelAll()
            }
            try await writer.finish(nil)
        })
    }

    /// Writes what the mailbox holds each time it has news, at most once per ``interval``,
    /// until the action's outcome has been written.
    private static func write(_ mailbox: ProgressMailbox, to writer: inout any ResponseBodyWriter) async throws {
        var news = mailbox.news.makeAsyncIterator()
        while await news.next() != nil {
            let batch = mailbox.take()
            if batch.outcome != nil {
                try await writer.write(ServerSentEvent.buffer(batch.events))
                return
            }
            if !batch.events.isEmpty {
                try await writer.write(ServerSentEvent.buffer(batch.events))
            } else if batch.keepAlive {
                try await writer.write(ServerSentEvent.keepAlive)
            }
            // Reports that arrive while this waits replace one another: the coalescing.
            try? await Task.sleep(for: interval)
        }
        // The news ended without an outcome only when this task was cancelled (the server
        // closed the connection); the action goes on regardless.
        let batch = mailbox.take()
        if batch.outcome != nil { try await writer.write(ServerSentEvent.buffer(batch.events)) }
    }
}

/// What the running action has reported and the stream has not written yet; the action puts,
/// the stream's writer takes.
///
/// It keeps the first report until it is taken and otherwise only the newest, so that memory
/// stays constant however often the action reports and however slowly the client reads.
final class ProgressMailbox: Sendable {
    struct Report: Sendable, Equatable {
        var stage: String
        var done: Double

        var event: ServerSentEvent {
            // Three decimals are a tenth of a percent: finer is noise on a bar.
            ServerSentEvent(name: "progress", data: ["stage": .string(stage), "done": .number((done * 1000).rounded() / 1000)])
        }
    }

    /// What the writer takes at once: the events to write, in order, and whether the outcome is
    /// among them (the stream ends) or a keep-alive is due.
    struct Batch {
        var events: [ServerSentEvent]
        var outcome: Result<JSONObject, APIError>?
        var keepAlive: Bool
    }

    private struct State {
        var reported = false
        var opening: Report?
        var latest: Report?
        var keepAlive = false
        var outcome: Result<JSONObject, APIError>?
    }

    private let state = Mutex(State())
    /// One element whenever there is something to take; wake-ups that arrive before the writer
    /// looks merge into one.
    let news: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    init() {
        (news, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// The action reached `stage`, with `done` of it finished.
    func report(_ stage: String, _ done: Double) {
        let report = Report(stage: stage, done: done)
        state.withLock { state in
            if state.reported {
                state.latest = report
            } else {
                state.reported = true
                state.opening = report
            }
        }
        signal.yield()
    }

    /// The action ended with `outcome`: the last thing the stream writes.
    func finish(_ outcome: Result<JSONObject, APIError>) {
        state.withLock { $0.outcome = outcome }
        signal.yield()
        signal.finish()
    }

    /// Asks for a keep-alive comment if nothing else is written before the writer looks.
    func keepAliveDue() {
        state.withLock { $0.keepAlive = true }
        signal.yield()
    }

    /// Everything not written yet, emptied out.
    func take() -> Batch {
        state.withLock { state in
            var events = [state.opening, state.latest].compactMap { $0?.event }
            switch state.outcome {
            case .success(let answer)?: events.append(ServerSentEvent(name: "result", data: .object(answer)))
            case .failure(let error)?: events.append(ServerSentEvent(name: "error", data: error.json))
            case nil: break
            }
            let batch = Batch(events: events, outcome: state.outcome, keepAlive: state.keepAlive)
            state.opening = nil
            state.latest = nil
            state.keepAlive = false
            return batch
        }
    }
}
