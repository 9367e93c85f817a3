import FacetStore
import GROQ
import Hummingbird
import NIOCore
import ServiceLifecycle

/// One client's listener, written as server-sent events in Sanity's shapes:
///
/// - `welcome` first, `data: {"listenerName": …}`;
/// - one `mutation` per matching document change, `id: <transactionId>#<documentId>`, with
///   Sanity's members (`documentId`, `transactionId`, `eventId`, `identity`, `mutations`,
///   `previousRev`, `resultRev`, `result` and `previous` when asked for, `timestamp`,
///   `transition`, `visibility`, `transactionTotalEvents`, `transactionCurrentEvent`); a
///   transaction's events are written together, ordered by document id and numbered from 1;
/// - a `: keep-alive` comment line every ``ServerConfiguration/keepAliveInterval``;
/// - `reconnect`, `data: {"reason": …}`, when the server drops the stream: the client fell more
///   than the store's buffer behind (``ServerConfiguration/listenerBufferBytes``), the server is
///   shutting down, or the dataset closed. The stream ends after it; the client's `EventSource`
///   reconnects by itself. A client too far behind that does not take the event within
///   ``ServerConfiguration/listenerDropGrace`` (it reads nothing) has its connection closed.
///
/// **Resuming.** A client that reconnects with `Last-Event-ID` (an `EventSource` does so by
/// itself) gets `welcome` — `welcomeback` if it asked `enableResume=true` — then, from history,
/// the mutation events it missed after that one, each exactly once, then live events. When they
/// cannot be replayed (the id names no change in this dataset, or more than
/// ``replayLimit`` transactions happened since), `welcome` is followed by `reset`,
/// `data: {"reason": …}`, which carries an empty `id:` so that the client forgets the old id:
/// the client must read the current state again, then live events follow. Sanity's clients
/// read `welcome` as "(re)connected, refetch", so one that ignores `reset` still recovers.
struct ListenerStream: Sendable {
    let dataset: Dataset
    let request: ListenRequest
    let keepAliveInterval: Duration
    /// How long a dropped listener's connection may take to accept its `reconnect` event.
    let dropGrace: Duration
    let lifecycle: ServerLifecycle
    let workers: BlockingWork

