import Foundation
import Testing
import TestSupport

@testable import GROQ

/// `match` answered from token indexes must give exactly what a scan gives: random documents
/// (accents, apostrophes, full-width letters, dotted words, arrays, non-text values) and random
/// patterns, each query run over an indexed source and over one that keeps no index.
@Suite("Text index plans", .ownThread(computing: true))
struct TextIndexPlanTests {
    private static let words = [
        "López", "Lopez", "lopez", "Zoë", "zoe", "ZOE", "ＺＯＥ", "O'Brien", "d’Arcy", "Ada", "A.B.C", "Müller",
        "mary-jane", "Jean", "Jeanne", "ann", "Anna", "x.y", "...", "Łukasz", "Ørsted", "straße", "İstanbul",
        "ada@example.com", "+41 44 123", "Zürich", "zurich", "São", "Paulo", "Ǆemal", "ﬁne",
    ]

    private static let patternWords = [
        "lopez", "lop*", "LÓP*", "zoe", "zo*", "ＺＯ*", "obrien", "o'b*", "darcy", "d*", "ada", "abc", "a.b*",
        "mull*", "muller", "jean", "jean*", "ann*", "an", "x*", "*ez", "*", "l*z", "j.an", "zur*", "ist*",
        "lukasz", "orsted", "strasse", "stra*", "sao", "41", "123*", "example*", "ada@*", "dzemal", "fine", "fi*",
    ]

    /// Random documents' text and random patterns, from a seed.
    private struct Generator {
        var numbers: SeededNumbers
        init(state: UInt64) { numbers = SeededNumbers(state: state) }
        mutating func next(_ bound: Int) -> Int { numbers.next(bound) }
        mutating func text() -> String {
            (0..<(1 + next(3))).map { _ in TextIndexPlanTests.words[next(TextIndexPlanTests.words.count)] }.joined(separator: next(4) == 0 ? "-" : " ")
        }
        mutating func value() -> JSONValue? {
            switch next(10) {
            case 0: return nil
            case 1: return .null
            case 2: return .number(Double(next(100)))
            case 3: return .array([.string(text()), .number(1), .string(text())])
            case 4: return .object(["text": .string(text())])
            default: return .string(text())
            }
        }
        mutating func pattern() -> JSONValue {
            switch next(12) {
            case 0: return .number(3)
            case 1: return .array([.string(patternWord()), .string(patternWord())])
            case 2: return .string("")
            default:
                return .string((0..<(1 + next(2))).map { _ in patternWord() }.joined(separator: " "))
            }
        }
        mutating func patternWord() -> String { TextIndexPlanTests.patternWords[next(TextIndexPlanTests.patternWords.count)] }
    }

    private static func dataset(seed: UInt64, count: Int) -> [JSONValue] {
        var random = Generator(state: seed)
        var documents: [JSONValue] = []
        for index in 0..<count {
            var object: JSONObject = ["_id": .string("d-\(1000 + index)"), "_type": .string(["a", "b", "c"][random.next(3)])]
            if let name = random.value() { object["name"] = name }
            if let email = random.value() { object["email"] = email }
            if random.next(3) > 0, let city = random.value() { object["address"] = .object(["city": city]) }
            documents.append(.object(object))
        }
        return documents
    }

    private static let queries = [
        "*[name match $p]._id",
        "*[_type == 'a' && name match $p]._id",
        "*[[name, address.city, email] match $p]._id",
        "*[(_type == 'a' && [name, email] match $p) || (_type == 'b' && address.city match $p)]._id",
        "*[name match $p || _type == 'c']._id",
        "*[name match $p && !(email match $p)]._id",
        "*[(name match $p)] | order(_id desc) | score(boost(name match $p, 3), [name, email] match $p) {_id, _score}",
        "count(*[address.city match $p && _type in ['a', 'b']])",
        "*[name match 'lop*' && email match $p]._id",
    ]

    @Test func indexedMatchesAgreeWithAScan() throws {
        var random = Generator(state: 42)
        var lookups = 0
        for round in 0..<40 {
            let documents = Self.dataset(seed: UInt64(round + 1), count: 60 + random.next(200))
            let indexed = RecordingSource(InMemoryDataset(documents))
            let scanned = ScanSource(InMemoryDataset(documents).documents)
            for _ in 0..<25 {
                let query = Self.queries[random.next(Self.queries.count)]
                let pattern = random.pattern()
                let compiled = try GROQQuery(query)
                let expected = try compiled.evaluate(in: scanned, params: ["p": pattern])
                let found = try compiled.evaluate(in: indexed, params: ["p": pattern])
                #expect(found == expected, "\(query) with $p = \(pattern.serialized())")
            }
            lookups += indexed.lookups.filter { if case .tokens = $0 { true } else { false } }.count
        }
        #expect(lookups > 500, "the token index answered only \(lookups) lookups")
    }

