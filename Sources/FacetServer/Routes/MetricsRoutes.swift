import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /metrics`: the server's counters, histograms and gauges in Prometheus's text format
/// (version 0.0.4), for a Prometheus server or any scraper that reads it.
///
/// Access is `admin`: the figures describe the server, not the content. Until authentication
/// exists every caller is allowed (``LoopbackAccess``), so a scraper on this machine needs no
/// token; once it exists, a scraper authenticates with an admin API token.
extension FacetAPI {
    func addMetricsRoutes(to router: Router<FacetRequestContext>) {
        router.group("metrics").add(middleware: AccessMiddleware(access: .admin, policy: access)).get { _, _ in
            let text = self.metricsExposition()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// The exposition: what ``ServerMetrics`` counted, and the gauges read now.
    func metricsExposition() -> String {
        var counted = metrics.snapshot
        // Labels as routes are declared.
        counted.requests = Dictionary(counted.requests.map { key, count in
            (ServerMetrics.RequestKey(method: key.method, route: ServerMetrics.routeLabel(key.route), status: key.status), count)
        }, uniquingKeysWith: +)
        counted.latency = Dictionary(counted.latency.map { key, histogram in
            (ServerMetrics.RouteKey(method: key.method, route: ServerMetrics.routeLabel(key.route)), histogram)
        }, uniquingKeysWith: { var merged = $0; merged.merge($1); return merged })
        var text = PrometheusText()

        text.family("facet_http_requests_total", type: "counter",
                    help: "HTTP requests answered, by route pattern, method and status.")
        for (key, count) in counted.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            text.sample("facet_http_requests_total", ["route": key.route, "method": key.method, "status": String(key.status)], count)
        }

        text.family("facet_http_request_duration_seconds", type: "histogram",
                    help: "Time from receiving a request to having its response ready, by route pattern and method.")
        for (key, histogram) in counted.latency.sorted(by: { ($0.key.route, $0.key.method) < ($1.key.route, $1.key.method) }) {
            text.histogram("facet_http_request_duration_seconds", ["route": key.route, "method": key.method], histogram)
        }

        text.family("facet_query_evaluation_seconds", type: "histogram",
                    help: "Time to parse and evaluate a GROQ query, not counting its wait for a slot.")
        text.histogram("facet_query_evaluation_seconds", [:], counted.queryEvaluation)

        text.family("facet_queries_stopped_total", type: "counter",
                    help: "Queries stopped or refused: timeout (ran past the time limit), queued (waited past it for a slot), "
                        + "resultTooLarge (over the result size limit), cancelled (the request was cancelled, as when the server stops).")
        for reason in ServerMetrics.QueryStop.allCases {
            text.sample("facet_queries_stopped_total", ["reason": reason.rawValue], counted.queriesStopped[reason] ?? 0)
        }

        let load = workers.load
        text.family("facet_query_slots", type: "gauge", help: "How many queries (and other blocking work) may run at once.")
        text.sample("facet_query_slots", [:], workers.limit)
        text.family("facet_query_slots_busy", type: "gauge", help: "Slots running a query or other blocking work now.")
        text.sample("facet_query_slots_busy", [:], load.running)
        text.family("facet_queries_waiting", type: "gauge", help: "Requests waiting for a slot now.")
        text.sample("facet_queries_waiting", [:], load.waiting)

        text.family("facet_listeners_open", type: "gauge", help: "Open listener subscriptions (/data/listen), over all open datasets.")
        text.sample("facet_listeners_open", [:], store.openDatasets.reduce(0) { $0 + $1.listenerCount })

        text.family("facet_transactions_committed_total", type: "counter",
                    help: "Transactions committed to each open dataset since it was opened, by what made them: mutate, publish, "
                        + "unpublish, discard, action, migration, import, asset, restore, gdpr, seed, cli, other, and external "
                        + "(another process sharing the data directory). Dry runs and transactions that changed nothing are not counted.")
        for dataset in store.openDatasets.sorted(by: { $0.name < $1.name }) {
            for (source, count) in dataset.commitsBySource.sorted(by: { $0.key < $1.key }) {
                text.sample("facet_transactions_committed_total", ["dataset": dataset.name, "source": source], count)
            }
        }
        return text.output
    }
}

/// Builds Prometheus text: `# HELP` and `# TYPE` lines, then samples with escaped label values.
struct PrometheusText {
    private(set) var output = ""

    mutating func family(_ name: String, type: String, help: String) {
        output += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Int) {
        sample(name, Array(labels), String(value))
    }

    /// The `_bucket` lines (cumulative, ending with `+Inf`), `_sum` and `_count` of a histogram.
    mutating func histogram(_ name: String, _ labels: KeyValuePairs<String, String>, _ histogram: Histogram) {
        var cumulative = 0
        for (bound, count) in zip(ServerMetrics.latencyBuckets, histogram.buckets) {
            cumulative += count
            sample(name + "_bucket", Array(labels) + [("le", Self.number(bound))], String(cumulative))
        }
        sample(name + "_bucket", Array(labels) + [("le", "+Inf")], String(histogram.count))
        sample(name + "_sum", Array(labels), Self.number(histogram.sum))
        sample(name + "_count", Array(labels), String(histogram.count))
    }

    private mutating func sample(_ name: String, _ labels: [(key: String, value: String)], _ value: String) {
        output += name
        if !labels.isEmpty {
            output += "{" + labels.map { "\($0.key)=\"\(Self.escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        output += " \(value)\n"
    }

    /// Whole numbers without a fraction (`1`, `10`), others as Swift writes them (`0.0025`, `1.5e-05`),
    /// both of which Prometheus reads.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func escapeLabel(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// Help text escapes backslashes and line feeds only (quotes are allowed there).
    static func escapeHelp(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
