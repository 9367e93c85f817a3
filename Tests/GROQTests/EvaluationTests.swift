import Foundation
import Testing
import TestSupport

@testable import GROQ

/// Evaluation semantics and the built-in functions, with exact results. Expected values were
/// checked against Sanity's reference implementation (groq-js) except where the engine documents
/// its own rule (`*` is ordered by `_id`; a missing parameter is an error).
private let blog = InMemoryDataset([
    ["_id": "au-1", "_type": "author", "name": "Ada Lovelace"],
    ["_id": "au-2", "_type": "author", "name": "Grace Hopper"],
    ["_id": "cat-1", "_type": "category", "title": "Science"],
    [
        "_id": "post-1", "_type": "post", "title": "Hello World", "author": ["_ref": "au-1"],
        "categories": [["_key": "k1", "_ref": "cat-1"]], "publishedAt": "2024-01-15T10:00:00Z", "rating": 4.5,
        "body": [
            ["_type": "block", "children": [["_type": "span", "text": "First "], ["_type": "span", "text": "paragraph."]]],
            ["_type": "image"],
            ["_type": "block", "children": [["_type": "span", "text": "Second."]]],
        ],
    ],
    ["_id": "post-2", "_type": "post", "title": "Notes on the Analytical Engine", "author": ["_ref": "au-2"],
     "publishedAt": "2024-03-01T12:30:00.250+02:00", "rating": 3],
    ["_id": "post-3", "_type": "post", "title": "Orphan", "author": ["_ref": "au-9"]],
    ["_id": "drafts.post-1", "_type": "post", "title": "Hello World (draft)", "author": ["_ref": "au-1"]],
    ["_id": "versions.rel-1.post-1", "_type": "post", "title": "Hello World (release)"],
    ["_id": "_.releases.rel-1", "_type": "system.release", "name": "rel-1"],
    ["_id": "_.releases.rel-2", "_type": "system.release", "name": "rel-2"],
])

private func run(_ query: String, params: [String: JSONValue] = [:], in source: any DocumentSource = blog,
                 options: EvaluationOptions = EvaluationOptions()) throws -> JSONValue {
    try GROQQuery(query, params: params).evaluate(in: source, options: options)
}

private func json(_ text: String) -> JSONValue {
    (try? JSONValue(parsing: text)) ?? .string("<invalid expected JSON: \(text)>")
}