    @Test func aRankedPageEqualsTheSameSliceOfTheWholeRanking() throws {
        // `| score(…)[a...b]` keeps only the page's documents; in parentheses the whole ranking is
        // built first and then sliced, which is the plain statement of the rule.
        var random = Generator(state: 7)
        let slices = ["[0...3]", "[2..5]", "[-3..-1]", "[0]", "[5...2]", "[-100...100]"]
        for round in 0..<20 {
            let source = InMemoryDataset(Self.dataset(seed: UInt64(100 + round), count: 40 + random.next(80)))
            let pattern = random.pattern()
            for slice in slices {
                let fused = try GROQQuery("*[[name, email] match $p || _type == 'c'] | score(boost(name match $p, 2), email match $p, _type == 'b')\(slice)")
                let whole = try GROQQuery("(*[[name, email] match $p || _type == 'c'] | score(boost(name match $p, 2), email match $p, _type == 'b'))\(slice)")
                #expect(try fused.evaluate(in: source, params: ["p": pattern]) == whole.evaluate(in: source, params: ["p": pattern]),
                        "\(slice) with $p = \(pattern.serialized())")
            }
        }
    }

    @Test func aSearchReadsOnlyItsCandidates() throws {
        var documents: [JSONValue] = []
        for index in 0..<5_000 {
            documents.append(["_id": .string("c-\(10_000 + index)"), "_type": "customer",
                              "name": .string(index == 4_321 ? "Zoë López" : "Client \(index)")])
        }
        let source = InMemoryDataset(documents)
        let candidates = source.documents(answering: .tokens(prefixes: [Array("lop".utf8)], paths: [["name"]]))
        #expect(candidates?.map { $0["_id"] } == [.string("c-14321")])
        let result = try GROQQuery("*[_type == 'customer' && name match $q]{name}").evaluate(in: source, params: ["q": "ZOE lop*"])
        #expect(result == [["name": "Zoë López"]])
        // No prefix narrows nothing: the source says so rather than answering every document.
        #expect(source.documents(answering: .tokens(prefixes: [], paths: [["name"]])) == nil)
        // A term that starts with a wildcard gives no prefix; the others still do.
        #expect(TokenIndex.prefixes(ofPattern: "*ez lóp* Z.e j.*") == [Array("lop".utf8), Array("ze".utf8), Array("j".utf8)])
        #expect(TokenIndex.prefixes(ofPattern: 3) == nil)
    }

    @Test func aPatternOfThousandsOfTermsLooksUpAFew() throws {
        let source = RecordingSource(InMemoryDataset((0..<300).map { ["_id": .string("c\($0)"), "name": .string("customer account \($0)")] }))
        // Every term a prefix of "customer": each matches every document, none narrows.
        let terms = (1...8).map { String("customer".prefix($0)) + "*" } + (0..<20_000).map { "c\($0 % 7)*" }
        let found = try GROQQuery("count(*[name match $q])").evaluate(in: source, params: ["q": .string(terms.joined(separator: " "))])
        #expect(found == .number(0), "no name holds tokens starting with c0 … c6")
        let prefixCounts = source.lookups.compactMap { lookup -> Int? in
            if case .tokens(let prefixes, _) = lookup { prefixes.count } else { nil }
        }
        #expect(prefixCounts.count == 1 && prefixCounts[0] <= QueryPlanner.maxLookupPrefixes)
        let exact = try GROQQuery("*[name match $q]._id").evaluate(in: source, params: ["q": "custom* acc* 12"])
        #expect(exact == ["c12"])
    }

    @Test func longAndHugeTextStaysBounded() throws {
        let long = String(repeating: "abcdefghij", count: 20)  // one 200-letter token
        let huge = (0..<2_000).map { "w\($0)" }.joined(separator: " ")
        let source = InMemoryDataset([
            ["_id": "a", "body": .string(long)],
            ["_id": "b", "body": .string(huge)],
            ["_id": "c", "body": .string(long + "x")],
        ])
        let query = try GROQQuery("*[body match $q]._id")
        #expect(try query.evaluate(in: source, params: ["q": .string(long)]) == ["a"])
        #expect(try query.evaluate(in: source, params: ["q": .string(long + "x")]) == ["c"])
        #expect(try query.evaluate(in: source, params: ["q": "w1999"]) == ["b"])
        #expect(try query.evaluate(in: source, params: ["q": "w2000"]) == [])
    }
}
