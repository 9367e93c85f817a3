import FacetStore
import Testing
import TestSupport

@Suite("PatchPath parsing", .ownThread())
struct PatchPathTests {
    @Test("every path form round-trips to its canonical text", arguments: [
        ("a", "a"),
        ("a.b.c", "a.b.c"),
        ("a[3]", "a[3]"),
        ("a[-1]", "a[-1]"),
        ("a[2:4]", "a[2:4]"),
        ("a[2:]", "a[2:]"),
        ("a[:4]", "a[:4]"),
        ("a[-2:]", "a[-2:]"),
        ("a[:-1]", "a[:-1]"),
        (#"a[_key=="k1"]"#, #"a[_key=="k1"]"#),
        ("a[_key=='k1']", #"a[_key=="k1"]"#),
        (#"a[ _key == "k1" ]"#, #"a[_key=="k1"]"#),
        (#"a[_key=="k"].title"#, #"a[_key=="k"].title"#),
        ("a[*]", "a[*]"),
        ("a[ * ].b", "a[*].b"),
        (#"["quoted attr"]"#, #"["quoted attr"]"#),
        ("['x']", "x"),
        (#"a["b-c"].d"#, #"a["b-c"].d"#),
        (#"items[_key=="a"].tags[0]"#, #"items[_key=="a"].tags[0]"#),
        ("a[n==3]", "a[n==3]"),
        ("a[done==true]", "a[done==true]"),
        (#"a["say \"hi\""]"#, #"a["say \"hi\""]"#),
        ("a . b", "a.b"),
        ("a[0][1]", "a[0][1]"),
        ("[0]", "[0]"),
    ])
    func canonical(input: String, expected: String) throws {
        #expect(try PatchPath(parsing: input).description == expected)
    }

    @Test("equal paths written differently compare equal")
    func equality() throws {
        #expect(try PatchPath(parsing: "a[_key=='k']") == PatchPath(parsing: #"a[ _key == "k" ]"#))
        #expect(try PatchPath(parsing: "['x'].y") == PatchPath(parsing: "x.y"))
        #expect(try PatchPath(parsing: "a[0]") != PatchPath(parsing: "a[-1]"))
    }

    @Test("rootAttribute is the first attribute name")
    func rootAttribute() throws {
        #expect(try PatchPath(parsing: "items[0].title").rootAttribute == "items")
        #expect(try PatchPath(parsing: "_id").rootAttribute == "_id")
        #expect(try PatchPath(parsing: "['_id']").rootAttribute == "_id")
        #expect(try PatchPath(parsing: "[0]").rootAttribute == nil)
    }

    @Test("malformed paths report the path and the character position", arguments: [
        ("", "the path is empty at position 0"),
        ("a..b", #"unexpected "."; expected an attribute name (letters, digits and _, not starting with a digit) at position 2"#),
        ("a.", "the path ends where an attribute name was expected at position 2"),
        ("a[", "the path ends inside the brackets opened at position 1 at position 2"),
        ("a[1", #"the path ends where the closing bracket "]" was expected at position 3"#),
        ("a[]", "empty brackets"),
        ("a[1.5]", "is not a whole number in range at position 2"),
        ("a[1:2:3]", "slice steps are not supported at position 5"),
        ("a[_key=k]", "only == is supported in constraints at position 6"),
        ("a[_key!='k']", "only == is supported in constraints at position 6"),
        ("a[_key==]", "expected a string, number, true, false or null after == at position 8"),
        ("a[_key=='k]", "the string starting at position 8 is never closed at position 11"),
        ("1abc", "expected an attribute name"),
        ("a b", "unexpected \"b\"; expected \".\" or \"[\" at position 2"),
        ("a-b", "unexpected \"-\"; expected \".\" or \"[\" at position 1"),
        ("a[x]", "unexpected \"]\"; expected == after \"x\" at position 3"),
        ("a[%]", "unexpected \"%\" inside brackets at position 2"),
        ("a[0,1]", "expected the closing bracket \"]\" at position 3"),
        ("a..b[0]", "at position 2"),
    ])
    func malformed(path: String, reason: String) throws {
        let error = try #require(PatchFixture.pathError(path))
        #expect(error.operation == "patch")
        #expect(error.path == path)
        #expect(error.reason.contains(reason), "\(error.reason)")
        #expect(error.advice.contains("JSONMatch"))
    }

    @Test("paths longer than 64 segments are refused")
    func tooManySegments() throws {
        let ok = Array(repeating: "a", count: 64).joined(separator: ".")
        #expect(throws: Never.self) { try PatchPath(parsing: ok) }
        let long = Array(repeating: "a", count: 65).joined(separator: ".")
        let error = try #require(PatchFixture.pathError(long))
        #expect(error.reason == "the path has more than 64 segments")
    }

    @Test("description of the error names operation, path, reason and advice")
    func errorDescription() throws {
        let error = try #require(PatchFixture.error(#"{"unset": ["a..b"]}"#))
        #expect(error.operation == "unset")
        #expect(error.description.hasPrefix(#"unset "a..b": unexpected "."; expected an attribute name"#))
        #expect(error.description.contains("at position 2. Write paths in JSONMatch form"))
    }
}
