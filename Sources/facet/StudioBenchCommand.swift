import ArgumentParser
import Dispatch
import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig

/// `facet bench studio`: what an editor waits for in the studio's lists, over HTTP, on a large
/// CRM: a list's first page with its total, the same list scrolled to its 250th row, a count, a
/// search in a list, a search everywhere, and the "At-risk customers" list.
///
/// One secured server runs in this process on the CRM demo, with a churn prediction for every
/// client (as the analytics leave them). Requests go one at a time, as an editor's do, with an
/// admin's token; each figure is p50 and p99 of `--requests` answers. The queries are those the
/// studio sends (`documentlist.js`, `globalsearch.js`), with the schema's search fields.
struct StudioBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "studio",
        abstract: "Benchmark the studio's list, count and search queries over HTTP on a large CRM (p50 and p99).",
        discussion: """
            Example:
              swift build -c release --product facet && .build/release/facet bench studio --docs 100000
            """)

    @Option(help: "About how many documents to seed (the CRM demo, plus a churn prediction per client).")
    var docs = 100_000

    @Option(help: "Requests timed per query.")
    var requests = 100

    @Option(name: .customLong("query"), help: "A GROQ query of your own to time beside the studio's (repeatable; drafts perspective, $__search = \"lop*\").")
    var extraQueries: [String] = []

    func validate() throws {
        guard (1_000...2_000_000).contains(docs) else { throw ValidationError("--docs must be between 1000 and 2000000") }
        guard (10...10_000).contains(requests) else { throw ValidationError("--requests must be between 10 and 10000") }
    }

    /// A query of the studio, as the list or the search box sends it.
    struct StudioQuery {
        let name: String
        let groq: String
        var params: [String: JSONValue] = [:]
        /// The target, in milliseconds at p99, when the issue sets one.
        var target: Double?
    }

    static func queries(schema: Schema) -> [StudioQuery] {
        let clients = ["customer", "lizaCustomer"]
        let preview = #"{_id, _type, _updatedAt, _originalId, "title": select(_type == "customer" => name, _type == "lizaCustomer" => name), "subtitle": select(_type == "customer" => segment, _type == "lizaCustomer" => tier)}"#
        let search = Self.searchCondition(schema: schema, types: clients)
        let everything = schema.documentTypeNames
        let everywhere = everything.compactMap { type -> String? in
            let condition = Self.searchCondition(schema: schema, types: [type], throughReferences: false)
            guard condition != "false" else { return nil }
            return #""\#(type)": *[_type == "\#(type)" && \#(condition)] | order(_updatedAt desc) | score(\#(condition)) [0...21] {_id, _type, _score}"#
        }.joined(separator: ", ")
        let pattern: JSONValue = "lop*"
        return [
            StudioQuery(name: "list: first page and total",
                        groq: #"{"total": count(*[_type == $__type]), "page": *[_type == $__type] | order(_updatedAt desc) [0...50] \#(preview)}"#,
                        params: ["__type": "customer"], target: 100),
            StudioQuery(name: "list: scrolled to the 250th row",
                        groq: #"{"total": count(*[_type == $__type]), "page": *[_type == $__type] | order(name asc) [0...250] \#(preview)}"#,
                        params: ["__type": "customer"], target: 100),
            StudioQuery(name: "count: all clients",
                        groq: #"count(*[_type in ["customer", "lizaCustomer"]])"#, target: 100),
            StudioQuery(name: "search a list: \"lop\"",
                        groq: #"{"total": null, "page": *[(_type in ["customer", "lizaCustomer"]) && \#(search)] | order(_updatedAt desc) | score(boost(name match $__search, 3), \#(search)) [0...51] \#(preview)}"#,
                        params: ["__search": pattern], target: 100),
            StudioQuery(name: "search everywhere: \"lop\"",
                        groq: "{" + everywhere + "}",
                        params: ["__search": pattern, "types": .array(everything.map(JSONValue.string))], target: 100),
            // One letter: the widest prefix an editor types, matching a large share of the documents.
            StudioQuery(name: "search everywhere: \"a\"",
                        groq: "{" + everywhere + "}",
                        params: ["__search": "a*", "types": .array(everything.map(JSONValue.string))], target: 100),
            StudioQuery(name: "search a list: \"a\"",
                        groq: #"{"total": null, "page": *[(_type in ["customer", "lizaCustomer"]) && \#(search)] | order(_updatedAt desc) | score(boost(name match $__search, 3), \#(search)) [0...51] \#(preview)}"#,
                        params: ["__search": "a*"], target: 100),
            StudioQuery(name: "At-risk customers: first page and total",
                        groq: #"{"total": count(*[\#(CRMDesk.atRiskFilter)]), "page": *[\#(CRMDesk.atRiskFilter)] | order(_updatedAt desc) [0...50] \#(preview)}"#,
                        params: ["riskLevels": ["critical", "high"]], target: 1000),
        ]
    }

    /// The studio's search condition (`workspace.js` `searchCondition`) for `types`.
    static func searchCondition(schema: Schema, types: [String], throughReferences: Bool = true) -> String {
        var cases: [String] = []
        for name in types {
            guard let type = schema.type(named: name) else { continue }
            let paths = type.searchFields.compactMap { path -> String? in
                // A path through a reference follows it, as the studio's groqPath does.
                let parts = path.split(separator: ".").map(String.init)
                guard parts.count > 1, case .reference? = type.field(parts[0])?.type else { return path }
                return throughReferences ? parts[0] + "->" + parts.dropFirst().joined(separator: ".") : nil
            }
            if paths.isEmpty { continue }
            cases.append("(_type == \"\(name)\" && [\(paths.joined(separator: ", "))] match $__search)")
        }
        return cases.isEmpty ? "false" : "(" + cases.joined(separator: " || ") + ")"
    }

    func run() async throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release --product facet && .build/release/facet bench studio` for real figures\n")
        #endif
        let server = try SecuredBenchServer(name: "studio", docs: docs)
        defer { server.close() }
        let (schema, admin) = (server.schema, server.admin)
        let dataset = try server.store.dataset("production")
        let predictions = try Self.seedChurnPredictions(into: dataset)
        let api = server.api(ServerConfiguration())
        let total = dataset.snapshot.count
        print("\(total) documents, \(predictions) of them churn predictions; \(requests) requests per query, one at a time, as admin")
        // What a server holds after loading, and how long opening the store takes (a second
        // store on the same files, as `facet serve` opens it, until its snapshot is ready):
        // reading every document, and from the image the dataset keeps.
        let memory = ProcessMemory.current
        dataset.writeImage()
        var openMs: [String: Double] = [:]
        var opened = 0
        for (way, policy) in [("reading every document", ImagePolicy.none), ("from its image", ImagePolicy())] {
            let opening = DispatchTime.now()
            let reopened = try server.security.documentStore(validator: nil, imagePolicy: policy)
            opened = try reopened.dataset("production").snapshot.count
            openMs[way] = BenchTiming.milliseconds(since: opening)
            reopened.close()
        }
        print("memory after seeding: \(memory.description); the store opens its \(opened) documents in "
            + String(format: "%.0f ms reading every document, %.0f ms from its image\n", openMs["reading every document"]!, openMs["from its image"]!))
        let queries = Self.queries(schema: schema) + extraQueries.map {
            StudioQuery(name: String($0.prefix(42)), groq: $0, params: ["__search": "lop*", "types": .array(schema.documentTypeNames.map(JSONValue.string))])
        }
        let requests = requests
        let results = try await HostileBenchCommand.serving(api) { port in
            let client = try LoopbackHTTPClient(port: port)
            return try queries.map { query in
                let path = Self.path(query)
                for _ in 0..<3 { _ = try client.get(path, headers: ["Authorization": "Bearer \(admin)"]) }  // warm-up
                var times: [Double] = []
                for _ in 0..<requests {
                    let started = DispatchTime.now()
                    let status = try client.get(path, headers: ["Authorization": "Bearer \(admin)"])
                    times.append(BenchTiming.milliseconds(since: started))
                    guard status == 200 else { throw CommandFailure("\(query.name) was answered \(status)") }
                }
                return times.sorted()
            }
        }
        for (query, times) in zip(queries, results) {
            func at(_ q: Double) -> Double { times[min(times.count - 1, Int(Double(times.count) * q))] }
            let verdict = query.target.map { at(0.99) < $0 ? "  (target p99 < \(Int($0)) ms: met)" : "  (target p99 < \(Int($0)) ms: NOT met)" } ?? ""
            print("  " + query.name.padding(toLength: 42, withPad: " ", startingAt: 0)
                  + String(format: "p50 %8.2f ms   p99 %8.2f ms", at(0.5), at(0.99)) + verdict)
        }
    }

    /// The query string of `query` as the studio would send it with GET, drafts perspective.
    static func path(_ query: StudioQuery) -> String {
        func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text }
        var path = "/v1/data/query/production?perspective=drafts&query=" + escape(query.groq)
        for (name, value) in query.params.sorted(by: { $0.key < $1.key }) {
            path += "&" + escape("$" + name) + "=" + escape(value.serialized())
        }
        return path
    }

    /// One churn prediction per client, as the analytics write them, with risk levels spread as
    /// a calibrated model would leave them (a tenth critical, a fifth high).
    static func seedChurnPredictions(into dataset: Dataset) throws -> Int {
        let clients = try dataset.query(#"*[_type in ["customer", "lizaCustomer"]]._id"#).arrayValue ?? []
        let levels = ["critical"] + Array(repeating: "high", count: 2) + Array(repeating: "medium", count: 3) + Array(repeating: "low", count: 4)
        var random = SplitMix64(seed: 11)
        var mutations: [Mutation] = []
        for client in clients {
            guard let id = client.stringValue, !id.hasPrefix("drafts.") else { continue }
            let document: JSONValue = [
                "_id": .string(ModelDocuments.clientPrefix(.churn) + id), "_type": "analyticsModel", "name": .string("Churn risk — \(id)"),
                "modelType": "churn-prediction", "customer": ["_type": "reference", "_ref": .string(id), "_weak": true],
                "predictions": ["riskLevel": .string(levels[random.next(levels.count)]), "probability": .number(Double(random.next(1000)) / 1000)],
            ]
            mutations.append(.createOrReplace(document.objectValue ?? [:]))
        }
        for batch in stride(from: 0, to: mutations.count, by: 5_000) {
            _ = try dataset.mutate(Array(mutations[batch..<min(batch + 5_000, mutations.count)]))
        }
        return mutations.count
    }
}
