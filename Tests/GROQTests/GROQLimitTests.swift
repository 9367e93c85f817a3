import Foundation
import Testing
import TestSupport

@testable import GROQ

/// The limits every query runs within: depth (operator and traversal chains included), size
/// after custom functions expand, elements built by the evaluation, bytes written.
@Suite("GROQ limits", .ownThread(computing: true))
struct GROQLimitTests {
    /// Chains of one operator, as long as an attacker sends them: each parses into a tree as deep
    /// as the chain is long, so each must be refused, never recursed through.
    static let chains: [(name: String, make: @Sendable (Int) -> String)] = [
        ("subtraction", { "1" + String(repeating: "-1", count: $0) }),
        ("addition", { "1" + String(repeating: "+1", count: $0) }),
        ("multiplication", { "1" + String(repeating: "*1", count: $0) }),
        ("power", { "1" + String(repeating: "**1", count: $0) }),
        ("or", { "true" + String(repeating: "||false", count: $0) }),
        ("and", { "true" + String(repeating: "&&true", count: $0) }),
        ("attribute traversal", { "*" + String(repeating: ".a", count: $0) }),
        ("dereference", { "*" + String(repeating: "->", count: $0) }),
        ("element access", { "[1]" + String(repeating: "[0]", count: $0) }),
        ("array traversal", { "*" + String(repeating: "[]", count: $0) }),
        ("projection", { "*" + String(repeating: "{a}", count: $0) }),
        ("filter", { "*" + String(repeating: "[true]", count: $0) }),
        ("pipe", { "*" + String(repeating: "|order(a)", count: $0) }),
        ("parent", { "*[" + String(repeating: "^.", count: $0) + "a]" }),
        ("selector", { "*[diff::changedAny(@, @, a" + String(repeating: ".a", count: $0) + ")]" }),
        ("negation", { String(repeating: "-", count: $0) + "1" }),
        ("brackets", { String(repeating: "(", count: $0) + "1" + String(repeating: ")", count: $0) }),
    ]

    @Test(arguments: [10_500, 40_000])
    func longChainsAreRefusedWithThePosition(terms: Int) throws {
        for (name, make) in Self.chains where name != "parent" {
            let text = make(terms)
            do {
                _ = try GROQQuery(text)
                Issue.record("a \(name) chain of \(terms) terms was accepted")
            } catch {
                #expect(error.kind == .query, "\(name): \(error)")
                #expect(error.message.contains("too deep"), "\(name): \(error.message)")
                // The position is where the limit was reached, inside the chain.
                let column = error.position?.column ?? 0
                #expect(column > 1 && column < 256 * 12, "\(name): column \(column)")
            }
        }
        // `^.^.^…` is one node however long, and simply finds no scope that far out.
        #expect(try GROQQuery(Self.chains.first { $0.name == "parent" }!.make(terms)).evaluate(in: InMemoryDataset([["a": 1]])) == [])
    }

    /// Everything just under the limit parses and evaluates: no stack is exhausted on the way, on
    /// the threads tests run on (smaller stacks than the server's workers).
    @Test func theDeepestAcceptedQueriesEvaluate() throws {
        let dataset = InMemoryDataset([["_id": "a", "_type": "t", "a": ["_ref": "a"]]])
        let terms = GROQLimits.standard.maxDepth - 8
        for (name, make) in Self.chains {
            // A right-associative link is a level for the chain and one for its right side.
            let query = try GROQQuery(make(name == "power" ? terms / 2 : terms))
            _ = try query.evaluate(in: dataset)
            #expect(query.limits == .standard, "\(name)")
        }
        // Nested sub-queries in projections, each level a scan.
        var text = "1"
        for _ in 0..<25 { text = "*[true]{\"x\": \(text)}" }
        _ = try GROQQuery(text).evaluate(in: dataset)
    }

    @Test func theDepthLimitIsASetting() throws {
        let text = "1" + String(repeating: "-1", count: 600)
        #expect(throws: GROQError.self) { try GROQQuery(text) }
        var limits = GROQLimits.standard
        limits.maxDepth = 700
        #expect(try GROQQuery(text, limits: limits).evaluate(in: InMemoryDataset([])) == -599)
    }

