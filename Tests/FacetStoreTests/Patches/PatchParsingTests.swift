import FacetStore
import GROQ
import Testing
import TestSupport

@Suite("Patch body parsing", .ownThread())
struct PatchParsingTests {
    @Test("id, query, params and ifRevisionID are ignored; no operations means isEmpty")
    func selectorsOnly() throws {
        let patch = try PatchFixture.patch(
            #"{"id": "a", "query": "*", "params": {"x": 1}, "ifRevisionID": "r1", "set": {}}"#)
        #expect(patch.isEmpty)
        #expect(patch.paths.isEmpty)
        #expect(try patch.applied(to: ["_id": "a"]) == ["_id": "a"])
    }

    @Test("paths lists every written path in application order")
    func paths() throws {
        let patch = try PatchFixture.patch(
            #"""
            {"insert": {"after": "tags[-1]", "items": [1]}, "unset": ["x"], "set": {"a.b": 1, "_id": "z"},
             "diffMatchPatch": {"body": "@@"}, "dec": {"d": 1}, "inc": {"i": 1}, "setIfMissing": {"s": 1}}
            """#)
        #expect(!patch.isEmpty)
        #expect(patch.paths.map(\.description) == ["a.b", "_id", "s", "x", "i", "d", "tags[-1]", "body"])
        #expect(patch.paths.map(\.rootAttribute) == ["a", "_id", "s", "x", "i", "d", "tags", "body"])
    }

    @Test("patches compare by their operations")
    func equatable() throws {
        #expect(try PatchFixture.patch(#"{"set": {"a": 1}, "id": "x"}"#) == PatchFixture.patch(#"{"set": {"a": 1}}"#))
        #expect(try PatchFixture.patch(#"{"set": {"a": 1}}"#) != PatchFixture.patch(#"{"set": {"a": 2}}"#))
    }

    @Test("an unknown key is named and the valid keys are listed")
    func unknownKey() throws {
        let error = try #require(PatchFixture.error(#"{"set": {}, "replace": {"a": 1}}"#))
        #expect(error.operation == "patch")
        #expect(error.reason == #"unknown key "replace" in the patch"#)
        #expect(error.advice.contains("set, setIfMissing, unset, inc, dec, insert, diffMatchPatch"))
        #expect(error.advice.contains("ifRevisionID"))
    }

    @Test("wrong value shapes are errors", arguments: [
        (#"{"set": [1]}"#, "set", #""set" must be an object of paths to values, not an array"#),
        (#"{"setIfMissing": "x"}"#, "setIfMissing", #""setIfMissing" must be an object of paths to values, not a string"#),
        (#"{"unset": "a"}"#, "unset", #""unset" must be an array of path strings, not a string"#),
        (#"{"unset": ["a", 3]}"#, "unset", #"element 1 of "unset" is a number, not a path string"#),
        (#"{"inc": {"n": "1"}}"#, "inc", "the amount is a string, not a number"),
        (#"{"dec": {"n": null}}"#, "dec", "the amount is null, not a number"),
        (#"{"inc": 1}"#, "inc", #""inc" must be an object of paths to values, not a number"#),
        (#"{"diffMatchPatch": {"a": 1}}"#, "diffMatchPatch", "the patch text is a number, not a string"),
        (#"{"insert": []}"#, "insert", #""insert" must be an object, not an array"#),
        (#"{"insert": {"items": [1]}}"#, "insert", #""insert" needs one of before, after or replace"#),
        (#"{"insert": {"before": "a[0]", "after": "a[-1]", "items": []}}"#, "insert",
         #""insert" has before and after; it needs exactly one"#),
        (#"{"insert": {"after": "a[-1]"}}"#, "insert", #""items" is missing; it must be an array"#),
        (#"{"insert": {"after": "a[-1]", "items": {"x": 1}}}"#, "insert", #""items" is an object; it must be an array"#),
        (#"{"insert": {"after": 3, "items": []}}"#, "insert", #""after" must be a path string, not a number"#),
        (#"{"insert": {"after": "a[-1]", "items": [], "at": 1}}"#, "insert", #"unknown key "at" in "insert""#),
        (#"{"insert": {"after": "a", "items": []}}"#, "insert", "the path must end with an array selector"),
    ])
    func wrongShapes(body: String, operation: String, reason: String) throws {
        let error = try #require(PatchFixture.error(body))
        #expect(error.operation == operation)
        #expect(error.reason == reason)
        #expect(!error.advice.isEmpty)
    }

    @Test("a malformed path in any operation is reported under that operation")
    func malformedPathInOperation() throws {
        let error = try #require(PatchFixture.error(#"{"set": {"items[0": 1}}"#))
        #expect(error.operation == "set")
        #expect(error.path == "items[0")
        #expect(error.reason.hasSuffix("at position 7"))
        let insert = try #require(PatchFixture.error(#"{"insert": {"before": "a[_key=='x]", "items": []}}"#))
        #expect(insert.operation == "insert")
        #expect(insert.path == "a[_key=='x]")
    }

    @Test("values nested more than 64 levels are refused")
    func tooDeepValue() throws {
        var deep: JSONValue = 1
        for _ in 0..<65 { deep = .array([deep]) }
        #expect(throws: PatchError.self) { try Patch(json: ["set": ["a": deep]]) }
        #expect(throws: PatchError.self) { try Patch(json: ["insert": ["after": "a[-1]", "items": [deep]]]) }

        var fits: JSONValue = 1
        for _ in 0..<63 { fits = .array([fits]) }
        let patch = try Patch(json: ["set": ["a": fits]])
        // 63 levels inside "a" (one level) fit; one level deeper does not.
        #expect(throws: Never.self) { try patch.applied(to: [:]) }
        let deeper = try Patch(json: ["set": ["a.b": fits]])
        let error = try #require(throws: PatchError.self) { try deeper.applied(to: [:]) }
        #expect(error.reason == "writing at a.b would nest the document more than 64 levels deep")
    }
}
