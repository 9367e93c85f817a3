import Foundation
import Testing
import TestSupport

@testable import GROQ

/// The lexer and parser, checked through what parsed queries evaluate to on a small dataset, through
/// `GROQQuery.explanation` where the shape of the tree is the point, and through the kind, position
/// and wording of the errors they raise.
private let posts = InMemoryDataset([
    ["_id": "a", "_type": "post", "title": "Alpha", "n": 1, "tags": ["x", "y"], "author": ["_ref": "p1"], "meta": ["views": 10]],
    ["_id": "b", "_type": "post", "title": "Beta", "n": 2, "tags": ["y"], "author": ["_ref": "p2"]],
    ["_id": "c", "_type": "post", "title": "Gamma", "n": 3, "author": ["_ref": "nobody"]],
    ["_id": "p1", "_type": "person", "name": "Ada"],
    ["_id": "p2", "_type": "person", "name": "Bob"],
])

private func run(_ query: String, params: [String: JSONValue] = [:]) throws -> JSONValue {
    try GROQQuery(query, params: params).evaluate(in: posts)
}

private func json(_ text: String) -> JSONValue {
    (try? JSONValue(parsing: text)) ?? .string("<invalid expected JSON: \(text)>")
}

/// The error parsing `query` throws, or `nil` when it parses.
private func parseFailure(_ query: String) -> GROQError? {
    do {
        _ = try GROQQuery(query)
        return nil
    } catch {
        return error
    }
}

private func explain(_ query: String, params: [String: JSONValue] = [:]) throws -> [String] {
    try GROQQuery(query, params: params).explanation.split(separator: "\n").map(String.init)
}

@Suite("GROQ parser", .ownThread(computing: true))
struct ParserTests {
    // MARK: Literals

