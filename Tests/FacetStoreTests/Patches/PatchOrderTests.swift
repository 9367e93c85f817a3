import FacetStore
import GROQ
import Testing
import TestSupport

@Suite("order of operations and diffMatchPatch", .ownThread())
struct PatchOrderTests: PatchTestSuite {
    @Test("operations run set, setIfMissing, unset, inc, dec, insert, whatever the body's key order")
    func sanityOrder() throws {
        let body = #"""
            {"insert": {"after": "l[-1]", "items": [2]},
             "dec": {"n": 3},
             "inc": {"n": 1, "m": 1},
             "unset": ["c", "m"],
             "setIfMissing": {"b": "ignored", "c": 1},
             "set": {"b": "x", "n": 5, "l": [7]},
             "id": "doc"}
            """#
        #expect(try apply(body, #"{"a": 1, "m": 1, "l": [1]}"#) == json(#"{"a": 1, "l": [7, 2], "b": "x", "n": 3}"#))
    }

    @Test("within one operation, paths apply in the order written")
    func keyOrderWithinOperation() throws {
        #expect(try apply(#"{"set": {"p.q": 1, "p": {"r": 2}}}"#, "{}") == json(#"{"p": {"r": 2}}"#))
        #expect(try apply(#"{"set": {"p": {"r": 2}, "p.q": 1}}"#, "{}") == json(#"{"p": {"r": 2, "q": 1}}"#))
        #expect(try apply(#"{"unset": ["l[0]", "l[0]"]}"#, #"{"l": [1, 2, 3]}"#) == json(#"{"l": [3]}"#))
    }

    @Test("an error in a later operation fails the whole patch")
    func atomic() throws {
        let patch = try PatchFixture.patch(#"{"set": {"a": 2}, "inc": {"s": 1}}"#)
        let original: JSONValue = ["a": 1, "s": "x"]
        let error = try #require(throws: PatchError.self) { try patch.applied(to: original) }
        #expect(error.operation == "inc")
        #expect(original == ["a": 1, "s": "x"])
    }

    @Test("diffMatchPatch needs a string: other types and missing values are errors")
    func diffMatchPatchTargets() throws {
        let number = try #require(PatchFixture.error(#"{"diffMatchPatch": {"n": "@@ -1 +1 @@\n"}}"#, on: #"{"n": 1}"#))
        #expect(number.operation == "diffMatchPatch")
        #expect(number.path == "n")
        #expect(number.reason == "n is a number, not a string")
        let missing = try #require(PatchFixture.error(#"{"diffMatchPatch": {"a.b": "@@"}}"#, on: #"{"a": {}}"#))
        #expect(missing.reason == "a.b does not exist")
        #expect(missing.advice.contains("setIfMissing"))
        let missingParent = try #require(PatchFixture.error(#"{"diffMatchPatch": {"a.b": "@@"}}"#, on: "{}"))
        #expect(missingParent.reason == "a does not exist")
        let element = try #require(PatchFixture.error(#"{"diffMatchPatch": {"l[3]": "@@"}}"#, on: #"{"l": ["x"]}"#))
        #expect(element.reason == "index 3 is out of range for l, which has 1 element")
    }

    @Test("diffMatchPatch errors from the patch engine are wrapped with operation and path")
    func diffMatchPatchWrapsErrors() throws {
        let error = try #require(
            PatchFixture.error(#"{"diffMatchPatch": {"title": "this is not a patch"}}"#, on: #"{"title": "Hello"}"#))
        #expect(error.operation == "diffMatchPatch")
        #expect(error.path == "title")
        #expect(error.reason.hasPrefix("the patch text could not be applied to title: "))
    }

    @Test("diffMatchPatch edits strings in place, also through selectors")
    func diffMatchPatchApplies() throws {
        let patchText = "@@ -1,13 +1,12 @@\n The \n-quick\n+slow\n  fox\n"
        let body = JSONValue.object([
            "diffMatchPatch": .object(["title": .string(patchText), "l[_key==\"a\"].t": .string(patchText)]),
        ])
        let patch = try Patch(json: try #require(body.objectValue))
        let result = try patch.applied(to: ["title": "The quick fox", "n": 1, "l": [["_key": "a", "t": "The quick fox"]]])
        #expect(result.serialized() == #"{"title":"The slow fox","n":1,"l":[{"_key":"a","t":"The slow fox"}]}"#)

        let generated = DiffMatchPatch.makePatch(from: "Hello, world", to: "Hello, brave new world")
        let roundTrip = try Patch(json: ["diffMatchPatch": ["s": .string(generated)]]).applied(to: ["s": "Hello, world"])
        #expect(roundTrip == ["s": "Hello, brave new world"])
    }
}
