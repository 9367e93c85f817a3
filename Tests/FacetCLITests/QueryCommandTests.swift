import Foundation
import TestSupport
import Testing

/// `facet query` end to end: the real `facet` executable, run with `Process` on NDJSON files
/// written to a temporary directory.
///
/// The executable is looked for in the products directory of this test bundle (where
/// `swift build` / `swift test` put it, whatever `--scratch-path` is in use), then in the usual
/// scratch directories of the package; `FACET_BINARY` overrides both.
@Suite("facet query")
struct QueryCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binary: URL? = {
        let fm = FileManager.default
        if let path = ProcessInfo.processInfo.environment["FACET_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        var directories: [URL] = []
        // Linux runs the `.xctest` executable from the products directory; on macOS the bundle
        // sits in it.
        for bundle in [Bundle.main] + Bundle.allBundles {
            directories.append(bundle.bundleURL)
            directories.append(bundle.bundleURL.deletingLastPathComponent())
            if let executable = bundle.executableURL { directories.append(executable.deletingLastPathComponent()) }
        }
        if let first = CommandLine.arguments.first {
            directories.append(URL(fileURLWithPath: first).deletingLastPathComponent())
        }
        for scratch in [".build-tests", ".build"] {
            for configuration in ["debug", "release"] {
                directories.append(packageRoot.appendingPathComponent(scratch).appendingPathComponent(configuration))
            }
        }
        return directories.map { $0.appendingPathComponent("facet") }.first { url in
            var isDirectory: ObjCBool = false
            return fm.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
                && fm.isExecutableFile(atPath: url.path)
        }
    }()

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `facet` with `arguments`, its output captured through files (no pipe can fill up).
    static func facet(_ arguments: [String]) async throws -> Outcome {
        try await StoreCommandTests.run(arguments)
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("facet-cli-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Customers and orders referencing them; one order points at a customer that does not exist.
    static let shopLines = [
        #"{"_id": "o-2", "_type": "order", "customer": {"_ref": "c-2"}, "total": 80, "items": ["lamp"]}"#,
        #"{"_id": "c-1", "_type": "customer", "name": "Ada", "tier": "gold", "tags": ["vip", "early"]}"#,
        #"{"_id": "o-1", "_type": "order", "customer": {"_ref": "c-1"}, "total": 120, "items": ["desk", "chair"]}"#,
        #"{"_id": "c-2", "_type": "customer", "name": "Bob", "tier": "silver", "tags": []}"#,
        "",
        #"{"_id": "o-3", "_type": "order", "customer": {"_ref": "c-1"}, "total": 40, "items": []}"#,
        #"{"_id": "o-4", "_type": "order", "customer": {"_ref": "c-9"}, "total": 15.5, "items": ["pen"]}"#,
    ]

    /// Writes `lines` as an NDJSON file and runs `body` with its path.
    static func withDataset<T>(_ lines: [String] = shopLines, _ body: (String) async throws -> T) async throws -> T {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("shop.ndjson")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        return try await body(file.path)
    }

    // MARK: Results

    /// Objects of ever new keys fill the process's table of shared key lists (at most 65,536
    /// lists or 16 MiB of keys; here the bytes, at about 1.1 KiB a list) and go past it: the
    /// objects past the bound keep their keys themselves and read exactly as written. Run in a
    /// process of its own, as the table is the whole process's.
    @Test func objectsOfEverNewKeysPastTheSharedKeysBoundReadAsWritten() async throws {
        try await withProcessTurn {
            let padding = String(repeating: "x", count: 1_000)
            let lines = (0..<20_000).map { index in
                #"{"_id": "d-\#(index)", "_type": "t", "k\#(index)\#(padding)": \#(index), "z\#(index)": "v\#(index)"}"#
            }
            let result = try await Self.withDataset(lines) { path in
                try await Self.facet(["query", "--file", path,
                                      #"{"n": count(*), "last": *[_id == "d-19999"][0], "found": *[k19998\#(padding) == 19998][0]._id}"#])
            }
            #expect(result.status == 0)
            #expect(result.stderr == "")
            let expected = #"{"n":20000,"last":{"_id":"d-19999","_type":"t","k19999\#(padding)":19999,"z19999":"v19999"},"found":"d-19998"}"#
            #expect(result.stdout == expected + "\n")
        }
    }

    @Test func projectionWithDereference() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in
                try await Self.facet(["query", "--file", path,
                                      #"*[_type == "order"] | order(total desc) {_id, total, "customer": customer->name, "tier": customer->tier}"#])
            }
            #expect(result.status == 0)
            #expect(result.stderr == "")
            #expect(result.stdout == #"[{"_id":"o-1","total":120,"customer":"Ada","tier":"gold"},{"_id":"o-2","total":80,"customer":"Bob","tier":"silver"},{"_id":"o-3","total":40,"customer":"Ada","tier":"gold"},{"_id":"o-4","total":15.5,"customer":null,"tier":null}]"# + "\n")
        }
    }

    @Test func referencesAndCountsAcrossDocuments() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in
                try await Self.facet(["query", "--file", path,
                                      #"*[_type == "customer"]{name, "orders": count(*[_type == "order" && references(^._id)]), "spent": math::sum(*[_type == "order" && customer._ref == ^._id].total)}"#])
            }
            #expect(result.status == 0)
            #expect(result.stdout == #"[{"name":"Ada","orders":2,"spent":160},{"name":"Bob","orders":1,"spent":80}]"# + "\n")
        }
    }

    @Test func parametersOfEveryKind() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in
                try await Self.facet(["query", "--file", path,
                                      "--param", "min=50", "--param", #"tier="gold""#, "--param", #"ids=["o-3", "o-4", "nope"]"#,
                                      #"{"big": *[_type == "order" && total > $min]._id, "gold": *[_type == "customer" && tier == $tier].name, "picked": *[_id in $ids]{_id, total}}"#])
            }
            #expect(result.status == 0)
            #expect(result.stderr == "")
            #expect(result.stdout == #"{"big":["o-1","o-2"],"gold":["Ada"],"picked":[{"_id":"o-3","total":40},{"_id":"o-4","total":15.5}]}"# + "\n")
        }
    }

    @Test func parameterUsedAsAnAttributeName() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in
                try await Self.facet(["query", "--file", path, "--param", #"field="name""#, #"*[_type == "customer"][$field]"#])
            }
            #expect(result.status == 0)
            #expect(result.stdout == #"["Ada","Bob"]"# + "\n")
        }
    }