    /// Custom functions that each call the next one twice expand exponentially: 26 levels would
    /// be 67 million copies. The expression budget stops the expansion, at once.
    @Test func exponentiallyExpandingCustomFunctionsAreRefused() throws {
        var text = "fn f::l0($p) = $p{a};\n"
        for level in 1...26 {
            text += "fn f::l\(level)($p) = $p{\"a\": f::l\(level - 1)(@), \"b\": f::l\(level - 1)(@)};\n"
        }
        text += "*[0]{\"x\": f::l26(@)}"
        let started = ContinuousClock.now
        do {
            _ = try GROQQuery(text)
            Issue.record("an exponential expansion was accepted")
        } catch {
            #expect(error.kind == .query)
            #expect(error.message.contains("too large"), "\(error.message)")
            #expect(error.message.contains("\(GROQLimits.standard.maxExpressions)"))
        }
        // Refused after spending the budget, not after expanding: a fraction of a second.
        #expect(ContinuousClock.now - started < .seconds(30))
        // A few levels expand as they should.
        var small = "fn f::l0($p) = $p{a};\n"
        for level in 1...3 { small += "fn f::l\(level)($p) = $p{\"a\": f::l\(level - 1)(@)};\n" }
        #expect(try GROQQuery(small + "{\"a\": 1}{\"r\": f::l3(@)}").evaluate(in: InMemoryDataset([])) == ["r": ["a": ["a": ["a": ["a": 1]]]]])
    }

    @Test func parsingStopsAtItsDeadline() {
        let text = "[" + Array(repeating: "1", count: 50_000).joined(separator: ",") + "]"
        do {
            _ = try GROQQuery(text, deadline: .now - .seconds(1))
            Issue.record("a parse past its deadline went on")
        } catch {
            #expect(error.kind == .timeout)
        }
    }

    // MARK: Elements

    static let documents = InMemoryDataset((0..<500).map { ["_id": .string("d\($0)"), "_type": "t", "n": .number(Double($0))] })

    static func limited(_ elements: Int) -> GROQLimits {
        var limits = GROQLimits.standard
        limits.maxElements = elements
        return limits
    }

    /// A sub-query's rows count in every outer row: 500 × 499 elements is over 100,000.
    @Test(arguments: [
        "*[]{\"x\": *[_id != ^._id]}",
        "*[]{\"x\": *[n > ^.n - 1000]._id}",
        "count(*[]{\"x\": *[_id != ^._id]}.x[])",
        "*[]{\"x\": [...*[_id != ^._id], ...*[_id != ^._id]]}",
        "*[]{\"x\": *[_id != ^._id] | order(n desc)}",
        "*[]{\"x\": *[_id != ^._id][0...400]}",
    ])
    func anEvaluationBuildingTooManyElementsIsStopped(query: String) throws {
        do {
            _ = try GROQQuery(query, limits: Self.limited(100_000)).evaluate(in: Self.documents)
            Issue.record("built more than its elements")
        } catch {
            #expect(error.kind == .evaluation)
            #expect(error.message.contains("100000 array elements"), "\(error.message)")
        }
        // With room enough it answers.
        _ = try GROQQuery(query, limits: Self.limited(2_000_000)).evaluate(in: Self.documents)
    }

    /// Functions that make arrays out of text count them: a 4 MB text split into characters is
    /// four million elements.
    @Test func splittingALongTextCountsItsElements() throws {
        let text = String(repeating: "é,", count: 2_000_000)
        let query = try GROQQuery("[string::split($t, ''), string::split($t, ',')]", params: ["t": .string(text)],
                                  limits: Self.limited(1_000_000))
        do {
            _ = try query.evaluate(in: Self.documents)
            Issue.record("split more than its elements")
        } catch {
            #expect(error.message.contains("1000000 array elements"), "\(error.message)")
        }
        let fits = try GROQQuery("count(string::split($t, ','))", params: ["t": .string(String(text.prefix(2_000)))], limits: Self.limited(1_000_000))
        #expect(try fits.evaluate(in: Self.documents) == 1_001)
    }

    /// A flat map appending one shared array per row is counted by what it appends, not by rows.
    @Test func aFlatMapCountsWhatItAppends() throws {
        let query = try GROQQuery("*[]{\"x\": *}.x[]", limits: Self.limited(100_000))
        #expect(throws: GROQError.self) { try query.evaluate(in: Self.documents) }
        let small = try GROQQuery("*[0...10]{\"x\": *}.x[]", limits: Self.limited(100_000))
        #expect(try small.evaluate(in: Self.documents).arrayValue?.count == 5_000)
    }

    // MARK: Writing

    /// One array shared by every row is small in memory and huge as text: writing stops at the
    /// limit however deep the sharing is.
    @Test func writingStopsAtTheLimitAtAnyDepth() {
        let shared = JSONValue.array(Array(repeating: ["_id": "x", "n": 1], count: 10_000))
        let rows = JSONValue.array(Array(repeating: ["x": ["y": shared]], count: 10_000))
        var bytes: [UInt8] = []
        #expect(!rows.write(to: &bytes, limit: 1 << 20))
        #expect(bytes.count < (1 << 20) + 1_000, "wrote \(bytes.count) bytes")
        var whole: [UInt8] = []
        #expect(shared.write(to: &whole, limit: 1 << 20))
        #expect(String(decoding: whole, as: UTF8.self) == shared.serialized())
    }
}
