import FacetStore
import GROQ
import Testing
import TestSupport

@Suite("inc, dec and insert", .ownThread())
struct PatchIncInsertTests: PatchTestSuite {
    // MARK: inc / dec

    @Test("inc and dec add and subtract, on attributes and array elements")
    func incDec() throws {
        #expect(try apply(#"{"inc": {"n": 2, "o.m": 0.5}, "dec": {"d": 3}}"#, #"{"n": 1, "d": 10, "o": {"m": 1}}"#)
            == json(#"{"n": 3, "d": 7, "o": {"m": 1.5}}"#))
        #expect(try apply(#"{"inc": {"a[0]": 1, "a[-1]": 10}, "dec": {"a[1:3]": 1}}"#, #"{"a": [1, 2, 3, 4]}"#)
            == json(#"{"a": [2, 1, 2, 14]}"#))
        #expect(try apply(#"{"inc": {"l[*].n": 1, "l[_key==\"b\"].n": 5}}"#,
                          #"{"l": [{"_key": "a", "n": 1}, {"_key": "b", "n": 2}]}"#)
            == json(#"{"l": [{"_key": "a", "n": 2}, {"_key": "b", "n": 8}]}"#))
    }

    @Test("inc on a missing field, missing parent or missing element is a no-op")
    func incMissing() throws {
        #expect(try apply(#"{"inc": {"views": 1, "a.b.c": 1, "l[5]": 1, "l[_key==\"x\"].n": 1}, "dec": {"gone": 1}}"#,
                          #"{"l": [1]}"#)
            == json(#"{"l": [1]}"#))
        // Sanity pairs inc with setIfMissing for exactly this reason.
        #expect(try apply(#"{"setIfMissing": {"views": 0}, "inc": {"views": 1}}"#, "{}") == json(#"{"views": 1}"#))
    }

    @Test("inc on a string is an error naming the path and the type")
    func incOnString() throws {
        let error = try #require(PatchFixture.error(#"{"inc": {"title": 1}}"#, on: #"{"title": "T"}"#))
        #expect(error.operation == "inc")
        #expect(error.path == "title")
        #expect(error.reason == "title is a string, not a number")
        #expect(error.advice.contains("inc only changes numbers"))
        let dec = try #require(PatchFixture.error(#"{"dec": {"l[*].n": 1}}"#, on: #"{"l": [{"n": 1}, {"n": null}]}"#))
        #expect(dec.operation == "dec")
        #expect(dec.path == "l[*].n")
        #expect(dec.reason == "l[1].n is null, not a number")
        let through = try #require(PatchFixture.error(#"{"inc": {"t.n": 1}}"#, on: #"{"t": "x"}"#))
        #expect(through.reason == #"t is a string, not an object, so it has no attribute "n""#)
    }

    // MARK: insert

    static let items = #"{"items": [{"_key": "a"}, {"_key": "b"}, {"_key": "c"}]}"#

    @Test("insert after [-1] appends, before [0] prepends")
    func appendPrepend() throws {
        #expect(try apply(#"{"insert": {"after": "l[-1]", "items": [3, 4]}}"#, #"{"l": [1, 2]}"#) == json(#"{"l": [1, 2, 3, 4]}"#))
        #expect(try apply(#"{"insert": {"before": "l[0]", "items": [0]}}"#, #"{"l": [1, 2]}"#) == json(#"{"l": [0, 1, 2]}"#))
    }

    @Test("insert at negative and positive indices")
    func indices() throws {
        #expect(try apply(#"{"insert": {"before": "l[-1]", "items": ["x"]}}"#, #"{"l": [1, 2, 3]}"#)
            == json(#"{"l": [1, 2, "x", 3]}"#))
        #expect(try apply(#"{"insert": {"after": "l[-2]", "items": ["x"]}}"#, #"{"l": [1, 2, 3]}"#)
            == json(#"{"l": [1, 2, "x", 3]}"#))
        #expect(try apply(#"{"insert": {"after": "l[0]", "items": ["x", "y"]}}"#, #"{"l": [1, 2]}"#)
            == json(#"{"l": [1, "x", "y", 2]}"#))
        #expect(try apply(#"{"insert": {"replace": "l[-1]", "items": ["x", "y"]}}"#, #"{"l": [1, 2]}"#)
            == json(#"{"l": [1, "x", "y"]}"#))
    }

    @Test("insert before, after and replace by key")
    func byKey() throws {
        #expect(try apply(#"{"insert": {"before": "items[_key==\"b\"]", "items": [{"_key": "n"}]}}"#, Self.items)
            == json(#"{"items": [{"_key": "a"}, {"_key": "n"}, {"_key": "b"}, {"_key": "c"}]}"#))
        #expect(try apply(#"{"insert": {"after": "items[_key=='b']", "items": [{"_key": "n"}]}}"#, Self.items)
            == json(#"{"items": [{"_key": "a"}, {"_key": "b"}, {"_key": "n"}, {"_key": "c"}]}"#))
        #expect(try apply(#"{"insert": {"replace": "items[_key==\"b\"]", "items": [{"_key": "n"}, {"_key": "m"}]}}"#, Self.items)
            == json(#"{"items": [{"_key": "a"}, {"_key": "n"}, {"_key": "m"}, {"_key": "c"}]}"#))
    }

    @Test("insert before, after and replace by slice")
    func bySlice() throws {
        let doc = #"{"l": [0, 1, 2, 3, 4]}"#
        #expect(try apply(#"{"insert": {"before": "l[2:4]", "items": ["x"]}}"#, doc) == json(#"{"l": [0, 1, "x", 2, 3, 4]}"#))
        #expect(try apply(#"{"insert": {"after": "l[2:4]", "items": ["x"]}}"#, doc) == json(#"{"l": [0, 1, 2, 3, "x", 4]}"#))
        #expect(try apply(#"{"insert": {"replace": "l[2:4]", "items": ["x"]}}"#, doc) == json(#"{"l": [0, 1, "x", 4]}"#))
        #expect(try apply(#"{"insert": {"replace": "l[-2:]", "items": ["x", "y", "z"]}}"#, doc)
            == json(#"{"l": [0, 1, 2, "x", "y", "z"]}"#))
        #expect(try apply(#"{"insert": {"after": "l[:1]", "items": ["x"]}}"#, doc) == json(#"{"l": [0, "x", 1, 2, 3, 4]}"#))
        // An empty slice still has a position: its start.
        #expect(try apply(#"{"insert": {"after": "l[2:2]", "items": ["x"]}}"#, doc) == json(#"{"l": [0, 1, "x", 2, 3, 4]}"#))
        #expect(try apply(#"{"insert": {"replace": "l[*]", "items": ["x"]}}"#, doc) == json(#"{"l": ["x"]}"#))
    }

    @Test("insert into an empty array with [0] or [-1]", arguments: [
        "before", "after", "replace",
    ])
    func emptyArray(position: String) throws {
        for path in ["l[0]", "l[-1]", "l[*]", "l[:]"] {
            #expect(try apply(#"{"insert": {"\#(position)": "\#(path)", "items": [1, 2]}}"#, #"{"l": [], "z": 0}"#)
                == json(#"{"l": [1, 2], "z": 0}"#))
        }
    }

    @Test("insert into a missing array creates it, and missing parents, at the end")
    func missingArray() throws {
        #expect(try apply(#"{"insert": {"after": "l[-1]", "items": [1]}}"#, #"{"a": 0}"#) == json(#"{"a": 0, "l": [1]}"#))
        #expect(try apply(#"{"insert": {"before": "o.p.l[0]", "items": [1]}}"#, #"{"a": 0}"#)
            == json(#"{"a": 0, "o": {"p": {"l": [1]}}}"#))
        #expect(try apply(#"{"insert": {"after": "l[-1]", "items": [1]}}"#, #"{"l": null, "a": 0}"#)
            == json(#"{"l": [1], "a": 0}"#))
    }

    @Test("insert into nested arrays selected by key")
    func nested() throws {
        let doc = #"{"items": [{"_key": "a", "tags": ["x"]}, {"_key": "b", "tags": ["y"]}]}"#
        #expect(try apply(#"{"insert": {"after": "items[_key==\"b\"].tags[-1]", "items": ["z"]}}"#, doc)
            == json(#"{"items": [{"_key": "a", "tags": ["x"]}, {"_key": "b", "tags": ["y", "z"]}]}"#))
        #expect(try apply(#"{"insert": {"before": "items[*].tags[0]", "items": ["0"]}}"#, doc)
            == json(#"{"items": [{"_key": "a", "tags": ["0", "x"]}, {"_key": "b", "tags": ["0", "y"]}]}"#))
    }

    @Test("insert errors: unknown key, index out of range, non-array target")
    func insertErrors() throws {
        let noKey = try #require(
            PatchFixture.error(#"{"insert": {"after": "items[_key==\"k\"]", "items": [1]}}"#, on: Self.items))
        #expect(noKey.operation == "insert")
        #expect(noKey.path == #"items[_key=="k"]"#)
        #expect(noKey.reason == #"no element with _key "k" in items"#)
        let nestedKey = try #require(
            PatchFixture.error(#"{"insert": {"after": "items[_key==\"k\"].tags[-1]", "items": [1]}}"#, on: Self.items))
        #expect(nestedKey.reason == #"no element with _key "k" in items"#)
        let range = try #require(PatchFixture.error(#"{"insert": {"after": "l[3]", "items": [1]}}"#, on: #"{"l": [1]}"#))
        #expect(range.reason == "index 3 is out of range for l, which has 1 element")
        let emptyRange = try #require(PatchFixture.error(#"{"insert": {"after": "l[1]", "items": [1]}}"#, on: #"{"l": []}"#))
        #expect(emptyRange.reason == "index 1 is out of range for l, which has 0 elements")
        let scalar = try #require(PatchFixture.error(#"{"insert": {"after": "t[-1]", "items": [1]}}"#, on: #"{"t": "x"}"#))
        #expect(scalar.reason == "t is a string, not an array")
        #expect(scalar.advice.contains("insert only works on arrays"))
        let object = try #require(PatchFixture.error(#"{"insert": {"after": "o[0]", "items": [1]}}"#, on: #"{"o": {}}"#))
        #expect(object.reason == "o is an object, not an array")
    }
}
