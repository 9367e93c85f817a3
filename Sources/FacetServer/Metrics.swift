import HTTPTypes
import Hummingbird
import Synchronization

/// What the server counts about itself, kept in memory and served at `GET /metrics` in
/// Prometheus's text format (version 0.0.4).
///
/// Requests are labelled by their *route pattern* (`/:apiVersion/data/query/:dataset`), never
/// the raw path, so that a label's values stay few whatever clients send. One lock guards
/// everything: a request records once, in well under a microsecond, and a scrape copies the
/// state out before formatting it.
final class ServerMetrics: Sendable {
    /// Upper bounds, in seconds, of the latency buckets: 1 ms to 10 s (the default query time limit).
    static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The route label of a request that matched no route.
    static let unmatchedRoute = "unmatched"

    /// The route label for Hummingbird's endpoint path: `/{apiVersion}/data/query/{dataset}` is
    /// written `/:apiVersion/data/query/:dataset`, as routes are declared. Done when scraped, not
    /// per request.
    static func routeLabel(_ endpointPath: String) -> String {
        var label = ""
        var inParameter = false
        for character in endpointPath {
            switch character {
            case "{": label.append(":"); inParameter = true
            case "}" where inParameter: inParameter = false
            default: label.append(character)
            }
        }
        return label
    }

    /// Why a query was stopped or refused, for `facet_queries_stopped_total`.
    enum QueryStop: String, CaseIterable, Sendable {
        /// It ran past its time limit.
        case timeout
        /// It waited past its time limit for a slot.
        case queued
        /// Its result was over the size limit.
        case resultTooLarge
        /// Its request was cancelled before it finished (the server stopping).
        case cancelled
    }

    struct RequestKey: Hashable, Sendable {
        let method: String
        let route: String
        let status: Int
    }

    struct RouteKey: Hashable, Sendable {
        let method: String
        let route: String
    }

    struct State: Sendable {
        var requests: [RequestKey: Int] = [:]
        var latency: [RouteKey: Histogram] = [:]
        var queryEvaluation = Histogram()
        var queriesStopped: [QueryStop: Int] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Counts one answered request and how long the handler took to produce its response.
    func recordRequest(method: String, route: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[RequestKey(method: method, route: route, status: status), default: 0] += 1
            state.latency[RouteKey(method: method, route: route), default: Histogram()].observe(seconds)
        }
    }

    /// Records how long one query took to parse and evaluate (not counting its wait for a slot).
    func recordQueryEvaluation(seconds: Double) {
        state.withLock { $0.queryEvaluation.observe(seconds) }
    }

    func recordQueryStopped(_ reason: QueryStop) {
        state.withLock { $0.queriesStopped[reason, default: 0] += 1 }
    }

    /// A copy of everything counted so far, routes as recorded (Hummingbird's endpoint paths).
    var snapshot: State { state.withLock { $0 } }
}

/// A Prometheus histogram with ``ServerMetrics/latencyBuckets``: a count per bucket (not yet
/// cumulative; the exposition adds them up), the sum and the count of observations.
struct Histogram: Sendable {
    var buckets = [Int](repeating: 0, count: ServerMetrics.latencyBuckets.count)
    var sum = 0.0
    var count = 0

    mutating func merge(_ other: Histogram) {
        for index in buckets.indices { buckets[index] += other.buckets[index] }
        sum += other.sum
        count += other.count
    }

    mutating func observe(_ seconds: Double) {
        sum += seconds
        count += 1
        // Thirteen bounds: a linear scan beats a binary search, and most requests stop at the first.
        for (index, bound) in ServerMetrics.latencyBuckets.enumerated() where seconds <= bound {
            buckets[index] += 1
            return
        }
    }
}

/// Counts every request by route pattern, method and status, and times it until its response
/// is ready (a query's response is already serialised by then; sending it to a slow client is
/// not counted, so a stalled client does not skew the histogram). Commits are counted by the
/// datasets themselves, whoever makes them (see `facet_transactions_committed_total`).
struct MetricsMiddleware: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = response.status.code
            record(request, context: context, status: status, since: started)
            return response
        } catch let error as any HTTPResponseError {
            record(request, context: context, status: error.status.code, since: started)
            throw error
        } catch {
            record(request, context: context, status: 500, since: started)
            throw error
        }
    }

    private func record(_ request: Request, context: FacetRequestContext, status: Int, since started: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        // Hummingbird stores the matched route's pattern (`/{apiVersion}/data/mutate/{dataset}`)
        // once the router has resolved it, and `NotFound` when none matched; the pattern is made
        // a label when scraped.
        let route = context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? ServerMetrics.unmatchedRoute
        let method = request.method.rawValue
        metrics.recordRequest(method: method, route: route, status: status, seconds: seconds)
    }
}