/// Checks each `query => expected JSON` pair of a table.
private func check(_ table: [(String, String)], in source: any DocumentSource = blog,
                   sourceLocation: SourceLocation = #_sourceLocation) {
    for (query, expected) in table {
        do {
            let result = try run(query, in: source)
            #expect(result == json(expected), "\(query) gave \(result.serialized())", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(query) threw \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// A source without `_type` and reference indexes (`document(id:)` is still used for `_id`).
private final class ScanOnlySource: DocumentSource {
    let documents: [JSONValue]
    init(documents: [JSONValue]) { self.documents = documents }
    func document(id: String) -> JSONValue? { documents.first { $0["_id"] == .string(id) } }
    func documents(ofType type: String) -> [JSONValue]? { nil }
    func documents(referencing id: String) -> [JSONValue]? { nil }
}

/// A few thousand customers, orders (referencing customers and products) and products.
private let generated: [JSONValue] = {
    func pad(_ n: Int) -> String { String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n) }
    var docs: [JSONValue] = []
    for i in 0..<1000 {
        docs.append(["_id": .string("c-\(pad(i))"), "_type": "customer", "tier": i % 3 == 0 ? "gold" : "silver",
                     "score": .number(Double(i % 17))])
    }
    for i in 0..<10 { docs.append(["_id": .string("p-\(i)"), "_type": "product", "price": .number(Double(i * 5))]) }
    for i in 0..<2500 {
        var order: JSONObject = ["_id": .string("o-\(pad(i))"), "total": .number(Double(i % 100)),
                                 "customer": ["_ref": .string("c-\(pad(i % 1000))")],
                                 "lines": [["_key": "a", "product": ["_ref": .string("p-\(i % 10)")]],
                                           ["_key": "b", "product": ["_ref": .string("p-\((i * 7) % 10)")]]]]
        if i % 50 != 0 { order["_type"] = "order" }  // a few untyped documents
        docs.append(.object(order))
    }
    docs.append(["_id": "drafts.o-0001", "_type": "order", "total": 99, "customer": ["_ref": "c-0001"]])
    docs.append(["_id": "x-weird", "_type": 7, "ref": ["_ref": ""], "nested": [["_ref": "c-0002", "deep": ["_ref": "c-0003"]]]])
    return docs
}()

@Suite("GROQ evaluation", .ownThread(computing: true))
struct EvaluationTests {
    // MARK: Logic, equality, comparison

    @Test func threeValuedLogic() {
        check([
            ("true && true", "true"), ("true && false", "false"), ("null && false", "false"), ("false && null", "false"),
            ("null && true", "null"), ("true && null", "null"), ("1 && true", "null"), ("null || true", "true"),
            ("true || null", "true"), ("null || false", "null"), ("false || null", "null"), ("false || false", "false"),
            ("\"x\" || false", "null"), ("!null", "null"), ("!1", "null"), ("!false", "true"),
            ("*[_type == 'post' && rating > 4]._id", #"["post-1"]"#),
            ("*[_type == 'post' && !(rating > 4)]._id", #"["post-2"]"#),
            ("*[_type == 'post' && (rating > 4 || nope)]._id", #"["post-1"]"#),
        ])
    }

    @Test func equalityAcrossTypes() {
        check([
            ("1 == 1.0", "true"), ("1 == \"1\"", "false"), ("null == null", "true"), ("null == false", "false"),
            ("null != null", "false"), ("\"a\" == 'a'", "true"), ("true == \"true\"", "false"), ("0 == false", "false"),
            ("[1] == [1]", "false"), ("{} == {}", "false"), ("1 != \"1\"", "true"), ("*[_id == 'au-1'][0] == *[_id == 'au-1'][0]", "false"),
            (#"dateTime("2024-01-01T00:00:00Z") == dateTime("2024-01-01T01:00:00+01:00")"#, "true"),
            (#"dateTime("2024-01-01T00:00:00Z") == "2024-01-01T00:00:00Z""#, "false"),
        ])
    }

    @Test func comparisonAcrossTypes() {
        check([
            ("1 < 2", "true"), ("2 <= 2", "true"), ("2 >= 3", "false"), ("\"a\" < \"b\"", "true"), ("\"B\" < \"a\"", "true"),
            ("\"é\" > \"z\"", "true"), ("\"ab\" < \"abc\"", "true"), ("true > false", "true"), ("1 < \"2\"", "null"),
            ("null < 1", "null"), ("null <= null", "null"), ("[1] < [2]", "null"), ("{\"a\": 1} > {}", "null"),
            ("true < 1", "null"), ("\"a\" in \"abc\"", "null"), ("1 in [[1]]", "false"), ("null in [null]", "true"),
            ("\"b\" in \"a\"..\"c\"", "true"), ("null in 1..3", "null"), ("3 in 3...3", "false"), ("3 in 3..3", "true"),
            ("1 in [1, 2]", "true"), ("\"1\" in [1, 2]", "false"),
        ])
    }

    // MARK: order() and score()

    @Test func orderUsesTheTotalOrder() {
        check([
            (#"[3, "a", true, null, 1, "B", false, {"x": 1}, [0]] | order(@)"#, #"[1, 3, "B", "a", false, true, null, {"x": 1}, [0]]"#),
            (#"[3, "a", true, null, 1, "B", false] | order(@ desc)"#, #"[null, true, false, "a", "B", 3, 1]"#),
            (#"[{"v": "2021-01-01T00:00:00Z", "dt": true}, {"v": 5}, {"v": "2020-01-01T00:00:00Z", "dt": true}, {"v": "a"}, {"v": false}, {"v": null}, {"v": 1}] | order(select(dt => dateTime(v), v)).v"#,
             #"["2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z", 1, 5, "a", false, null]"#),
            (#"*[_type == "post" && defined(publishedAt)] | order(dateTime(publishedAt) desc)._id"#, #"["post-2", "post-1"]"#),
            (#"[{"a": 2, "b": 1}, {"a": 1, "b": 2}, {"a": 2, "b": 0}, {"a": 1, "b": 1}] | order(a, b desc)"#,
             #"[{"a": 1, "b": 2}, {"a": 1, "b": 1}, {"a": 2, "b": 1}, {"a": 2, "b": 0}]"#),
        ])
    }

    @Test func orderIsStableInBothDirections() throws {
        check([
            (#"[{"k": 1, "i": 0}, {"k": 0, "i": 1}, {"k": 1, "i": 2}, {"k": 0, "i": 3}, {"i": 4}, {"k": null, "i": 5}] | order(k).i"#, "[1, 3, 0, 2, 4, 5]"),
            (#"[{"k": 1, "i": 0}, {"k": 0, "i": 1}, {"k": 1, "i": 2}, {"k": 0, "i": 3}, {"i": 4}, {"k": null, "i": 5}] | order(k desc).i"#, "[4, 5, 0, 2, 1, 3]"),
        ])
        let items: [JSONValue] = (0..<300).map { ["k": .number(Double($0 % 3)), "i": .number(Double($0))] }
        for direction in ["asc", "desc"] {
            let sorted = try GROQQuery("$items | order(k \(direction))").evaluate(in: blog, params: ["items": .array(items)])
            let pairs = (sorted.arrayValue ?? []).map { (k: $0["k"]?.numberValue ?? -1, i: $0["i"]?.numberValue ?? -1) }
            #expect(pairs.count == 300)
            for (a, b) in zip(pairs, pairs.dropFirst()) where a.k == b.k {
                #expect(a.i < b.i, "ties must keep their input order (\(direction))")
            }
            #expect(pairs.first?.k == (direction == "asc" ? 0 : 2))
        }
    }

    @Test func scoreAddsBM25RelevanceAndSorts() {
        let docs = #"[{"t": "foo foo bar"}, {"t": "foo"}, {"t": "bar"}]"#
        check([
            ("\(docs) | score(t match \"foo\")", #"[{"t": "foo foo bar", "_score": 1.375}, {"t": "foo", "_score": 1}, {"t": "bar", "_score": 0}]"#),
            ("\(docs) | score(t match \"foo bar\")._score", "[2.375, 1, 1]"),
            ("\(docs) | score(t match \"foo\" || t match \"bar\")._score", "[2.375, 1, 1]"),
            ("\(docs) | score(t match \"foo\" && t match \"bar\")._score", "[2.375, 0, 0]"),
            ("\(docs) | score(boost(t match \"bar\", 10), t match \"foo\")", #"[{"t": "foo foo bar", "_score": 12.375}, {"t": "bar", "_score": 11}, {"t": "foo", "_score": 1}]"#),
            (#"[{"t": "foo"}] | score(boost(t match "foo", "x"))._score"#, "[0]"),
            (#"[{"t": "foo"}] | score(boost(t match "nope", 5))._score"#, "[0]"),
            (#"[{"_score": 10, "t": "x"}, {"t": "x"}] | score(t match "x")._score"#, "[11, 1]"),
            (#"[{"i": 0}, {"i": 1}, {"i": 2}] | score(i == 1).i"#, "[1, 0, 2]"),
            (#"[{"i": 0}, 5, "x", {"i": 1}] | score(i == 1).i"#, "[1, 0]"),
            (#"*[_type == "post"] | score(title match "engine", boost(title match "notes", 2))[0]{_id, _score}"#, #"{"_id": "post-2", "_score": 4}"#),
        ])
    }

    // MARK: match

    @Test(arguments: [
        (#""foo.bar" match "foobar""#, true), (#""foo.bar" match "foo""#, false), (#""a.b.c." match "abc""#, true),
        (#""version 1.2.3" match "123""#, true), (#""hello..world" match "hello""#, false),
        (#""jane@example.com" match "jane""#, true), (#""jane@example.com" match "example""#, false),
        (#""Hello, World!" match "world""#, true), (#""foo-bar" match "bar""#, true), (#""foo_bar" match "foo""#, false),
        (#""foo_bar" match "foo_bar""#, true), (#""path/to/file" match "to""#, true), (#""a+b" match "b""#, true),
        (#""tab\tseparated" match "separated""#, true), (#""it's" match "it's""#, true),
        (#""Hello World" match "hel*""#, true), (#""Hello World" match "*orld""#, true), (#""Hello World" match "w*d""#, true),
        (#""Hello World" match "h*x""#, false), (#""abc" match "b""#, false), (#""abc" match "a*c""#, true),
        (#""Hello World" match "HELLO""#, true), (#""Ünïcödé" match "üNÏ*""#, true),
        (#""Hello World" match "hello world""#, true), (#""Hello World" match "hello mars""#, false),
        (#""Hello World" match ["hello", "world"]"#, true), (#""Hello World" match ["hello", "mars"]"#, false),
        (#"["Hello", "World"] match "world""#, true), (#"["a", 1] match "a""#, true), (#""a" match ["a", 1]"#, false),
        (#"123 match "123""#, false), (#""123" match 123"#, false), (#""" match """#, false), (#""x" match """#, false),
    ])
    func matchTokenisation(query: String, expected: Bool) throws {
        #expect(try run(query) == .bool(expected), "\(query)")
    }

    // MARK: References

    @Test func dereferenceThroughTheDataset() {
        check([
            (#"*[_type == "post" && _id in path("*")]{_id, "author": author->name}"#,
             #"[{"_id": "post-1", "author": "Ada Lovelace"}, {"_id": "post-2", "author": "Grace Hopper"}, {"_id": "post-3", "author": null}]"#),
            (#"*[_id == "post-3"][0].author->"#, "null"),
            (#"*[_id == "post-1"][0]{"cats": categories[]->title}"#, #"{"cats": ["Science"]}"#),
            (#"*[_id == "post-1"][0].author->{name}"#, #"{"name": "Ada Lovelace"}"#),
            (#"*[author->name == "Grace Hopper"]._id"#, #"["post-2"]"#),
        ])
    }

    @Test func referencesFunction() {
        check([
            (#"*[references("au-1")]._id"#, #"["drafts.post-1", "post-1"]"#),
            (#"*[references("cat-1")]._id"#, #"["post-1"]"#),
            (#"*[references("au-2", "cat-1")]._id"#, #"["post-1", "post-2"]"#),
            (#"*[references(["au-2", "cat-1"])]._id"#, #"["post-1", "post-2"]"#),
            (#"*[references("au-9")]._id"#, #"["post-3"]"#),
            (#"*[references("nobody")]._id"#, "[]"), (#"*[references(1)]._id"#, "[]"), (#"*[references([])]._id"#, "[]"),
            (#"*[_type == "author"]{name, "posts": count(*[_type == "post" && references(^._id)])}"#,
             #"[{"name": "Ada Lovelace", "posts": 2}, {"name": "Grace Hopper", "posts": 1}]"#),
        ])
    }

    // MARK: Global functions

    @Test func countDefinedCoalesceSelect() {
        check([
            ("count(*)", "10"), (#"count(*[_type == "post"])"#, "5"), ("count([])", "0"), ("count(null)", "null"),
            (#"count({"a": 1})"#, "null"), (#"count("abc")"#, "null"),
            ("defined(null)", "false"), ("defined(0)", "true"), ("defined(false)", "true"), ("defined(nope)", "false"),
            ("defined([])", "true"), ("coalesce(null, nope, 0, 1)", "0"), ("coalesce()", "null"), ("coalesce(null)", "null"),
            (#"*[_type == "post" && _id in path("*")]{"r": coalesce(rating, publishedAt, "none")}.r"#, #"[4.5, 3, "none"]"#),
            (#"*[_type == "post" && _id in path("*")]{"r": select(rating > 4 => "great", rating > 2 => "ok", "unrated")}.r"#,
             #"["great", "ok", "unrated"]"#),
            ("select(false => 1, null => 2)", "null"),
        ])
    }

    @Test func dateTimeParsingAndRFC3339Output() {
        check([
            (#"dateTime("2024-01-15T10:00:00Z")"#, #""2024-01-15T10:00:00Z""#),
            (#"dateTime("2024-01-01T00:00:00.5+02:00")"#, #""2023-12-31T22:00:00.500Z""#),
            (#"dateTime("2024-01-01T00:00:00.123456Z")"#, #""2024-01-01T00:00:00.123Z""#),
            (#"dateTime("2024-01-01T00:00:00.1Z")"#, #""2024-01-01T00:00:00.100Z""#),
            (#"dateTime("2024-01-01T00:00:00.000Z")"#, #""2024-01-01T00:00:00Z""#),
            (#"dateTime("2024-06-30T23:59:59-05:30")"#, #""2024-07-01T05:29:59Z""#),
            (#"dateTime("1969-12-31T23:59:59.999Z")"#, #""1969-12-31T23:59:59.999Z""#),
            (#"dateTime("2024-01-01T00:00:00Z") == dateTime(dateTime("2024-01-01T00:00:00Z"))"#, "true"),
            (#"string(dateTime("2024-01-01T00:00:00.5Z"))"#, #""2024-01-01T00:00:00.500Z""#),
            (#"*[_type == "post" && defined(publishedAt)]{_id, "p": dateTime(publishedAt)}"#,
             #"[{"_id": "post-1", "p": "2024-01-15T10:00:00Z"}, {"_id": "post-2", "p": "2024-03-01T10:30:00.250Z"}]"#),
            (#"dateTime("2024-01-01")"#, "null"), (#"dateTime("2024-01-01T00:00:00")"#, "null"),
            (#"dateTime("2024-01-01 00:00:00Z")"#, "null"), (#"dateTime("not a date")"#, "null"),
            ("dateTime(1704067200)", "null"), ("dateTime(null)", "null"),
        ])
    }

    @Test func dateTimeArithmeticAndComparison() {
        check([
            (#"dateTime("2024-01-01T00:00:00Z") + 90"#, #""2024-01-01T00:01:30Z""#),
            (#"90.25 + dateTime("2024-01-01T00:00:00Z")"#, #""2024-01-01T00:01:30.250Z""#),
            (#"dateTime("2024-01-01T00:00:00Z") - 0.001"#, #""2023-12-31T23:59:59.999Z""#),
            (#"dateTime("2024-01-01T00:00:00Z") - 86400 * 366"#, #""2022-12-31T00:00:00Z""#),
            (#"dateTime("2024-01-02T00:00:00Z") - dateTime("2024-01-01T00:00:00Z")"#, "86400"),
            (#"dateTime("2024-01-01T00:00:00Z") - dateTime("2024-01-01T00:00:01.5Z")"#, "-1.5"),
            (#"dateTime("2024-01-01T00:00:00Z") + "1""#, "null"), (#"dateTime("2024-01-01T00:00:00Z") * 2"#, "null"),
            (#"dateTime("2024-01-01T00:00:00Z") + dateTime("2024-01-01T00:00:00Z")"#, "null"),
            (#"dateTime("2024-01-01T00:00:00Z") < dateTime("2024-01-01T00:00:00.001Z")"#, "true"),
            (#"dateTime("2024-01-01T00:00:00Z") >= dateTime("2023-12-31T23:00:00-01:00")"#, "true"),
            (#"dateTime("2024-01-01T00:00:00Z") < "2025-01-01T00:00:00Z""#, "null"),
            (#"dateTime("2024-01-01T00:00:00Z") in dateTime("2023-01-01T00:00:00Z")..dateTime("2025-01-01T00:00:00Z")"#, "true"),
            (#"*[_type == "post" && dateTime(publishedAt) > dateTime("2024-02-01T00:00:00Z")]._id"#, #"["post-2"]"#),
        ])
    }

    /// A date-time stays a date-time when it is put in an array or an object (groq-js keeps the
    /// value; it only becomes a string when the result is serialized).
    @Test func dateTimesKeepTheirTypeInsideArraysAndObjects() {
        check([
            (#"[dateTime("2024-01-01T00:00:00Z")][0] == dateTime("2024-01-01T00:00:00Z")"#, "true"),
            (#"dateTime("2024-01-01T00:00:00Z") in [dateTime("2024-01-01T00:00:00Z")]"#, "true"),
            (#"{"d": dateTime("2024-01-01T00:00:00Z")}.d > dateTime("2023-01-01T00:00:00Z")"#, "true"),
            (#"[dateTime("2024-01-01T00:00:00Z"), 1] | order(@)"#, #"["2024-01-01T00:00:00Z", 1]"#),
        ])
    }

    @Test func nowIsFixedByTheOptions() throws {
        let options = EvaluationOptions(now: Date(timeIntervalSince1970: 1_714_557_600.123))
        #expect(try run("now()", options: options) == "2024-05-01T10:00:00.123Z")
        #expect(try run("dateTime::now()", options: options) == "2024-05-01T10:00:00.123Z")
        #expect(try run("[now(), now()]", options: options) == ["2024-05-01T10:00:00.123Z", "2024-05-01T10:00:00.123Z"])
        #expect(try run("dateTime(now()) == dateTime::now()", options: options) == true)
        #expect(try run(#"dateTime::now() - dateTime("2024-05-01T00:00:00Z")"#, options: options) == 36000.123)
        let whole = EvaluationOptions(now: Date(timeIntervalSince1970: 1_714_557_600))
        #expect(try run("now()", options: whole) == "2024-05-01T10:00:00.000Z")
        #expect(try run("dateTime::now()", options: whole) == "2024-05-01T10:00:00Z")
        #expect(try run("identity()", options: EvaluationOptions(identity: "user-42")) == "user-42")
    }

    @Test(arguments: [
        ("round(2.5)", "3"), ("round(-2.5)", "-3"), ("round(0.5)", "1"), ("round(-0.5)", "-1"), ("round(-0.4)", "0"),
        ("round(1.005, 2)", "1"), ("round(1.006, 2)", "1.01"), ("round(2.345, 2)", "2.35"), ("round(8.345, 2)", "8.35"),
        ("round(1.45, 1)", "1.4"), ("round(-1.555, 2)", "-1.55"), ("round(3.14159, 3)", "3.142"),
        ("round(12345678.125, 2)", "12345678.13"), ("round(1234.5678, 0)", "1235"), ("round(7)", "7"),
        ("round(1, -1)", "null"), ("round(1, 1.5)", "null"), ("round(1, \"2\")", "null"), ("round(\"1\")", "null"),
        ("round(null)", "null"),
    ])
    func rounding(query: String, expected: String) throws {
        #expect(try run(query) == json(expected), "\(query)")
    }

    @Test func stringLowerUpperLength() {
        check([
            ("string(1.5)", #""1.5""#), ("string(100)", #""100""#), ("string(1e21)", #""1e+21""#), ("string(-0)", #""0""#),
            ("string(0.1 + 0.2)", #""0.30000000000000004""#), ("string(true)", #""true""#), (#"string("x")"#, #""x""#),
            ("string(null)", "null"), ("string([1])", "null"), ("string({})", "null"),
            (#"lower("ÀÉ Ü")"#, #""àé ü""#), (#"upper("straße ü")"#, #""STRASSE Ü""#), ("lower(1)", "null"), ("upper(null)", "null"),
            (#"string::lower("AbC")"#, #""abc""#), (#"string::upper("AbC")"#, #""ABC""#),
            (#"length("naïve")"#, "5"), (#"length("😀é")"#, "2"), (#"length("e\u0301")"#, "2"), (#"length("👨‍👩‍👧")"#, "5"),
            (#"length("")"#, "0"), ("length([1, 2, null])", "3"), ("length(1)", "null"), ("length({})", "null"),
        ])
    }

    @Test func pathPatterns() {
        check([
            (#""drafts.a" in path("drafts.**")"#, "true"), (#""drafts.a.b" in path("drafts.**")"#, "true"),
            (#""drafts" in path("drafts.**")"#, "false"), (#""drafts.a.b" in path("drafts.*")"#, "false"),
            (#""a.b" in path("a.b")"#, "true"), (#""b" in path("*")"#, "true"), (#""ab" in path("a*")"#, "false"),
            (#"1 in path("*")"#, "null"), ("path(1)", "null"), (#"path("a.*")"#, #""a.*""#),
            (#"*[_id in path("drafts.**")]._id"#, #"["drafts.post-1"]"#),
            (#"*[_id in path("versions.*.post-1")]._id"#, #"["versions.rel-1.post-1"]"#),
            (#"*[_type == "post" && _id in path("*")]._id"#, #"["post-1", "post-2", "post-3"]"#),
        ])
    }

    // MARK: Namespaced functions

    @Test func arrayFunctions() {
        check([
            (#"array::join([1, "a", true, 2.5], "-")"#, #""1-a-true-2.5""#), (#"array::join([], ",")"#, #""""#),
            (#"array::join([1, [2]], "-")"#, "null"), (#"array::join(["a", null], ",")"#, "null"),
            (#"array::join(["a"], 1)"#, "null"), (#"array::join(*[_type == "author"].name, ", ")"#, #""Ada Lovelace, Grace Hopper""#),
            ("array::compact([1, null, 2, null])", "[1, 2]"), (#"array::compact(*[_type == "post"].rating)"#, "[4.5, 3]"),
            ("array::compact(1)", "null"),
            (#"array::unique([1, 1, "1", true, true, 2.0, 2])"#, #"[1, "1", true, 2]"#),
            ("array::unique([[1], [1], {}, {}])", "[[1], [1], {}, {}]"),
            ("array::intersects([1, 2], [2, 3])", "true"), ("array::intersects([1, 2], [3])", "false"),
            ("array::intersects([[1]], [[1]])", "false"), ("array::intersects([1], 1)", "null"),
        ])
    }

    /// Nulls are de-duplicated like the other scalars: the conformance suite's "Mix of types"
    /// case expects a single null where groq-js would keep every one.
    @Test func arrayUniqueKeepsOneNull() throws {
        #expect(try run("array::unique([1, null, 1, null])") == [1, nil])
    }

    @Test func stringAndMathFunctions() {
        check([
            (#"string::split("a,b,,c", ",")"#, #"["a", "b", "", "c"]"#), (#"string::split("", ",")"#, "[]"),
            (#"string::split("ab😀", "")"#, #"["a", "b", "😀"]"#), (#"string::split("abc", "abc")"#, #"["", ""]"#),
            (#"string::split("a, b, c", ", ")"#, #"["a", "b", "c"]"#), (#"string::split("a", 1)"#, "null"),
            (#"string::startsWith("foobar", "foo")"#, "true"), (#"string::startsWith("foobar", "bar")"#, "false"),
            (#"string::startsWith("", "")"#, "true"), (#"string::startsWith("foobar", 1)"#, "null"),
            (#"*[string::startsWith(title, "Hello")]._id"#, #"["drafts.post-1", "post-1", "versions.rel-1.post-1"]"#),
            ("math::sum([1, 2, null, 3])", "6"), ("math::sum([])", "0"), (#"math::sum([1, "a"])"#, "null"), ("math::sum(1)", "null"),
            ("math::avg([1, 2, null, 3, 4])", "2.5"), ("math::avg([])", "null"), (#"math::avg([1, "2"])"#, "null"),
            ("math::min([3, 1, null, 2])", "1"), ("math::max([3, 1, null, 2])", "3"), ("math::min([])", "null"),
            (#"math::max(["a"])"#, "null"), ("math::max([null])", "null"),
            (#"math::sum(*[_type == "post"].rating)"#, "7.5"), (#"math::avg(*[_type == "post"].rating)"#, "3.75"),
        ])
    }

    @Test func portableText() {
        check([
            (#"pt::text(*[_id == "post-1"][0].body)"#, #""First paragraph.\n\nSecond.""#),
            (#"pt::text(*[_id == "post-1"][0].body[0])"#, #""First paragraph.""#),
            (#"*[_id == "post-1"][0].body[0..1]{"t": pt::text(@)}"#, #"[{"t": "First paragraph."}, {"t": null}]"#),
            (#"pt::text([[{"_type": "block", "children": [{"_type": "span", "text": "nested"}]}]])"#, #""nested""#),
            (#"pt::text({"_type": "block", "children": [{"_type": "span", "text": "a"}, {"_type": "link", "text": "b"}, {"_type": "span", "text": 1}]})"#, #""a""#),
            ("pt::text([])", "null"), (#"pt::text({"children": []})"#, "null"), (#"pt::text("x")"#, "null"),
        ])
    }

    @Test func versionsAndReleases() throws {
        check([
            (#"*[sanity::versionOf("post-1")]._id"#, #"["drafts.post-1", "post-1", "versions.rel-1.post-1"]"#),
            (#"*[sanity::versionOf("post")]._id"#, "[]"),
            (#"*[sanity::partOfRelease("rel-1")]._id"#, #"["versions.rel-1.post-1"]"#),
            (#"*[sanity::partOfRelease("post-1")]._id"#, "[]"),
            (#"*[_id == "post-1"]{"v": sanity::versionOf(1), "r": sanity::partOfRelease(null)}"#, #"[{"v": null, "r": null}]"#),
            (#"sanity::versionOf("x")"#, "null"),
            ("releases::all()[].name", #"["rel-1", "rel-2"]"#), ("count(releases::all())", "2"),
        ])
        #expect(try run("releases::all()", in: InMemoryDataset([])) == [])
    }

    // MARK: Parameters

    @Test func missingParameterIsAnEvaluationErrorNamingIt() throws {
        var caught: GROQError?
        do { _ = try run(#"*[_type == "post" && rating > $minimum]"#) } catch { caught = error as? GROQError }
        let error = try #require(caught)
        #expect(error.kind == .evaluation)
        #expect(error.message.contains("$minimum"))
        #expect(error.position?.line == 1)
        #expect(error.position?.column == 31)
        #expect(try run(#"*[_type == "post" && rating > $minimum]._id"#, params: ["minimum": 4]) == ["post-1"])
        // Given only at evaluation time, parameters are not folded, but still used.
        let query = try GROQQuery(#"*[_type == $type && rating > $min]._id"#)
        #expect(try query.evaluate(in: blog, params: ["type": "post", "min": 3.5]) == ["post-1"])
        #expect(try query.evaluate(in: blog, params: ["type": "post", "min": 0]) == ["post-1", "post-2"])
    }

    /// `evaluate(params:)` is documented to override the parameters given when parsing.
    @Test func evaluationParametersOverrideParseTimeOnes() throws {
        let query = try GROQQuery(#"*[_type == "post" && rating > $min]._id"#, params: ["min": 4])
        #expect(try query.evaluate(in: blog) == ["post-1"])
        #expect(try query.evaluate(in: blog, params: ["min": 0]) == ["post-1", "post-2"])
    }

    // MARK: Index fast paths

    @Test func indexFastPathsMatchThePlainScan() throws {
        let indexed = InMemoryDataset(generated)
        let scan = ScanOnlySource(documents: indexed.documents)
        #expect(indexed.documents.count == 3512)
        let queries = [
            #"*[_type == "order" && total > 90]._id"#, #"*["order" == _type && total > 90]._id"#,
            #"*[_type == "customer" && tier == "gold"] | order(score desc, _id)[0...25]._id"#,
            #"count(*[_type == "order"])"#, #"count(*[_type == "nope"])"#, #"*[_type == "product"]{_id, price}"#,
            #"*[_id == "o-0042"]"#, #"*[_id == "nope"]"#, #"*[_id == 42]"#,
            #"*[_id in ["o-0001", "c-0002", "nope", "o-0001"]]._id"#, #"*[_id in []]"#,
            #"*[references("c-0007")]._id"#, #"*[references("p-3") && total < 10]._id"#,
            #"*[_type == "order" && references("p-3") && references("c-0013")]._id"#,
            #"*[references("c-0002")]._id"#, #"*[references("c-0003")]._id"#, #"*[references("")]._id"#,
            #"*[(_type == "order") && (references("c-0001"))]._id"#, #"*[_type == "order" || _type == "product"]._id"#,
            #"*[!(_type == "order") && total > 95]._id"#, #"*[_type == "order" && _id == "o-0050"]"#,
            #"count(*[_type == "order" && customer->tier == "gold"])"#,
            #"*[_type in ["order", "customer"] && total > 90 || tier == "gold"]._id"#, #"*[_type in ["product", "order", "product"]]._id"#,
            #"*[_type in ["customer", "nope"] && tier == "gold"] | order(score desc, _id)[0...25]._id"#,
            #"count(*[_type in []])"#, #"*[_type in ["order", 3]]._id"#, #"*[_type in ["order", null]]._id"#,
            #"count(*[_type in ["order"] && references("c-0001")])"#,
        ]
        for query in queries {
            let parsed = try GROQQuery(query)
            #expect(try parsed.evaluate(in: indexed) == parsed.evaluate(in: scan), "\(query)")
        }
        let byIDs = try GROQQuery("*[_id in $ids]._id", params: ["ids": ["o-0009", "c-0002", "nope", "o-0009", "p-1"]])
        #expect(try byIDs.evaluate(in: indexed) == ["c-0002", "o-0009", "p-1"])
        #expect(try byIDs.evaluate(in: indexed) == byIDs.evaluate(in: scan))
        let types = try GROQQuery("*[_type in $types]._id", params: ["types": ["product", "customer"]])
        #expect(try types.evaluate(in: indexed) == types.evaluate(in: scan))
        #expect(try types.evaluate(in: indexed).arrayValue?.count == indexed.documents.filter { ["product", "customer"].contains($0["_type"]?.stringValue ?? "") }.count)
        let folded = try GROQQuery("*[_type == $t && total > $min]._id", params: ["t": "order", "min": 97])
        #expect(try folded.evaluate(in: indexed) == folded.evaluate(in: scan))
        #expect(try folded.evaluate(in: indexed).arrayValue?.count == 51)
    }

    @Test func indexFriendlyConjunctsDoNotChangeResults() throws {
        let indexed = InMemoryDataset(generated)
        let pairs = [
            (#"*[_type == "order" && total > 95]._id"#, #"*[lower(_type) == "order" && total > 95]._id"#),
            (#"*[_type == "order" && total > 95]._id"#, #"*[_type in ["order"] && total > 95]._id"#),
            (#"*[_id == "o-0042"]"#, #"*[_id + "" == "o-0042"]"#),
            (#"*[_id in ["o-0007", "c-0001"]]._id"#, #"*[(_id in ["o-0007", "c-0001"]) == true]._id"#),
            (#"*[references("c-0007")]._id"#, #"*[references("c-0007") == true]._id"#),
            (#"*[references("p-4") && _type == "order"]._id"#, #"*[references("p-4") == true && defined(_type)]._id"#),
        ]
        for (fast, slow) in pairs {
            let a = try GROQQuery(fast).evaluate(in: indexed), b = try GROQQuery(slow).evaluate(in: indexed)
            #expect(a == b, "\(fast) vs \(slow)")
            #expect(a != [], "\(fast) should find something")
        }
    }

    /// The planner must never drop a document the scan would keep, even for ids Sanity itself
    /// would not allow. A duplicated `_id` in an NDJSON file keeps the last document (as an import
    /// would), for the scan and the index alike; a numeric `_id` is found by the scan.
    @Test func indexLookupsKeepEveryMatchingDocument() throws {
        let docs: [JSONValue] = [["_id": "x", "v": 1], ["_id": "x", "v": 2], ["_id": 3, "v": 3], ["_id": "y", "v": 4]]
        let indexed = InMemoryDataset(docs)
        #expect(indexed.documents.count == 3)
        for (fast, slow, expected) in [
            (#"*[_id == "x"].v"#, #"*[(_id == "x") == true].v"#, [2] as JSONValue),
            (#"*[_id in ["x", "y"]].v"#, #"*[(_id in ["x", "y"]) == true].v"#, [2, 4]),
            ("*[_id == 3].v", "*[(_id == 3) == true].v", [3]),
            ("*[_id in [3, \"y\"]].v", "*[(_id in [3, \"y\"]) == true].v", [4, 3]),
        ] {
            #expect(try GROQQuery(slow).evaluate(in: indexed) == expected, "\(slow)")
            #expect(try GROQQuery(fast).evaluate(in: indexed) == expected, "\(fast)")
        }
        // A parameter known at parse time becomes a literal array, which the planner looks up by id.
        let byParameter = try GROQQuery("*[_id in $ids].v", params: ["ids": ["x", "y"]])
        #expect(try byParameter.evaluate(in: indexed) == [2, 4])
    }
}

/// Sub-queries that do not depend on the loop around them run once per query.
@Suite("GROQ invariant sub-queries", .ownThread(computing: true))
struct InvariantSubqueryTests {
    let dataset = InMemoryDataset([
        ["_id": "c1", "_type": "customer", "tier": "gold"],
        ["_id": "c2", "_type": "customer", "tier": "silver"],
        ["_id": "o1", "_type": "order", "customer": ["_ref": "c1"], "total": 10],
        ["_id": "o2", "_type": "order", "customer": ["_ref": "c2"], "total": 20],
        ["_id": "o3", "_type": "order", "customer": ["_ref": "c1"], "total": 30],
    ])

    @Test func independentSubqueryIsHoistedAndGivesTheSameResult() throws {
        let query = try GROQQuery(#"*[_type == "order" && customer._ref in *[_type == "customer" && tier == "gold"]._id]._id"#)
        #expect(query.explanation.contains("Invariant"))
        #expect(try query.evaluate(in: dataset) == ["o1", "o3"])
    }

    @Test func subqueryUsingTheOuterDocumentIsNotHoisted() throws {
        let query = try GROQQuery(#"*[_type == "customer"]{_id, "orders": count(*[_type == "order" && customer._ref == ^._id])}"#)
        #expect(!query.explanation.contains("Invariant"))
        #expect(try query.evaluate(in: dataset) == [["_id": "c1", "orders": 2], ["_id": "c2", "orders": 1]])
    }

    @Test func referencesOfTheCurrentDocumentIsNotHoisted() throws {
        let query = try GROQQuery(#"*[_type == "order"]{_id, "gold": count(*[_type == "customer" && tier == "gold" && references(^.customer._ref)] ) }"#)
        #expect(try query.evaluate(in: dataset) == [["_id": "o1", "gold": 0], ["_id": "o2", "gold": 0], ["_id": "o3", "gold": 0]])
        let joined = try GROQQuery(#"*[_type == "customer"]{_id, "n": count(*[references(^._id)])}"#)
        #expect(!joined.explanation.contains("Invariant"))
        #expect(try joined.evaluate(in: dataset) == [["_id": "c1", "n": 2], ["_id": "c2", "n": 1]])
    }

    @Test func deeplyNestedIndependentSubqueriesRunOnceEach() throws {
        var query = #"*[_type == "order"]._id"#
        for _ in 0..<12 { query = "*[_id in \(query)]._id" }
        let parsed = try GROQQuery(query)
        #expect(try parsed.evaluate(in: dataset) == ["o1", "o2", "o3"])
    }
}

@Suite("GROQ parameters at evaluation", .ownThread(computing: true))
struct EvaluationParameterTests {
    let dataset = InMemoryDataset([["_id": "a", "title": "A", "rating": 5], ["_id": "b", "title": "B", "rating": 2]])

    @Test func parameterGivenOnlyAtEvaluationSelectsAnAttribute() throws {
        let query = try GROQQuery("*[$field]")
        #expect(try query.evaluate(in: dataset, params: ["field": "title"]) == ["A", "B"])
    }

    @Test func evaluationParametersOverrideParseParameters() throws {
        let query = try GROQQuery("*[rating > $min]._id", params: ["min": 4])
        #expect(try query.evaluate(in: dataset) == ["a"])
        #expect(try query.evaluate(in: dataset, params: ["min": 0]) == ["a", "b"])
    }
}

/// Large maps run on every core; results must keep their order and errors must surface.
@Suite("GROQ parallel map", .ownThread(computing: true))
struct ParallelMapTests {
    let dataset = InMemoryDataset((0..<20_000).map { i in
        ["_id": .string("d-\(String(repeating: "0", count: 5 - String(i).count))\(i)"), "_type": "n", "n": .number(Double(i)),
         "next": ["_ref": .string("d-\(String(repeating: "0", count: 5 - String((i + 1) % 20_000).count))\((i + 1) % 20_000)")]]
    })

    @Test func resultsKeepTheirOrderAcrossThreads() throws {
        let result = try GROQQuery(#"*[_type == "n"]{n, "following": next->n, "parent": ^.missing}"#).evaluate(in: dataset)
        let items = try #require(result.arrayValue)
        #expect(items.count == 20_000)
        for (i, item) in items.enumerated() {
            #expect(item == ["n": .number(Double(i)), "following": .number(Double((i + 1) % 20_000)), "parent": nil])
            if item != ["n": .number(Double(i)), "following": .number(Double((i + 1) % 20_000)), "parent": nil] { break }
        }
    }

    @Test func anErrorInAnyElementSurfaces() {
        #expect(throws: GROQError.self) {
            try GROQQuery(#"*[_type == "n"]{n, "x": $missing}"#).evaluate(in: dataset)
        }
    }
}

@Suite("GROQ field maps", .ownThread(computing: true))
struct FieldMapTests {
    /// `xs.a` reads one field of each element: null for what is not an object (numbers, null,
    /// arrays, date-times) and for objects without it.
    @Test func aFieldOfEachElementIsReadAsTheSpecSays() throws {
        let query = try GROQQuery(#"[{"a": 1}, 2, null, {"b": 1}, [{"a": 3}], dateTime("2025-01-01T00:00:00Z"), {"a": {"c": true}}].a"#)
        #expect(try query.evaluate(in: InMemoryDataset([])) == [1, .null, .null, .null, .null, .null, ["c": true]])
        let documents: [JSONValue] = (0..<10_000).map { ["_id": .string("d-\(10_000 + $0)"), "n": .number(Double($0))] }
        let numbers = try GROQQuery("*.n").evaluate(in: InMemoryDataset(documents))
        #expect(numbers == .array((0..<10_000).map { .number(Double($0)) }))
    }
}
