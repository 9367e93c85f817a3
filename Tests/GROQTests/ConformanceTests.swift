import Foundation
import Testing
import TestSupport

@testable import GROQ

/// Runs the official GROQ test suite (`groq-test-suite/suite.ndjson`, read from `../shared`
/// beside the repository or from `$GROQ_TEST_SUITE`) through the engine.
///
/// It prints `N passed, M failed` with every failing case named, and fails when the number of
/// passing cases drops below the figure recorded in `conformance-baseline.json`.
@Suite("GROQ conformance", .ownThread(computing: true))
struct ConformanceTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var suiteDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["GROQ_TEST_SUITE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/groq-test-suite")
    }

    @Test("every in-scope case of the official suite")
    func officialSuite() throws {
        let file = Self.suiteDirectory.appendingPathComponent("suite.ndjson")
        guard FileManager.default.fileExists(atPath: file.path) else {
            print("GROQ conformance: SKIPPED — no suite at \(file.path) (set GROQ_TEST_SUITE to its folder)")
            return
        }
        let report = try ConformanceRunner.run(suite: file.path)
        print(report.summary)
        let slowest = report.secondsByFile.sorted { $0.value > $1.value }.prefix(5)
        print("slowest files: " + slowest.map { "\($0.key) \(String(format: "%.1f", $0.value)) s" }.joined(separator: ", "))
        for failure in report.failures { print("  FAIL \(failure)") }
        let baselineURL = Self.repositoryRoot.appendingPathComponent("Tests/GROQTests/conformance-baseline.json")
        let baseline = try JSONValue(parsing: Array(Data(contentsOf: baselineURL)))
        let minimum = Int(baseline["passed"]?.numberValue ?? 0)
        #expect(report.passed >= minimum, "conformance dropped: \(report.passed) passed, the recorded baseline is \(minimum)")
    }
}

/// Reads the suite and evaluates every case in scope.
enum ConformanceRunner {
    struct Report {
        var passed = 0
        var failed = 0
        var skipped = 0
        var failures: [String] = []
        var secondsByFile: [String: Double] = [:]

        var summary: String {
            "GROQ conformance: \(passed) passed, \(failed) failed (of \(passed + failed) in scope; \(skipped) out of scope skipped)"
        }
    }

    static let fixedNow = Date(timeIntervalSince1970: 1_700_000_000)

    static func run(suite path: String, filter: ((JSONObject) -> Bool)? = nil) throws -> Report {
        var datasets: [String: JSONValue] = [:]
        var tests: [JSONObject] = []
        var reader = try NDJSONReader(path: path)
        try reader.forEach { entry in
            guard case .object(let object) = entry else { return }
            if object["_type"] == "dataset", let id = object["_id"]?.stringValue {
                datasets[id] = entry
            } else if object["_type"] == "test" {
                tests.append(object)
            }
        }
        var built: [String: InMemoryDataset] = [:]
        var report = Report()
        for test in tests {
            if let filter, !filter(test) { continue }
            let name = test["name"]?.stringValue ?? "?"
            let file = test["filename"]?.stringValue ?? "?"
            if test["version"]?.stringValue == "0.1" || file.hasPrefix("perf/") {
                report.skipped += 1
                continue
            }
            let datasetID = test["dataset"]?["_ref"]?.stringValue ?? ""
            let dataset: InMemoryDataset
            if let cached = built[datasetID] {
                dataset = cached
            } else {
                dataset = InMemoryDataset(datasets[datasetID]?["documents"]?.arrayValue ?? [])
                built[datasetID] = dataset
            }
            let query = test["query"]?.stringValue ?? ""
            var params: [String: JSONValue] = [:]
            if case .object(let p)? = test["params"] { for (k, v) in p { params[k] = v } }
            let valid = test["valid"]?.boolValue ?? true
            let label = "\(file) — \(name) — \(query.replacingOccurrences(of: "\n", with: " ").prefix(160))"
            let started = Date()
            defer { report.secondsByFile[file, default: 0] += Date().timeIntervalSince(started) }
            do {
                let parsed = try GROQQuery(query, params: params)
                let result = try parsed.evaluate(in: dataset, params: params, options: EvaluationOptions(now: fixedNow))
                if !valid {
                    report.failed += 1
                    report.failures.append("\(label): expected an error, got \(result.serialized().prefix(120))")
                    continue
                }
                let actual = normaliseScores(result)
                let expected = test["result"] ?? .null
                if actual == expected {
                    report.passed += 1
                } else {
                    report.failed += 1
                    report.failures.append("\(label): expected \(expected.serialized().prefix(200)), got \(actual.serialized().prefix(200))")
                }
            } catch {
                if valid {
                    report.failed += 1
                    report.failures.append("\(label): unexpected error \(error)")
                } else {
                    report.passed += 1
                }
            }
        }
        return report
    }

    /// Replaces each `_score` by `_pos`, its rank among the result's distinct scores (1 = highest).
    static func normaliseScores(_ value: JSONValue) -> JSONValue {
        var scores = Set<Double>()
        collectScores(value, &scores)
        guard !scores.isEmpty else { return value }
        let ranks = Dictionary(uniqueKeysWithValues: scores.sorted(by: >).enumerated().map { ($1, Double($0 + 1)) })
        return replaceScores(value, ranks)
    }

    private static func collectScores(_ value: JSONValue, _ scores: inout Set<Double>) {
        switch value {
        case .array(let items): for item in items { collectScores(item, &scores) }
        case .object(let object):
            if case .number(let s)? = object["_score"] { scores.insert(s) }
            for (_, v) in object { collectScores(v, &scores) }
        default: break
        }
    }

    private static func replaceScores(_ value: JSONValue, _ ranks: [Double: Double]) -> JSONValue {
        switch value {
        case .array(let items): return .array(items.map { replaceScores($0, ranks) })
        case .object(let object):
            var out = JSONObject()
            for (k, v) in object {
                if k == "_score", case .number(let s) = v {
                    out["_pos"] = .number(ranks[s] ?? 0)
                } else {
                    out[k] = replaceScores(v, ranks)
                }
            }
            return .object(out)
        default: return value
        }
    }
}