    /// The most transactions replayed for a reconnecting client: as many as the store buffers
    /// for a live listener before dropping it.
    static let replayLimit = ListenOptions().bufferLimit

    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]

    /// A stream of `events` only, ending after them.
    static func response(ending events: [ServerSentEvent]) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ServerSentEvent.buffer(events)))
    }

    /// `channelError` with the error's description as `message`, and the error in Sanity's shape
    /// (a query's position included), which Sanity's clients format.
    static func channelError(_ error: APIError) -> ServerSentEvent {
        ServerSentEvent(name: "channelError", data: ["message": .string(error.description), "error": error.json["error"] ?? .null])
    }

    static func reconnect(_ reason: String) -> ServerSentEvent {
        ServerSentEvent(name: "reconnect", data: ["reason": .string(reason)])
    }

    static let shuttingDown = reconnect("The server is shutting down; reconnect, and the events missed meanwhile will follow")

    /// The streaming response. The stream ends when the client goes away (its subscription is
    /// released at once), when the server drops it, or when the server shuts down.
    func response(for httpRequest: Request) -> Response {
        Response(status: .ok, headers: Self.headers, body: ResponseBody { writer in
            try await httpRequest.body.consumeWithCancellationOnInboundClose { _ in
                try await self.run(writing: &writer)
            }
            try await writer.finish(nil)
        })
    }

    /// What the writing loop is handed: events, a keep-alive, or the stream's last event.
    private enum Frame: Sendable {
        case events([ServerSentEvent])
        case keepAlive
        case last(ServerSentEvent)
    }

    private func run(writing writer: inout any ResponseBodyWriter) async throws {
        // Events, keep-alives and the shutdown notice come from different tasks; one loop writes
        // them, as a response has one writer.
        let (frames, output) = AsyncStream.makeStream(of: Frame.self)
        let (written, acknowledge) = AsyncStream.makeStream(of: Void.self)
        guard let token = lifecycle.openStream(onDrain: { output.yield(.last(Self.shuttingDown)) }) else {
            try await writer.write(ServerSentEvent.buffer([Self.shuttingDown]))
            return
        }
        defer { lifecycle.closeStream(token) }
        let subscription: ListenerSubscription
        do { subscription = try dataset.listen(request.query, params: request.params, options: request.options) } catch {
            try await writer.write(ServerSentEvent.buffer([Self.channelError(.store(error))]))
            return
        }
        defer { subscription.cancel() }
        let box = WriterBox(writer)
        defer { writer = box.writer }
        // Also when the application runs without the drain (a plain `runService()`): the HTTP
        // server's own graceful shutdown waits for this connection to close.
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Part.self) { group in
                group.addTask {
                    await self.produce(subscription, into: output, written: written)
                    return .producing
                }
                group.addTask {
                    await Self.keepAlive(every: keepAliveInterval, into: output)
                    return .keepingAlive
                }
                group.addTask {
                    try await Self.closeIfStalled(subscription, grace: dropGrace)
                    return .watching
                }
                group.addTask {
                    try await Self.write(frames, to: box, acknowledging: acknowledge)
                    return .writing
                }
                while let finished = try await group.next(), finished != .writing {}
                group.cancelAll()
            }
        } onGracefulShutdown: {
            output.yield(.last(Self.shuttingDown))
        }
    }

    /// The tasks of one stream.
    private enum Part: Sendable {
        case producing, keepingAlive, watching, writing
    }

    /// Once the store has dropped the subscription for falling behind, the producer sends
    /// `reconnect` when the client has taken what was sent before; a client that reads nothing
    /// never does, and its write waits for ever. Throwing here, `grace` after the drop, cancels
    /// that write, which closes the connection and frees what it held.
    private static func closeIfStalled(_ subscription: ListenerSubscription, grace: Duration) async throws {
        while !subscription.isDropped {
            try await Task.sleep(for: .milliseconds(250))
        }
        try await Task.sleep(for: grace)
        throw ListenerDropped()
    }

    /// Thrown to close the connection of a dropped listener that does not read.
    private struct ListenerDropped: Error {}

    /// The response's writer, handed to the task that writes. Only that task uses it while the
    /// stream runs, and the handler takes it back once that task has ended.
    private final class WriterBox: @unchecked Sendable {
        var writer: any ResponseBodyWriter
        init(_ writer: any ResponseBodyWriter) { self.writer = writer }
    }

    private static func write(_ frames: AsyncStream<Frame>, to box: WriterBox, acknowledging acknowledge: AsyncStream<Void>.Continuation) async throws {
        for await frame in frames {
            switch frame {
            case .events(let events):
                try await box.writer.write(ServerSentEvent.buffer(events))
                acknowledge.yield()
            case .keepAlive:
                try await box.writer.write(ServerSentEvent.keepAlive)
            case .last(let event):
                try await box.writer.write(ServerSentEvent.buffer([event]))
                return
            }
        }
    }

    /// Reads the subscription (after a replay, when the client resumes) and hands the writing
    /// loop one transaction's events at a time, waiting until each is written: so a slow client
    /// falls behind in the store's bounded buffer, which drops it with `reconnect`, and not here.
    private func produce(_ subscription: ListenerSubscription, into output: AsyncStream<Frame>.Continuation, written: AsyncStream<Void>) async {
        // However it ends, the writing loop ends with it.
        defer { output.finish() }
        var acknowledgements = written.makeAsyncIterator()
        var events = subscription.makeAsyncIterator()
        let closed = Self.reconnect("The dataset \"\(dataset.name)\" was closed")
        guard case .welcome(let listenerName)? = await events.next() else {
            output.yield(.last(closed))
            return
        }
        let welcome = ServerSentEvent(name: "welcome", data: ["listenerName": .string(listenerName)])

        // Transactions already sent from history; their live events are dropped.
        var replayed: Set<String> = []
        var opening: [[ServerSentEvent]] = [[welcome]]
        if let lastEventID = request.lastEventID {
            let replay = ListenerReplay(dataset: dataset, filter: request.filter, params: request.params, options: request.options,
                                        order: request.order, limit: Self.replayLimit)
            // The subscription is open already: whatever commits while history is read is both
            // replayed and buffered live, and `replayed` drops the second copy. Nothing falls between.
            let outcome: ListenerReplay.Outcome
            do { outcome = try await workers.run { try replay.events(after: lastEventID) } } catch {
                outcome = .unavailable(reason: "The history could not be read: \(error)")
            }
            switch outcome {
            case .resumed(let batches, let transactionIDs):
                if request.enableResume { opening = [[ServerSentEvent(name: "welcomeback", data: ["listenerName": .string(listenerName)])]] }
                opening += batches.map { $0.map(\.serverSentEvent) }
                replayed = transactionIDs
            case .unavailable(let reason):
                opening = [[welcome, ServerSentEvent(name: "reset", id: "", data: ["reason": .string(reason + "; read the current state again")])]]
            }
        }
        for batch in opening {
            output.yield(.events(batch))
            guard await acknowledgements.next() != nil else { return }
        }

        var transaction: [ListenerMutation] = []
        while let event = await events.next() {
            switch event {
            case .welcome:
                continue
            case .mutation(let change):
                // A transaction's events arrive one after another with nothing between them.
                transaction.append(ListenerMutation(change))
                guard change.transactionCurrentEvent >= change.transactionTotalEvents else { continue }
                let batch: [ListenerMutation]
                if replayed.contains(change.transactionId) {
                    batch = []
                } else {
                    // Live events come in commit order: past the first one not replayed, none is.
                    if !replayed.isEmpty { replayed.removeAll() }
                    batch = request.order.arrange(transaction)
                }
                transaction = []
                guard !batch.isEmpty else { continue }
                output.yield(.events(batch.map(\.serverSentEvent)))
                guard await acknowledgements.next() != nil else { return }
            case .reconnect(let reason):
                output.yield(.last(Self.reconnect(reason + "; reconnect, and the events missed meanwhile will follow")))
                return
            }
        }
        // The subscription ended without dropping this listener: the dataset was closed.
        output.yield(.last(closed))
    }

    private static func keepAlive(every interval: Duration, into output: AsyncStream<Frame>.Continuation) async {
        while (try? await Task.sleep(for: interval)) != nil {
            output.yield(.keepAlive)
        }
    }
}
