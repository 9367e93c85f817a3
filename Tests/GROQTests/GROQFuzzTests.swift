import Foundation
import Testing
import TestSupport

@testable import GROQ

/// A seeded fuzzer over the parser and the evaluator: queries of the official conformance suite
/// (and the CRM's own), cut, spliced, repeated into long chains and sprinkled with GROQ's tokens.
/// Each one must parse or be refused with a ``GROQError``, and evaluate or be stopped, within its
/// deadline and element budget: no crash, no hang, no runaway memory.
///
/// The same seed gives the same queries; `GROQ_FUZZ_SEED` picks another and `GROQ_FUZZ_SECONDS`
/// runs longer than the default 25 seconds. A failure names the seed and the query.
@Suite("GROQ fuzzing", .ownThread(computing: true))
struct GROQFuzzTests {
    /// Deterministic and fast: SplitMix64.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let tokens = [
        "[", "]", "{", "}", "(", ")", "->", ".", "..", "...", "|", "||", "&&", "==", "!=", "=>", "*", "**", "^", "^.^", "@",
        "$p", "$missing", "\"", "'", ",", ":", "!", "-", "+", "/", "%", "<", ">=", "match", "in", "asc", "desc", "select(",
        "order(", "score(", "count(", "coalesce(", "defined(", "references(", "array::unique(", "string::split(", "math::sum(",
        "pt::text(", "geo::distance(", "dateTime(", "now()", "boost(", "1e308", "-0", "0.1", "9007199254740993", "null",
        "true", "\\u0000", "é", "\u{1F48E}", "fn f::a($x) = $x{a};", "f::a(@)", "diff::changedAny(", "delta::changedAny(",
        "anywhere(", "_id", "_type", "[]", "[0]", "[-1]", "[0...2]", "{...}", "{\"k\": @}", "// comment\n", "\n",
    ]

    static let crmQueries = [
        #"*[_type == "customer" && segment == $segment] | order(lifetimeValue desc)[0...5]{name, lifetimeValue}"#,
        #"*[_type == "salesOrder"]{_id, total, "client": customer->name, "lines": lineItems[]{quantity, product->{name}}}"#,
        #"count(*[_type == "salesOrder" && references(^._id)])"#,
        #"*[_type == "product" && name match "cuff"] | score(name match "onyx", boost(sku == "X", 2)) {name, _score}"#,
        #"select(count(*) > 1 => {"many": true}, {"few": true})"#,
        #"*[_type in ["a", "b"] && n in 1..10 && !(n in [2, 3])]{..., "doubled": n * 2, "p": n ** 2 % 7}"#,
    ]

    static let documents: [JSONValue] = (0..<120).map { i in
        [
            "_id": .string("d\(i)"), "_type": i % 3 == 0 ? "a" : "b", "n": .number(Double(i)), "name": .string("Doc \(i) onyx cuff"),
            "list": [["val": .number(Double(i % 5))], ["val": "x"]], "ref": ["_ref": .string("d\((i + 1) % 120)")],
            "body": [["_type": "block", "children": [["_type": "span", "text": "hello"]]]],
        ]
    }

    static func corpus() -> [String] {
        var queries = crmQueries
        let file = ConformanceTests.suiteDirectory.appendingPathComponent("suite.ndjson")
        if var reader = try? NDJSONReader(path: file.path) {
            try? reader.forEach { entry in
                if let query = entry["query"]?.stringValue { queries.append(query) }
            }
        }
        return queries
    }

    /// One mutant of `base`, drawing from `corpus` and the tokens.
    static func mutate(_ base: String, corpus: [String], with random: inout Generator) -> String {
        var bytes = Array(base.utf8)
        func position() -> Int { bytes.isEmpty ? 0 : Int.random(in: 0...bytes.count, using: &random) }
        for _ in 0..<[1, 1, 1, 2, 3].randomElement(using: &random)! {
            switch Int.random(in: 0..<6, using: &random) {
            case 0:  // delete a run
                let start = position(), end = min(bytes.count, start + Int.random(in: 1...12, using: &random))
                if start < end { bytes.removeSubrange(start..<end) }
            case 1, 2:  // insert a token
                bytes.insert(contentsOf: Array(tokens.randomElement(using: &random)!.utf8), at: position())
            case 3:  // repeat a slice into a long chain
                let start = position(), end = min(bytes.count, start + Int.random(in: 1...8, using: &random))
                guard start < end else { continue }
                let slice = Array(bytes[start..<end])
                let times = [2, 10, 300, 5_000, 20_000].randomElement(using: &random)!
                bytes.insert(contentsOf: Array([[UInt8]](repeating: slice, count: times).joined()), at: end)
            case 4:  // splice another query in
                let other = Array(corpus.randomElement(using: &random)!.utf8)
                let cut = other.isEmpty ? 0 : Int.random(in: 0...other.count, using: &random)
                bytes.insert(contentsOf: other[cut...], at: position())
            default:  // wrap in nesting
                let (open, close) = [("[", "]"), ("(", ")"), ("{\"k\": ", "}"), ("count(", ")"), ("*[", "]")].randomElement(using: &random)!
                let times = [1, 3, 100, 3_000].randomElement(using: &random)!
                bytes = Array(String(repeating: open, count: times).utf8) + bytes + Array(String(repeating: close, count: times).utf8)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
              let pages = text.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return pages * 4096
    }

    @Test func mutatedQueriesParseOrFailCleanlyWithinTheirBudgets() throws {
        let environment = ProcessInfo.processInfo.environment
        let seed = environment["GROQ_FUZZ_SEED"].flatMap(UInt64.init) ?? 17
        let seconds = environment["GROQ_FUZZ_SECONDS"].flatMap(Double.init) ?? 25
        var random = Generator(state: seed)
        let corpus = Self.corpus()
        let dataset = InMemoryDataset(Self.documents)
        var limits = GROQLimits.standard
        limits.maxElements = 200_000
        let started = ContinuousClock.now
        let residentBefore = Self.residentBytes()
        var counts = (cases: 0, parsed: 0, evaluated: 0, refused: 0, stopped: 0)
        var slowest: (Duration, String) = (.zero, "")
        while ContinuousClock.now - started < .seconds(seconds) {
            let query = Self.mutate(corpus.randomElement(using: &random)!, corpus: corpus, with: &random)
            counts.cases += 1
            let caseStarted = ContinuousClock.now
            let deadline = caseStarted + .milliseconds(500)
            do {
                let parsed = try GROQQuery(query, params: ["p": ["a": 1]], limits: limits, deadline: deadline)
                counts.parsed += 1
                let result = try parsed.evaluate(in: dataset, options: EvaluationOptions(deadline: deadline))
                var bytes: [UInt8] = []
                _ = result.write(to: &bytes, limit: 1 << 20)
                counts.evaluated += 1
            } catch {
                switch error.kind {
                case .timeout, .cancelled: counts.stopped += 1
                case .syntax, .query, .evaluation: counts.refused += 1
                }
                #expect(!error.message.isEmpty)
            }
            let took = ContinuousClock.now - caseStarted
            if took > slowest.0 { slowest = (took, query) }
            // The deadline is half a second; a loaded machine may add to it, never minutes.
            #expect(took < .seconds(20), "seed \(seed): took \(took) for \(query.prefix(300))")
        }
        let grown = Self.residentBytes() - residentBefore
        print("GROQ fuzzing, seed \(seed): \(counts.cases) queries, \(counts.parsed) parsed, \(counts.evaluated) evaluated, "
              + "\(counts.refused) refused with an error, \(counts.stopped) stopped at the deadline; slowest \(slowest.0) "
              + "(\(slowest.1.prefix(120))); resident memory grew \(grown >> 20) MB")
        #expect(counts.cases > 1_000, "too few cases ran to mean anything")
        #expect(counts.evaluated > 0 && counts.refused > 0)
        #expect(grown < 1 << 30, "seed \(seed): resident memory grew by \(grown >> 20) MB")
    }
}
