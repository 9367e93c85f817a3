import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// How a running server stops without dropping work: it *drains* before the HTTP server closes.
///
/// While the server drains, new requests are answered `503 Service Unavailable` (Sanity's error
/// shape, with `Retry-After`), requests already in flight run to their end, and every open
/// listener is sent a final `reconnect` event and its stream ends, so that clients come back to
/// the restarted server (with `Last-Event-ID`, and miss nothing). Only then is the HTTP server
/// told to stop: Hummingbird's own graceful shutdown waits for open connections, and a listener
/// stream never ends by itself.
///
/// ``FacetAPI/serviceGroup(running:stopsOnSignals:drainTimeLimit:logger:)`` wires this
/// to SIGINT and SIGTERM:
///
/// ```swift
/// let api = FacetAPI(store: store)
/// try await api.serviceGroup(running: api.application(logger: logger), logger: logger).run()
/// store.close()   // the server has stopped: nothing can write any more
/// ```
public final class ServerLifecycle: Sendable {
    private struct State {
        var draining = false
        var requestsInFlight = 0
        /// Open event streams, each with what to call when draining starts.
        var streams: [Int: @Sendable () -> Void] = [:]
        var nextStream = 0
    }

    /// An open event stream's place in the lifecycle, given back to ``closeStream(_:)``.
    struct StreamToken: Sendable {
        fileprivate let id: Int
    }

    private let state = Mutex(State())

    public init() {}

    /// Whether the server is draining (it answers new requests with 503).
    public var isDraining: Bool { state.withLock { $0.draining } }

    /// Requests whose handlers are running now (event streams are counted in ``openStreams``).
    public var requestsInFlight: Int { state.withLock { $0.requestsInFlight } }

    /// Event streams (listeners) open now.
    public var openStreams: Int { state.withLock { $0.streams.count } }

    /// Counts a request in; `false` when the server is draining and the request must be refused.
    func admitRequest() -> Bool {
        state.withLock { state in
            guard !state.draining else { return false }
            state.requestsInFlight += 1
            return true
        }
    }

    func finishRequest() {
        state.withLock { $0.requestsInFlight -= 1 }
    }

    /// Counts an event stream in; `onDrain` is called once if the server starts draining while
    /// it is open. `nil` when the server is draining already: the stream must end at once.
    func openStream(onDrain: @escaping @Sendable () -> Void) -> StreamToken? {
        state.withLock { state in
            guard !state.draining else { return nil }
            defer { state.nextStream += 1 }
            state.streams[state.nextStream] = onDrain
            return StreamToken(id: state.nextStream)
        }
    }

    func closeStream(_ token: StreamToken) {
        _ = state.withLock { $0.streams.removeValue(forKey: token.id) }
    }

    /// Starts draining (once; later calls only wait) and waits until no request is in flight and
    /// every stream has closed, or until `timeLimit` has passed.
    ///
    /// - Returns: `true` when everything finished in time.
    @discardableResult
    public func drain(timeLimit: Duration) async -> Bool {
        let streams: [@Sendable () -> Void] = state.withLock { state in
            guard !state.draining else { return [] }
            state.draining = true
            return Array(state.streams.values)
        }
        // Called outside the lock: a stream's handler may close the stream (and take the lock)
        // straight away.
        for onDrain in streams { onDrain() }
        let deadline = ContinuousClock.now + timeLimit
        // Polling is plain and cannot miss a wake-up; it runs only while the server stops.
        while ContinuousClock.now < deadline {
            if state.withLock({ $0.requestsInFlight == 0 && $0.streams.isEmpty }) { return true }
            do { try await Task.sleep(for: .milliseconds(10)) } catch { return false }
        }
        return false
    }
}

/// Refuses requests with 503 while the server drains, and counts the others in and out so that
/// the drain knows when the last one has finished.
struct DrainMiddleware: RouterMiddleware {
    let lifecycle: ServerLifecycle

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        guard lifecycle.admitRequest() else {
            throw APIError(.serviceUnavailable, type: "serverShuttingDown",
                           "The server is shutting down; retry in a few seconds, when it is back")
        }
        defer { lifecycle.finishRequest() }
        return try await next(request, context)
    }
}

/// Drains the API when its service group begins a graceful shutdown. It stands after the HTTP
/// application in the group, and a group stops its services in reverse order: so the drain runs
/// first, and the HTTP server is told to stop only once it is done.
struct DrainService: Service {
    let lifecycle: ServerLifecycle
    let timeLimit: Duration
    let logger: Logger

    func run() async throws {
        do { try await gracefulShutdown() } catch {
            // Cancelled: the group is stopping because a service failed (a port in use, say);
            // there is nothing to drain.
            return
        }
        logger.info("Draining: \(lifecycle.requestsInFlight) requests in flight, \(lifecycle.openStreams) listeners told to reconnect")
        if await lifecycle.drain(timeLimit: timeLimit) {
            logger.info("Drained; stopping the HTTP server")
        } else {
            logger.warning("Requests were still running after \(timeLimit); stopping the HTTP server anyway")
        }
    }
}

extension FacetAPI {
    /// The service group that runs `app` until SIGTERM or SIGINT (or the group's
    /// `triggerGracefulShutdown()`), then drains it (see ``ServerLifecycle``) and stops it.
    ///
    /// The group's `run()` returns once the HTTP server has stopped; close the store after it.
    ///
    /// - Parameters:
    ///   - app: The application built from this API's ``router()``, e.g. ``application(logger:)``.
    ///   - stopsOnSignals: Whether SIGTERM and SIGINT stop it; a test stops it through the group.
    ///   - drainTimeLimit: How long requests in flight may take to finish before the server
    ///     stops regardless.
    public func serviceGroup(running app: some ApplicationProtocol, stopsOnSignals: Bool = true,
                             drainTimeLimit: Duration = .seconds(30), logger: Logger) -> ServiceGroup
    {
        let anchoring: [ServiceGroupConfiguration.ServiceConfiguration] = security.map {
            [.init(service: AuditCheckpointing(audit: $0.audit, interval: self.configuration.auditCheckpointInterval, logger: logger),
                   serviceName: "audit-checkpoints")]
        } ?? []
        var configuration = ServiceGroupConfiguration(
            services: anchoring + [
                .init(service: app, serviceName: "http"),
                .init(service: DrainService(lifecycle: lifecycle, timeLimit: drainTimeLimit, logger: logger), serviceName: "drain"),
                .init(service: ExternalWrites(store: store, interval: configuration.externalWritesInterval, logger: logger),
                      serviceName: "external-writes"),
            ],
            gracefulShutdownSignals: stopsOnSignals ? [.sigterm, .sigint] : [],
            logger: logger)
        // A connection that outlives the drain (a client that never reads, say) must not keep
        // the process alive: past this the group cancels what is left.
        configuration.maximumGracefulShutdownDuration = drainTimeLimit + .seconds(10)
        return ServiceGroup(configuration: configuration)
    }
}