    @Test func numberLiteralsInEveryForm() throws {
        #expect(try run("[0, 42, 3.25, 007, 1e3, 1E3, 1e+2, 1.5e+2, 2e-3, 2.5E-1]")
            == [0, 42, 3.25, 7, 1000, 1000, 100, 150, 0.002, 0.25])
        #expect(try run("-1.5e1") == -15)
        #expect(try run("123456789012345678901").serialized() == "123456789012345680000")
    }

    @Test func malformedNumbers() throws {
        let exponent = try #require(parseFailure("1e+"))
        #expect(exponent.kind == .syntax)
        #expect(exponent.position?.column == 4)
        #expect(exponent.message.contains("digits in the exponent"))

        // `1.` is the number 1 followed by a stray dot, `.5` is not a number at all.
        let trailingDot = try #require(parseFailure("1."))
        #expect(trailingDot.kind == .syntax)
        #expect(trailingDot.position?.column == 2)
        let leadingDot = try #require(parseFailure(".5"))
        #expect(leadingDot.position?.column == 1)
        #expect(leadingDot.message.contains("expected an expression"))
    }

    @Test func doubleQuotedStringEscapes() throws {
        #expect(try run(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try run(#""it's""#) == "it's")
        #expect(try run(#""\'""#) == "'")
    }

    @Test func singleQuotedStrings() throws {
        #expect(try run(#"'it\'s "fine"'"#) == .string("it's \"fine\""))
        #expect(try run(#"'\u0041\n'"#) == "A\n")
        #expect(try run(#"'a' == "a""#) == true)
    }

    @Test func unicodeEscapes() throws {
        #expect(try run(#""\u00e9""#) == "é")
        #expect(try run(#""\u00E9""#) == "é")
        #expect(try run(#""\u{e9}""#) == "é")
        #expect(try run(#""\u{1F600}""#) == "😀")
        #expect(try run(#""\ud83d\ude00""#) == "😀")
        #expect(try run(#""x\uD83D\uDE00y""#) == "x😀y")
        #expect(try run(#""\u{1F600}" == "\ud83d\ude00""#) == true)
        #expect(try run(#"length("\ud83d\ude00")"#) == 1)
        // Raw UTF-8 passes through untouched.
        #expect(try run(#""héllo 😀""#) == "héllo 😀")
        // A lone surrogate cannot be held in a string: it becomes U+FFFD.
        #expect(try run(#""\ud83d""#) == "\u{FFFD}")
        #expect(try run(#""\ude00x""#) == "\u{FFFD}x")
    }

    @Test func malformedStrings() throws {
        let unknown = try #require(parseFailure(#""\q""#))
        #expect(unknown.kind == .syntax)
        #expect(unknown.position?.column == 2)
        #expect(unknown.message.contains("unknown escape sequence '\\q'"))

        let unterminated = try #require(parseFailure(#"count("abc)"#))
        #expect(unterminated.kind == .syntax)
        #expect(unterminated.position?.column == 7)
        #expect(unterminated.message.contains("unterminated string"))

        for bad in [#""\u{}""#, #""\uZZZZ""#, #""\u12""#] {
            let error = try #require(parseFailure(bad), "\(bad) should not parse")
            #expect(error.kind == .syntax)
            #expect(error.position?.column == 2)
        }
    }

    @Test func keywordLiteralsAndLookalikeAttributes() throws {
        #expect(try run("[true, false, null]") == [true, false, nil])
        // Identifiers that merely start with a keyword are attributes.
        #expect(try run(#"{"nullable": 5, "truth": 6}{nullable, truth}"#).serialized() == #"{"nullable":5,"truth":6}"#)
    }

    @Test func arrayLiterals() throws {
        #expect(try run("[]") == [])
        #expect(try run("[1, 2,]") == [1, 2])
        #expect(try run("[1, ...[2, 3], ...null, ...4, [5]]") == [1, 2, 3, [5]])
        #expect(try run("[...*[_type == 'person'].name]") == ["Ada", "Bob"])
        let missingComma = try #require(parseFailure("[1 2]"))
        #expect(missingComma.kind == .syntax)
        #expect(missingComma.position?.column == 4)
        #expect(missingComma.message.contains("expected ',' or ']'"))
        #expect(parseFailure("[,]")?.kind == .syntax)
    }

    @Test func objectLiteralsKeepKeyOrder() throws {
        #expect(try run(#"{"b": 1, 'a': 2, "c": {"d": null},}"#).serialized() == #"{"b":1,"a":2,"c":{"d":null}}"#)
        #expect(try run(#"{"a": 1, ...{"a": 2, "b": 3}}"#).serialized() == #"{"a":2,"b":3}"#)
        #expect(try run(#"{...{"a": 2}, "a": 1}"#).serialized() == #"{"a":1}"#)
    }

    @Test func projectionsWithBareKeysAndSplat() throws {
        #expect(try run(#"*[_id == "a"][0]{_id, title, tags[0], author->name}"#).serialized()
            == #"{"_id":"a","title":"Alpha","tags":"x","author":"Ada"}"#)
        #expect(try run(#"*[_id == "b"][0]{..., "title": "override"}"#).serialized()
            == #"{"_id":"b","_type":"post","title":"override","n":2,"tags":["y"],"author":{"_ref":"p2"}}"#)
        let noKey = try #require(parseFailure("*{1 + 1}"))
        #expect(noKey.kind == .query)
        #expect(noKey.position?.column == 3)
        #expect(noKey.message.contains(#""name": expression"#))
    }

    @Test func conditionalProjectionMembers() throws {
        #expect(try run(#"*[_type == "post"]{_id, n > 1 => {"big": true}, n <= 1 => {"small": true}}"#)
            == json(#"[{"_id":"a","small":true},{"_id":"b","big":true},{"_id":"c","big":true}]"#))
        let outside = try #require(parseFailure("1 => 2"))
        #expect(outside.kind == .query)
        #expect(outside.position?.column == 3)
        #expect(outside.message.contains("'=>' is only allowed inside select() and object projections"))
        #expect(parseFailure("[1 => 2]")?.kind == .query)
        #expect(parseFailure(#"{"a": (true => 1)}"#)?.kind == .query)
    }

    @Test func everythingThisAndParents() throws {
        #expect(try run("count(*)") == 5)
        #expect(try run("[1, 2, 3][@ >= 2]") == [2, 3])
        #expect(try run("[@, ^, ^.^]") == [nil, nil, nil])
        #expect(try run(#"*[_type == "person"]{name, "posts": *[_type == "post" && author._ref == ^._id]._id}"#)
            == json(#"[{"name":"Ada","posts":["a"]},{"name":"Bob","posts":["b"]}]"#))
        #expect(try run(#"*[_id == "p1"]{"x": *[_id == "a"]{"y": *[_id == "b"]{"me": _id, "up": ^._id, "top": ^.^._id}}}"#)
            == json(#"[{"x":[{"y":[{"me":"b","up":"a","top":"p1"}]}]}]"#))
        #expect(try explain("^.^.^") == ["Parent ^ (3)"])
    }

    @Test func parameters() throws {
        #expect(try run("*[n == $n]._id", params: ["n": 2]) == ["b"])
        #expect(try run("*[_id in $ids]._id", params: ["ids": ["c", "a", "zzz"]]) == ["a", "c"])
        // Known at parse time, a string parameter in brackets is an attribute name, as in Sanity.
        #expect(try run(#"*[_id == "a"][0][$field]"#, params: ["field": "title"]) == "Alpha")
        #expect(try explain("$x") == ["Parameter $x"])
        #expect(try explain("$x", params: ["x": 2]) == ["Value 2"])
        #expect(parseFailure("$ x")?.kind == .syntax)
    }

    @Test func comments() throws {
        #expect(try run("// leading comment\n1 + // plus\n2 // trailing") == 3)
        #expect(try run(#""// not a comment""#) == "// not a comment")
        #expect(try run("8 / 2 / 2") == 2)
        let onlyComment = try #require(parseFailure("// nothing here"))
        #expect(onlyComment.kind == .syntax)
        #expect(onlyComment.message.contains("expected an expression, found end of query"))
    }

    // MARK: Precedence and associativity

    @Test(arguments: [
        ("1 + 2 * 3", "7"), ("(1 + 2) * 3", "9"), ("10 - 2 - 3", "5"), ("12 / 3 / 2", "2"), ("7 % 4 * 2", "6"),
        ("2 ** 3 ** 2", "512"), ("-2 ** 2", "-4"), ("2 * 3 ** 2", "18"), ("2 ** -1", "0.5"), ("-2 ** -1", "-0.5"),
        ("- - 2", "2"), ("+3 - -3", "6"), ("!true || true", "true"), ("!(true || true)", "false"), ("!!true", "true"),
        ("true || false && false", "true"), ("false && true || true", "true"), ("false || true && false", "false"),
        ("1 + 2 * 3 > 6 && 1 < 2", "true"), ("1 + 1 in [2]", "true"), ("3 in 1..5", "true"), ("5 in 1...5", "false"),
        ("1 + 2 in 1..3", "true"), ("2 * 2 in 1..3 || false", "false"), ("[3, 1, 2] | order(@)[0] == 1", "true"),
        ("[3, 1, 2] == [3, 1, 2] | order(@)", "false"), ("1 < 2 == true", "null"),
    ])
    func precedence(query: String, expected: String) throws {
        if expected == "null" {
            // Comparison operators do not chain.
            #expect(parseFailure(query)?.kind == .syntax, "\(query) should be rejected")
        } else {
            #expect(try run(query) == json(expected), "\(query)")
        }
    }

    @Test func arithmeticTrees() throws {
        #expect(try explain("1 + 2 * 3") == ["OpCall +", "  Value 1", "  OpCall *", "    Value 2", "    Value 3"])
        #expect(try explain("10 - 2 - 3") == ["OpCall -", "  OpCall -", "    Value 10", "    Value 2", "  Value 3"])
        #expect(try explain("2 ** 3 ** 2") == ["OpCall **", "  Value 2", "  OpCall **", "    Value 3", "    Value 2"])
        #expect(try explain("-2 ** 2") == ["Neg -", "  OpCall **", "    Value 2", "    Value 2"])
    }

    @Test func logicalTrees() throws {
        #expect(try explain("!a || b && c") == [
            "Or ||", "  Not !", "    AccessAttribute a", "      This @",
            "  And &&", "    AccessAttribute b", "      This @", "    AccessAttribute c", "      This @",
        ])
        #expect(try explain("a in 1..5") == ["InRange ..", "  value: AccessAttribute a", "    This @", "  from: Value 1", "  to: Value 5"])
        #expect(try explain("a in 1...5").first == "InRange ...")
    }

    @Test func pipesBindTighterThanComparison() throws {
        let left = try explain("a | order(b) == c")
        #expect(left.first == "OpCall ==")
        #expect(left.dropFirst().first == "  PipeFuncCall order()")
        let right = try explain("c == a | order(b)")
        #expect(right.first == "OpCall ==")
        #expect(right.contains("  PipeFuncCall order()"))
    }

    @Test func comparisonsDoNotChain() throws {
        let equal = try #require(parseFailure("a == b == c"))
        #expect(equal.kind == .syntax)
        #expect(equal.position?.line == 1)
        #expect(equal.position?.column == 8)
        #expect(equal.message.contains("unexpected '='"))

        let less = try #require(parseFailure("1 < 2 < 3"))
        #expect(less.kind == .syntax)
        #expect(less.position?.column == 7)
        #expect(less.message.contains("unexpected '<'"))

        #expect(parseFailure(#""x" in ["x"] == true"#)?.kind == .syntax)
        #expect(try run("(1 < 2) == true") == true)
    }

    @Test func singleCharacterOperatorsAreRejected() throws {
        let assign = try #require(parseFailure("a = 1"))
        #expect(assign.kind == .syntax)
        #expect(assign.position?.column == 3)
        #expect(assign.message.contains("expected '==' or '=>'"))
        let amp = try #require(parseFailure("a & b"))
        #expect(amp.position?.column == 3)
        #expect(amp.message.contains("'&&'"))
    }

    // MARK: Traversals

    @Test func attributeAndElementAccess() throws {
        #expect(try run(#"*[_id == "a"][0].meta.views"#) == 10)
        #expect(try run(#"*[_id == "a"][0]["meta"]["views"]"#) == 10)
        #expect(try run(#"*[_type == "post"][1]._id"#) == "b")
        #expect(try run(#"*[_type == "post"][-1]._id"#) == "c")
        #expect(try run(#"*[_type == "post"][10]"#) == nil)
        #expect(try run(#"*[_type == "post"][(1 + 1)]._id"#) == "c")
        #expect(try explain("*[-1]") == ["AccessElement [-1]", "  Everything *"])
        #expect(try explain(#"a["b"]"#) == ["AccessAttribute b", "  AccessAttribute a", "    This @"])
    }

    @Test func slices() throws {
        #expect(try run(#"*[_type == "post"][1..2]._id"#) == ["b", "c"])
        #expect(try run(#"*[_type == "post"][1...2]._id"#) == ["b"])
        #expect(try run(#"*[_type == "post"][0..-1]._id"#) == ["a", "b", "c"])
        #expect(try run(#"*[_type == "post"][-2..-1]._id"#) == ["b", "c"])
        #expect(try run(#"*[_type == "post"][5..9]"#) == [])
        #expect(try run(#"*[_type == "post"][2..1]"#) == [])
        #expect(try explain("*[1..2]") == ["Slice [1..2]", "  Everything *"])
        #expect(try explain("*[1...2]") == ["Slice [1...2]", "  Everything *"])
        let dynamic = try #require(parseFailure("*[0..$n]"))
        #expect(dynamic.kind == .query)
        #expect(dynamic.message.contains("constant integer bounds"))
    }

    @Test func filtersAndArrayCoercion() throws {
        #expect(try run(#"*[_type == "post"][n >= 2]._id"#) == ["b", "c"])
        #expect(try run(#"*[_type == "post"][n >= 2][0]._id"#) == "b")
        #expect(try run(#"*[_type == "post"].tags[]"#) == ["x", "y", "y", nil])
        #expect(try run(#"*[_type == "post"].tags"#) == [["x", "y"], ["y"], nil])
        #expect(try run(#"[{"a": [1, 2]}, {"a": [3]}].a[]"#) == [1, 2, 3])
        #expect(try run(#"{"a": [{"b": 1}, {"b": 2}]}.a[].b"#) == [1, 2])
        #expect(try run(#"{"a": [{"b": 1}, {"b": 2}]}.a.b"#) == nil)
        #expect(try run("[[1, 2], [3]][]") == [[1, 2], [3]])
        #expect(try run(#""text"[]"#) == nil)
        #expect(try explain("*[]") == ["ArrayCoerce []", "  Everything *"])
        #expect(try explain(#"*[_type == "post"].tags[]"#).first == "FlatMap")
        #expect(try explain(#"*[_type == "post"].tags"#).first == "Map")
    }

    @Test func dereference() throws {
        #expect(try run(#"*[_id == "a"][0].author->"#) == ["_id": "p1", "_type": "person", "name": "Ada"])
        #expect(try run(#"*[_id == "a"][0].author->name"#) == "Ada")
        #expect(try run(#"*[_id == "c"][0].author->"#) == nil)
        #expect(try run(#"*[_type == "post"].author->name"#) == ["Ada", "Bob", nil])
        #expect(try run(#"*[_type == "post"]{"a": author->{name}}"#) == json(#"[{"a":{"name":"Ada"}},{"a":{"name":"Bob"}},{"a":null}]"#))
        #expect(try run(#"{"_ref": "p2"}->name"#) == "Bob")
        #expect(try run(#""p2"->name"#) == nil)
        #expect(try explain("a->") == ["Dereference ->", "  AccessAttribute a", "    This @"])
        #expect(try explain("a->b") == ["AccessAttribute b", "  Dereference ->", "    AccessAttribute a", "      This @"])
    }

    @Test func projectionsAndPipedProjections() throws {
        #expect(try run(#"*[_type == "post"]{title}"#) == json(#"[{"title":"Alpha"},{"title":"Beta"},{"title":"Gamma"}]"#))
        #expect(try run(#"*[_type == "post"] | {title}"#) == run(#"*[_type == "post"]{title}"#))
        #expect(try run(#"*[_type == "post"] | {_id} | order(_id desc)"#) == json(#"[{"_id":"c"},{"_id":"b"},{"_id":"a"}]"#))
        #expect(try run(#""x"{a}"#) == nil)
        #expect(try run("[1, 2]{a}") == [nil, nil])
        #expect(try explain("x|{a}") == ["Projection", "  base: AccessAttribute x", "    This @", "  object: Object", "    \"a\": AccessAttribute a", "      This @"])
    }

    // MARK: Function rules

    @Test func selectRules() throws {
        #expect(try run("select(false => 1, true => 2, 3)") == 2)
        #expect(try run("select(false => 1, null => 2, 3)") == 3)
        #expect(try run("select(false => 1)") == nil)
        #expect(try run("select()") == nil)
        #expect(try run(#"*[_type == "post"]{"size": select(n > 2 => "big", n > 1 => "medium", "small")}.size"#) == ["small", "medium", "big"])
        for bad in ["select(3, true => 1)", "select(true => 1, 2, 3)"] {
            let error = try #require(parseFailure(bad))
            #expect(error.kind == .query)
            #expect(error.position?.column == 1)
            #expect(error.message.contains("default value last"))
        }
    }

    @Test func ascAndDescOnlyInOrder() throws {
        #expect(try run(#"*[_type == "post"] | order(n desc)._id"#) == ["c", "b", "a"])
        #expect(try run(#"*[_type == "post"] | order(title asc)._id"#) == ["a", "b", "c"])
        for bad in [#"*{"x": n desc}"#, "*[n desc]", "n asc", "*|order(n desc asc)", "*|score(n desc)"] {
            let error = try #require(parseFailure(bad), "\(bad) should be rejected")
            #expect(error.kind == .query, "\(bad)")
            #expect(error.message.contains("asc") && error.message.contains("order()"), "\(bad): \(error.message)")
        }
    }

    /// Every error is documented to know where it happened; misplaced `desc` should point at it.
    @Test func misplacedDescReportsItsPosition() throws {
        let error = try #require(parseFailure(#"*{"x": n desc}"#))
        #expect(error.position?.line == 1)
        #expect(error.position?.column == 10)
    }

    @Test func scoreOnlyOnDocumentArrays() throws {
        #expect(try run(#"*[_type == "post"] | score(title match "alpha")[0]._id"#) == "a")
        #expect(try run(#"[1, {"a": 1}] | score(true)"#) == [["a": 1, "_score": 1]])
        for (bad, column) in [(#"*[_id == "a"][0].title | score(@ match "x")"#, 26), (#"{"a": 1} | score(true)"#, 12)] {
            let error = try #require(parseFailure(bad))
            #expect(error.kind == .query)
            #expect(error.position?.column == column, "\(bad)")
            #expect(error.message.contains("score() ranks documents"))
        }
        #expect(parseFailure("*|score()")?.message.contains("needs at least one argument") == true)
    }

    @Test func boostOnlyInsideScore() throws {
        #expect(try run(#"*[_type == "post"] | score(boost(n > 1, 2))[0]._score"#) == 3)
        for (bad, column) in [("boost(true, 1)", 1), (#"*{"b": boost(n > 1, 2)}"#, 8), ("*|order(boost(n > 1, 2))", 9)] {
            let error = try #require(parseFailure(bad))
            #expect(error.kind == .query)
            #expect(error.position?.column == column, "\(bad)")
            #expect(error.message.contains("boost() is only allowed inside score()"))
        }
    }

    @Test func customFunctions() throws {
        #expect(try run(#"fn ex::title($p) = $p{title}; ex::title(*[_id == "a"][0])"#) == ["title": "Alpha"])
        #expect(try run(#"fn ex::title($doc) = $doc{title}; *[_type == "post"]{"t": ex::title(@).title}.t"#) == ["Alpha", "Beta", "Gamma"])
        #expect(try run(#"fn ex::who($ref) = $ref->{name}; *[_type == "post"]{"a": ex::who(author)}.a"#) == [["name": "Ada"], ["name": "Bob"], nil])
        #expect(try run(#"fn ex::names($refs) = $refs[]->{name}; ex::names([{"_ref": "p1"}, {"_ref": "p2"}])"#) == [["name": "Ada"], ["name": "Bob"]])
        #expect(try run(#"fn ex::v($xs) = $xs[]{"v": x}; ex::v([{"x": 1}, {"x": 2}])"#) == [["v": 1], ["v": 2]])
        #expect(try run(#"fn ex::a($p) = $p{x}; fn ex::b($p) = $p{"y": ex::a(@)}; ex::b({"x": 1})"#) == ["y": ["x": 1]])
    }

    @Test(arguments: [
        (#"fn a($p) = $p{x}; 1"#, GROQError.Kind.syntax, 5, "expected '::'"),
        (#"fn ex::a($p, $q) = $p{x}; 1"#, .query, 1, "exactly one parameter, ex::a declares 2"),
        (#"fn ex::a() = {}; 1"#, .query, 1, "exactly one parameter, ex::a declares 0"),
        (#"fn ex::a($p) = $p.x; 1"#, .query, 16, "must be a projection of $p"),
        (#"fn ex::a($p) = $p{x} 1"#, .syntax, 22, "expected ';' after the body of ex::a"),
        (#"fn ex::a($p) = $p{"y": ex::a(@)}; ex::a({})"#, .query, 24, "recursive custom functions are not allowed"),
        (#"fn ex::a($p) = $p{"y": $p}; 1"#, .query, 24, "$p may only be the base"),
        (#"fn ex::a($p) = $p{"y": ^.x}; 1"#, .query, 16, "refers to a scope outside the function"),
        (#"fn ex::a($p) = $p{x}; ex::a(1, 2)"#, .query, 23, "ex::a() takes 1 argument, got 2"),
    ])
    func invalidCustomFunctions(query: String, kind: GROQError.Kind, column: Int, message: String) throws {
        let error = try #require(parseFailure(query), "\(query) should be rejected")
        #expect(error.kind == kind)
        #expect(error.position?.line == 1)
        #expect(error.position?.column == column)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test(arguments: [
        (#"{"a": 1}, {"a": 2}, a"#, true), (#"{"a": 1, "b": 1}, {"a": 1, "b": 2}, a"#, false),
        (#"{"a": {"b": 1}}, {"a": {"b": 2}}, a.b"#, true), (#"{"a": {"b": 1, "c": 1}}, {"a": {"b": 1, "c": 2}}, a.b"#, false),
        (#"{"a": [1, 2]}, {"a": [1, 3]}, a[]"#, true), (#"{"a": [1, 2], "z": 1}, {"a": [1, 2], "z": 2}, a[]"#, false),
        (#"{"a": 1, "b": 1}, {"a": 1, "b": 2}, (a, b)"#, true), (#"{"a": 1, "b": 1, "c": 1}, {"a": 1, "b": 1, "c": 2}, (a, b)"#, false),
        (#"{"a": {"b": 1, "c": 1}}, {"a": {"b": 1, "c": 2}}, a.(b, c)"#, true),
        (#"{"a": {"b": 1, "c": 1, "d": 1}}, {"a": {"b": 1, "c": 1, "d": 2}}, a.(b, c)"#, false),
        (#"{"x": {"_type": "y", "v": 1}}, {"x": {"_type": "y", "v": 2}}, anywhere(_type == "y")"#, true),
        (#"{"x": {"_type": "z", "v": 1}}, {"x": {"_type": "z", "v": 2}}, anywhere(_type == "y")"#, false),
    ])
    func diffSelectors(documents: String, changed: Bool) throws {
        #expect(try run("diff::changedAny(\(documents))") == .bool(changed), "\(documents)")
    }

    @Test(arguments: [
        ("foo + 1", GROQError.Kind.syntax, 42, "expected ',' or ')'"),
        ("'foo'", .query, 38, "invalid selector"),
        ("123", .query, 38, "invalid selector"),
        ("foo[0]", .query, 41, "array indexes are not allowed"),
        ("foo(1)", .query, 38, "only anywhere(…) may be called"),
    ])
    func invalidDiffSelectors(selector: String, kind: GROQError.Kind, column: Int, message: String) throws {
        let query = #"diff::changedAny({"a": 1}, {"a": 1}, "# + selector + ")"
        let error = try #require(parseFailure(query), "\(selector) should be rejected")
        #expect(error.kind == kind)
        #expect(error.position?.column == column)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test func diffArityAndAnywhereOutsideSelectors() throws {
        let arity = try #require(parseFailure(#"diff::changedAny({"a": 1}, {"a": 1})"#))
        #expect(arity.kind == .query)
        #expect(arity.message.contains("takes 3 arguments (before, after, selector), got 2"))
        #expect(parseFailure("anywhere(true)")?.message.contains("only allowed inside a diff::changedAny() selector") == true)
        #expect(parseFailure("(a, b)")?.kind == .query)
    }

    // MARK: Error messages

    @Test func unclosedFilterReportsTheMissingBracketAtTheEnd() throws {
        let query = #"*[_type == "post""#
        let error = try #require(parseFailure(query))
        #expect(error.kind == .syntax)
        #expect(error.position?.line == 1)
        #expect(error.position?.column == 18)
        #expect(error.position?.offset == 17)
        #expect(error.message.contains("expected ']'"))
        #expect(error.message.contains("found end of query"))
        #expect(error.description == "GROQ syntax error at line 1, column 18: \(error.message)")
        #expect(error.formatted == error.description + "\n  " + query + "\n  " + String(repeating: " ", count: 17) + "^")
    }

    @Test func multiLineQueriesReportTheRightLine() throws {
        let query = """
            *[_type == "post"]{
              title,
              "n": count(1, 2)
            }
            """
        let error = try #require(parseFailure(query))
        #expect(error.kind == .query)
        #expect(error.position?.line == 3)
        #expect(error.position?.column == 8)
        #expect(error.message == "count() takes 1 argument, got 2")
        let lines = error.formatted.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines[1] == #"    "n": count(1, 2)"#)
        #expect(lines[2] == "         ^")

        let syntax = try #require(parseFailure("*[\n  _type == \"post\" &&\n  title ==\n]"))
        #expect(syntax.kind == .syntax)
        #expect(syntax.position?.line == 4)
        #expect(syntax.position?.column == 1)
        #expect(syntax.message == "expected an expression, found ']'")
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let error = try #require(parseFailure(#""héllo😀" == )"#))
        #expect(error.position?.column == 13)
        #expect(error.position?.offset == 16)
        #expect(error.formatted.hasSuffix("\n  " + String(repeating: " ", count: 12) + "^"))
    }

    @Test func unknownFunctionsSuggestTheNearName() throws {
        for (query, suggestion) in [("cont(*)", "did you mean count()?"), (#"lenght("a")"#, "did you mean length()?"),
                                    (#"upperr("a")"#, "did you mean upper()?")] {
            let error = try #require(parseFailure(query))
            #expect(error.kind == .query)
            #expect(error.position?.column == 1)
            #expect(error.message.contains("unknown function"))
            #expect(error.message.contains(suggestion), "\(error.message)")
        }
        let namespace = try #require(parseFailure("foo::bar(1)"))
        #expect(namespace.message.contains("unknown function namespace 'foo::'"))
        #expect(namespace.message.contains("string"))
    }

    /// A suggestion must be callable as written: `split()` alone is not a function.
    @Test func namespacedSuggestionsKeepTheirNamespace() throws {
        let error = try #require(parseFailure(#"string::splt("a", ",")"#))
        #expect(error.message.contains("did you mean string::split()?"), "\(error.message)")
    }

    @Test(arguments: [
        ("count(1, 2)", "count() takes 1 argument, got 2"), ("count()", "count() takes 1 argument, got 0"),
        ("now(1)", "now() takes 0 arguments, got 1"), ("round(1, 2, 3)", "round() takes 1 to 2 arguments, got 3"),
        ("string::split(\"a\")", "string::split() takes 2 arguments, got 1"),
    ])
    func arityErrors(query: String, message: String) throws {
        let error = try #require(parseFailure(query))
        #expect(error.kind == .query)
        #expect(error.position?.line == 1)
        #expect(error.position?.column == 1)
        #expect(error.message == message)
    }

    @Test func selectAfterAPipeSuggestsAProjection() throws {
        let query = #"*[_type == "trendAnalysis" && trendType == "energy-alignment"] | select(impact, insights)"#
        let error = try #require(parseFailure(query))
        #expect(error.kind == .query)
        #expect(error.position?.line == 1)
        #expect(error.position?.column == 66)
        #expect(error.message.contains("select() is not a pipe function"))
        #expect(error.message.contains("{impact, insights}"))
        #expect(error.formatted.hasSuffix(query + "\n  " + String(repeating: " ", count: 65) + "^"))

        let count = try #require(parseFailure("*|count(@)"))
        #expect(count.message.contains("count() is not a pipe function"))
        let unknown = try #require(parseFailure("*|foo(@)"))
        #expect(unknown.message.contains("unknown pipe function foo()"))
        #expect(try run(#"*[_type == "post"] | global::order(n desc)._id"#) == ["c", "b", "a"])
    }

    @Test func trailingInputIsReported() throws {
        let error = try #require(parseFailure("*[_type == 'post'] )"))
        #expect(error.kind == .syntax)
        #expect(error.position?.column == 20)
        #expect(error.message == "unexpected ')' after the end of the expression")
    }
}

/// Hostile input gets an error, never a crash.
@Suite("GROQ parser limits", .ownThread(computing: true))
struct ParserLimitTests {
    @Test func deepNestingIsAnErrorNotACrash() {
        for opener in ["[", "(", "{\"a\": ", "!", "-", "count("] {
            let query = String(repeating: opener, count: 100_000) + "1"
            #expect(throws: GROQError.self) { try GROQQuery(query) }
        }
        do {
            _ = try GROQQuery(String(repeating: "[", count: 5_000))
            Issue.record("expected an error")
        } catch {
            #expect(error.kind == .query)
            #expect(error.message.contains("too deep"))
        }
    }

    @Test func reasonableNestingStillParses() throws {
        let query = String(repeating: "[", count: 50) + "1" + String(repeating: "]", count: 50)
        var expected: JSONValue = 1
        for _ in 0..<50 { expected = [expected] }
        #expect(try GROQQuery(query).evaluate(in: InMemoryDataset([])) == expected)
    }
}