    @Test func prettyOutput() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in
                try await Self.facet(["query", "--file", path, "--pretty", #"*[_id == "c-1"][0]{name, tags, "none": [], "nothing": {}, "n": 1.5, "x": null}"#])
            }
            #expect(result.status == 0)
            #expect(result.stdout == """
                {
                  "name": "Ada",
                  "tags": [
                    "vip",
                    "early"
                  ],
                  "none": [],
                  "nothing": {},
                  "n": 1.5,
                  "x": null
                }

                """)
        }
    }

    @Test func treePrintsTheTreeWithoutReadingTheDataset() async throws {
        try await withProcessTurn {
            let expected = """
                FuncCall count()
                  Filter
                    base: Everything *
                    where: OpCall ==
                      AccessAttribute _type
                        This @
                      Value "order"

                """
            let withoutDataset = try await Self.facet(["query", "--tree", #"count(*[_type == "order"])"#])
            #expect(withoutDataset.status == 0)
            #expect(withoutDataset.stdout == expected)
            #expect(withoutDataset.stderr == "")
            let missingDataset = try await Self.facet(["query", "--file", "/nonexistent/facet.ndjson", "--tree", #"count(*[_type == "order"])"#])
            #expect(missingDataset.status == 0)
            #expect(missingDataset.stdout == expected)
        }
    }

    @Test func explainRunsTheQueryAndPrintsEachStepWithItsIndex() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in
                try await Self.facet(["query", "--file", path, "--explain",
                                      #"*[_type == "customer"]{name, "spent": math::sum(*[_type == "order" && customer._ref == ^._id].total), "n": count(*[string(total) match "1*"])}"#])
            }
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("step") == true, "\(result.stdout)")
            // The outer filter from the type index, once: 2 customers of 2.
            let outer = try #require(lines.first { $0.hasPrefix(#"*[_type == "customer"]"#) })
            #expect(outer.contains(#"type index: _type == "customer""#))
            #expect(outer.split(separator: " ").suffix(4).prefix(3) == ["1", "2", "2"], "\(outer)")
            // The correlated sum from the value indexes, once per customer: 3 orders in all.
            let inner = try #require(lines.first { $0.contains("customer._ref == ^._id") && $0.hasPrefix("*[") })
            #expect(inner.contains("value indexes"))
            #expect(inner.split(separator: " ").suffix(4).prefix(3) == ["2", "3", "3"], "\(inner)")
            // The text test on a computed string scans, and says so; it reads nothing of the
            // customer, so it runs once, not per customer: 6 documents tested, 2 kept (120, 15.5).
            let scan = try #require(lines.first { $0.contains("match") })
            #expect(scan.contains("scan of every document"))
            #expect(scan.split(separator: " ").suffix(4).prefix(3) == ["1", "6", "2"], "\(scan)")
            #expect(result.stdout.contains("no index answers this filter"))
            #expect(lines.last?.hasPrefix("2 results in ") == true)
            let noRuns = try await Self.facet(["query", "--explain", "--runs", "0", "count(*)"])
            #expect(noRuns.status != 0 && noRuns.stderr.contains("--runs must be between 1 and 1000"), "\(noRuns.stderr)")
        }
    }

    // MARK: Errors

    @Test func syntaxErrorShowsLineColumnAndCaret() async throws {
        try await withProcessTurn {
            let query = #"*[_type == "order""#
            let result = try await Self.withDataset { path in try await Self.facet(["query", "--file", path, query]) }
            #expect(result.status != 0)
            #expect(result.stdout == "")
            #expect(result.stderr.contains("GROQ syntax error at line 1, column 19"))
            #expect(result.stderr.contains("expected ']'"))
            let lines = result.stderr.split(separator: "\n").map(String.init)
            let queryLine = try #require(lines.firstIndex(of: "  " + query), "stderr should show the query line:\n\(result.stderr)")
            #expect(lines.count > queryLine + 1)
            #expect(lines.dropFirst(queryLine + 1).first == "  " + String(repeating: " ", count: 18) + "^")
        }
    }

    @Test func errorOnALaterLineOfAMultiLineQuery() async throws {
        try await withProcessTurn {
            let query = "*[_type == \"order\"]{\n  _id,\n  \"n\": count(1, 2)\n}"
            let result = try await Self.withDataset { path in try await Self.facet(["query", "--file", path, query]) }
            #expect(result.status != 0)
            #expect(result.stdout == "")
            #expect(result.stderr.contains("invalid GROQ query at line 3, column 8: count() takes 1 argument, got 2"))
            #expect(result.stderr.contains("\n    \"n\": count(1, 2)\n         ^"))
        }
    }

    @Test func unknownFunctionIsReportedWithASuggestion() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in try await Self.facet(["query", "--file", path, "cont(*)"]) }
            #expect(result.status != 0)
            #expect(result.stdout == "")
            #expect(result.stderr.contains("line 1, column 1"))
            #expect(result.stderr.contains("did you mean count()?"))
        }
    }

    /// `1-1-1…` of 10,500 terms made `facet query` exit with SIGSEGV (139).
    @Test func aQueryTooDeepIsAnErrorNotACrash() async throws {
        try await withProcessTurn {
            for query in ["1" + String(repeating: "-1", count: 10_500), "*" + String(repeating: ".a", count: 33_000)] {
                let result = try await Self.withDataset { path in try await Self.facet(["query", "--file", path, query]) }
                #expect(result.status == 1, "exit status \(result.status)")
                #expect(result.stdout == "")
                #expect(result.stderr.contains("the query is too deep: it nests more than 256 levels here"))
                #expect(result.stderr.contains("line 1, column "))
            }
        }
    }

    @Test func missingParameterIsAnEvaluationError() async throws {
        try await withProcessTurn {
            let result = try await Self.withDataset { path in try await Self.facet(["query", "--file", path, "*[total > $minimum]"]) }
            #expect(result.status != 0)
            #expect(result.stdout == "")
            #expect(result.stderr.contains("GROQ evaluation error"))
            #expect(result.stderr.contains("$minimum"))
        }
    }

    @Test func missingDatasetFileNamesThePath() async throws {
        try await withProcessTurn {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let path = directory.appendingPathComponent("does-not-exist.ndjson").path
            let result = try await Self.facet(["query", "--file", path, "*"])
            #expect(result.status != 0)
            #expect(result.stdout == "")
            #expect(result.stderr.contains(path))
            #expect(result.stderr.contains("No such file or directory"))
        }
    }

    @Test func queryOfAMissingDatasetSaysHowToCreateIt() async throws {
        try await withProcessTurn {
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let result = try await Self.facet(["query", "--data", directory.path, "--dataset", "staging", "count(*)"])
            #expect(result.status != 0)
            #expect(result.stdout == "")
            #expect(result.stderr.contains("Dataset \"staging\" not found"))
            #expect(result.stderr.contains("facet dataset create staging"))
        }
    }

    @Test func malformedParameters() async throws {
        try await withProcessTurn {
            try await Self.withDataset { path in
                let notJSON = try await Self.facet(["query", "--file", path, "--param", "tier=gold", "*[tier == $tier]"])
                #expect(notJSON.status != 0)
                #expect(notJSON.stdout == "")
                #expect(notJSON.stderr.contains("--param tier"))
                #expect(notJSON.stderr.contains("not JSON"))

                let noEquals = try await Self.facet(["query", "--file", path, "--param", "tier", "*[tier == $tier]"])
                #expect(noEquals.status != 0)
                #expect(noEquals.stdout == "")
                #expect(noEquals.stderr.contains("expected name=JSON"))

                let badName = try await Self.facet(["query", "--file", path, "--param", "a-b=1", "*"])
                #expect(badName.status != 0)
                #expect(badName.stderr.contains("'a-b' is not a parameter name"))

                let trailing = try await Self.facet(["query", "--file", path, "--param", "n=1 2", "*"])
                #expect(trailing.status != 0)
                #expect(trailing.stderr.contains("--param n"))
            }
        }
    }

    @Test func malformedNDJSONLineIsNamed() async throws {
        try await withProcessTurn {
            var lines = Self.shopLines
            lines[2] = #"{"_id": "o-1", "_type": "order", "total": 120,}"#
            let result = try await Self.withDataset(lines) { path in try await Self.facet(["query", "--file", path, "count(*)"]) }
            #expect(result.status != 0)
            #expect(result.stdout == "")
            #expect(result.stderr.contains("line 3"), "\(result.stderr)")
            #expect(result.stderr.contains("shop.ndjson"))
        }
    }

    @Test func blankLinesAndCRLFAreAccepted() async throws {
        try await withProcessTurn {
            let lines = ["", #"{"_id": "a", "_type": "t"}"# + "\r", "   ", #"{"_id": "b", "_type": "t"}"#]
            let result = try await Self.withDataset(lines) { path in try await Self.facet(["query", "--file", path, "*._id"]) }
            #expect(result.status == 0)
            #expect(result.stdout == #"["a","b"]"# + "\n")
        }
    }

    @Test func benchPrintsFiguresForEveryQuery() async throws {
        try await withProcessTurn {
            let result = try await Self.facet(["bench", "groq", "--docs", "500", "--runs", "1", "--query", "count(*[_type == 'order'])"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("dataset: 500 documents"))
            #expect(result.stdout.contains("M documents/s"))
            for name in ["type filter + field comparison", "projection with -> per document", "match text search", "your query 1"] {
                #expect(result.stdout.contains(name), "missing \(name)")
            }
            #expect(result.stdout.contains("x faster"), "the indexed/scanning comparison is missing")
        }
    }

    @Test func benchRejectsABadSize() async throws {
        try await withProcessTurn {
            let result = try await Self.facet(["bench", "groq", "--docs", "0"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("--docs"))
        }
    }

    /// The HTTP benchmarks share their load options, each with its own bounds: a value out of
    /// range is refused before anything is seeded, naming the option, its range and the value.
    @Test func theHTTPBenchmarksCheckTheirSharedLoadOptionsWithTheirOwnBounds() async throws {
        try await withProcessTurn {
            let cases: [([String], String)] = [
                (["bench", "server", "--docs", "5"], "--docs must be between 100 and 2000000; got 5"),
                (["bench", "security", "--docs", "1500000"], "--docs must be between 100 and 1000000; got 1500000"),
                (["bench", "server", "--seconds", "4000"], "--seconds must be between 1 and 3600; got 4000"),
                (["bench", "security", "--seconds", "601"], "--seconds must be between 1 and 600; got 601"),
                (["bench", "security", "--connections", "0"], "--connections must be between 1 and 10000; got 0"),
            ]
            for (arguments, message) in cases {
                let result = try await Self.facet(arguments)
                #expect(result.status != 0, "\(arguments)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
        }
    }
}
