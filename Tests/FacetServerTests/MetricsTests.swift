import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@testable import FacetServer

/// `GET /metrics`: Prometheus text with route-labelled counters, histograms and gauges.
@Suite("Metrics")
struct MetricsTests {
    /// One parsed sample line: `name{label="value",…} number`.
    struct Sample: Equatable {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    /// Parses Prometheus text format 0.0.4 strictly enough to catch a malformed exposition: every
    /// line is a `# HELP`, a `# TYPE` or a sample of a family whose type came before it.
    static func parse(_ text: String) throws -> (samples: [Sample], types: [String: String]) {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        #expect(text.hasSuffix("\n"))
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            if line.hasPrefix("# HELP ") {
                #expect(line.split(separator: " ", maxSplits: 3).count == 4, "\(line)")
                continue
            }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                try #require(parts.count == 4, "\(line)")
                #expect(["counter", "gauge", "histogram"].contains(String(parts[3])), "\(line)")
                types[String(parts[2])] = String(parts[3])
                continue
            }
            let match = try #require(line.wholeMatch(of: /([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/), "not a sample: \(line)")
            var labels: [String: String] = [:]
            if let body = match.2 {
                for pair in body.matches(of: /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/) {
                    labels[String(pair.1)] = String(pair.2)
                }
                let rebuilt = labels.count
                #expect(rebuilt == body.matches(of: /="/).count, "labels of \(line)")
            }
            let value = try #require(match.3 == "+Inf" ? Double.infinity : Double(String(match.3)), "value of \(line)")
            let name = String(match.1)
            let family = ["_bucket", "_sum", "_count"].reduce(name) { family, suffix in
                name.hasSuffix(suffix) && types[String(name.dropLast(suffix.count))] == "histogram" ? String(name.dropLast(suffix.count)) : family
            }
            #expect(types[family] != nil, "\(name) has no # TYPE before it")
            samples.append(Sample(name: name, labels: labels, value: value))
        }
        return (samples, types)
    }

    @Test(arguments: StorageKind.available)
    func metricsShowRouteLabelledCountersHistogramsAndGauges(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "name": "Ada"])])
        let listener = try dataset.listen("*[_type == 'customer']")
        defer { listener.cancel() }
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            for id in ["c-1", "c-2"] {
                try await client.execute(uri: "/v1/data/query/production?query=*%5B_id%3D%3D%24id%5D&%24id=%22\(id)%22", method: .get) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(uri: "/v2025-02-19/data/query/production?query=*%5B", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/no/such/place", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }

            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let text = String(buffer: response.body)
                let (samples, types) = try Self.parse(text)
                func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
                    samples.first { $0.name == name && $0.labels == labels }?.value
                }
                let query = "/:apiVersion/data/query/:dataset"
                // Counters by route pattern (never the raw path), method and status.
                #expect(types["facet_http_requests_total"] == "counter")
                #expect(value("facet_http_requests_total", ["route": query, "method": "GET", "status": "200"]) == 2)
                #expect(value("facet_http_requests_total", ["route": query, "method": "GET", "status": "400"]) == 1)
                #expect(value("facet_http_requests_total", ["route": "unmatched", "method": "GET", "status": "404"]) == 1)
                #expect(value("facet_http_requests_total", ["route": "/health", "method": "GET", "status": "200"]) == 1)
                #expect(!samples.contains { $0.labels["route"]?.contains("production") == true }, "a raw path leaked into a label")

                // The latency histogram: buckets from 1 ms to 10 s, cumulative, +Inf equal to the count.
                #expect(types["facet_http_request_duration_seconds"] == "histogram")
                let buckets = samples.filter { $0.name == "facet_http_request_duration_seconds_bucket" && $0.labels["route"] == query }
                #expect(buckets.map { $0.labels["le"] } == ["0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                                                             "1", "2.5", "5", "10", "+Inf"])
                #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.value <= $1.value })
                #expect(buckets.last?.value == 3)
                #expect(value("facet_http_request_duration_seconds_count", ["route": query, "method": "GET"]) == 3)
                #expect((value("facet_http_request_duration_seconds_sum", ["route": query, "method": "GET"]) ?? -1) > 0)

                // Query evaluation time: the two answered queries (the unparsable one never ran).
                #expect(types["facet_query_evaluation_seconds"] == "histogram")
                #expect(value("facet_query_evaluation_seconds_count") == 2)
                #expect(value("facet_query_evaluation_seconds_bucket", ["le": "+Inf"]) == 2)

                // Gauges and the other counters.
                #expect(types["facet_listeners_open"] == "gauge")
                #expect(value("facet_listeners_open") == 1)
                #expect(value("facet_query_slots") == Double(fixture.api.configuration.maxConcurrentQueries))
                #expect(value("facet_query_slots_busy") == 0)
                #expect(value("facet_queries_waiting") == 0)
                #expect(types["facet_transactions_committed_total"] == "counter")
                #expect(value("facet_transactions_committed_total", ["dataset": "production", "source": "other"]) == 1,
                        "the fixture's own write, made through the store with no source named")
                #expect(value("facet_queries_stopped_total", ["reason": "timeout"]) == 0)
            }
        }
    }

    /// Every commit counts, whoever makes it: the mutate and publish routes, an import, and
    /// another process writing to the same data directory (seen when this one catches up); dry
    /// runs, refused transactions and changes that change nothing do not.
    @Test(arguments: StorageKind.available)
    func everyCommitIsCountedByWhatMadeIt(_ storage: StorageKind) async throws {
        let fixture = try ServerFixture(storage)
        defer { fixture.close() }
        let dataset = try fixture.store.dataset("production")
        let app = Application(router: fixture.api.router())
        try await app.test(.router) { client in
            func post(_ uri: String, _ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: body)) { $0.status }
            }
            let create = #"{"mutations": [{"create": {"_id": "drafts.c-1", "_type": "customer", "name": "Ada"}}]}"#
            let statuses = [
                try await post("/v1/data/mutate/production?dryRun=true", create),
                try await post("/v1/data/mutate/production", create),
                try await post("/v1/data/mutate/production", create),  // refused: it exists
                try await post("/v1/data/mutate/production", #"{"mutations": [{"createIfNotExists": {"_id": "drafts.c-1", "_type": "customer"}}]}"#),
                try await post("/v1/data/publish/production", #"{"id": "c-1"}"#),
            ]
            #expect(statuses == [.ok, .ok, .conflict, .ok, .ok])
        }
        let path = NSTemporaryDirectory() + "facet-metrics-import-\(UUID().uuidString).ndjson"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try #"{"_id": "c-2", "_type": "customer"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        _ = try dataset.importNDJSON(path: path)
        let other = try fixture.otherStore()
        try other.dataset("production").mutate([.create(["_id": "c-3", "_type": "customer"])])
        other.close()
        try dataset.refresh()

        #expect(dataset.commitsBySource == ["mutate": 1, "publish": 1, "import": 1, Dataset.externalSource: 1])
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                let (samples, _) = try Self.parse(String(buffer: response.body))
                let commits = samples.filter { $0.name == "facet_transactions_committed_total" }
                #expect(Dictionary(uniqueKeysWithValues: commits.map { ($0.labels["source"] ?? "?", $0.value) })
                    == ["mutate": 1, "publish": 1, "import": 1, "external": 1])
                #expect(commits.allSatisfy { $0.labels["dataset"] == "production" })
            }
        }
    }

    @Test func labelValuesAndHelpAreEscaped() {
        #expect(PrometheusText.escapeLabel(#"a"b\c"# + "\n") == #"a\"b\\c\n"#)
        #expect(PrometheusText.escapeHelp(#"say "hi" \ "# + "\n") == #"say "hi" \\ \n"#)
        #expect(PrometheusText.number(10) == "10")
        #expect(PrometheusText.number(0.0025) == "0.0025")
        var histogram = Histogram()
        for seconds in [0.0005, 0.001, 0.003, 20] { histogram.observe(seconds) }
        #expect(histogram.buckets.prefix(3) == [2, 0, 1])
        #expect(histogram.count == 4 && histogram.buckets.reduce(0, +) == 3)
    }
}
