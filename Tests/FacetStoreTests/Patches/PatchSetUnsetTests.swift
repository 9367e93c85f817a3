import FacetStore
import GROQ
import Testing
import TestSupport

@Suite("set, setIfMissing and unset", .ownThread())
struct PatchSetUnsetTests: PatchTestSuite {
    static let doc = #"""
        {"_id": "d", "title": "T", "n": 1,
         "items": [{"_key": "a", "title": "A", "tags": ["x", "y"]}, {"_key": "b", "title": "B", "tags": []},
                   {"_key": "c", "title": "C"}],
         "nums": [0, 1, 2, 3, 4]}
        """#

    // MARK: set

    @Test("set replaces in place and appends new keys, preserving key order")
    func setKeyOrder() throws {
        #expect(try apply(#"{"set": {"title": "New", "z": true, "_id": "d"}}"#, #"{"_id": "d", "title": "T", "n": 1}"#)
            == json(#"{"_id": "d", "title": "New", "n": 1, "z": true}"#))
    }

    @Test("set creates missing intermediate objects")
    func setCreatesIntermediates() throws {
        #expect(try apply(#"{"set": {"a.b.c": 1, "a.b.d": [2]}}"#, #"{"x": 0}"#)
            == json(#"{"x": 0, "a": {"b": {"c": 1, "d": [2]}}}"#))
        #expect(try apply(#"{"set": {"a.b": 1}}"#, #"{"a": null, "z": 0}"#) == json(#"{"a": {"b": 1}, "z": 0}"#))
        #expect(try apply(#"{"set": {"['odd key'].x": 1}}"#, "{}") == json(#"{"odd key": {"x": 1}}"#))
    }

    @Test("set by index, negative index, slice, key and wildcard")
    func setSelectors() throws {
        #expect(try apply(#"{"set": {"nums[1]": 9, "nums[-1]": 8}}"#, #"{"nums": [0, 1, 2, 3, 4]}"#)
            == json(#"{"nums": [0, 9, 2, 3, 8]}"#))
        #expect(try apply(#"{"set": {"nums[1:3]": 7}}"#, #"{"nums": [0, 1, 2, 3, 4]}"#)
            == json(#"{"nums": [0, 7, 7, 3, 4]}"#))
        #expect(try apply(#"{"set": {"nums[-2:]": 7, "nums[:1]": 6}}"#, #"{"nums": [0, 1, 2, 3, 4]}"#)
            == json(#"{"nums": [6, 1, 2, 7, 7]}"#))
        #expect(try apply(#"{"set": {"nums[*]": 0}}"#, #"{"nums": [1, 2]}"#) == json(#"{"nums": [0, 0]}"#))
        #expect(try apply(#"{"set": {"items[_key==\"b\"].title": "Bee", "items[_key=='c'].new": 1}}"#, Self.doc)
            == json(#"""
                {"_id": "d", "title": "T", "n": 1,
                 "items": [{"_key": "a", "title": "A", "tags": ["x", "y"]},
                           {"_key": "b", "title": "Bee", "tags": []}, {"_key": "c", "title": "C", "new": 1}],
                 "nums": [0, 1, 2, 3, 4]}
                """#))
        #expect(try apply(#"{"set": {"items[*].title": "X", "items[_key==\"a\"].tags[0]": "z"}}"#, Self.doc)
            == json(#"""
                {"_id": "d", "title": "T", "n": 1,
                 "items": [{"_key": "a", "title": "X", "tags": ["z", "y"]}, {"_key": "b", "title": "X", "tags": []},
                           {"_key": "c", "title": "X"}],
                 "nums": [0, 1, 2, 3, 4]}
                """#))
        #expect(try apply(#"{"set": {"items[_key==\"a\"]": {"_key": "a", "title": "new"}}}"#,
                          #"{"items": [{"_key": "a", "title": "old"}, {"_key": "b"}]}"#)
            == json(#"{"items": [{"_key": "a", "title": "new"}, {"_key": "b"}]}"#))
    }

    @Test("nested arrays and quoted attribute names")
    func nestedArraysAndQuotedNames() throws {
        #expect(try apply(#"{"set": {"m[1][0]": 9, "['odd key']": 2}, "unset": ["[\"x-y\"]"]}"#,
                          #"{"m": [[1, 2], [3, 4]], "x-y": 1, "odd key": 1}"#)
            == json(#"{"m": [[1, 2], [9, 4]], "odd key": 2}"#))
    }

    @Test("the Patch documentation example")
    func documentationExample() throws {
        let patch = try Patch(json: [
            "id": "post-1",
            "setIfMissing": ["tags": [], "views": 0],
            "inc": ["views": 1],
            "insert": ["after": "tags[-1]", "items": ["swift"]],
        ])
        let updated = try patch.applied(to: ["_id": "post-1", "title": "Hello"])
        #expect(updated.serialized() == #"{"_id":"post-1","title":"Hello","tags":["swift"],"views":1}"#)
    }

    @Test("set through a key that matches nothing is a no-op; a missing array is not created")
    func setUnmatched() throws {
        #expect(try apply(#"{"set": {"items[_key==\"zz\"].title": "X"}}"#, #"{"items": [{"_key": "a"}]}"#)
            == json(#"{"items": [{"_key": "a"}]}"#))
        #expect(try apply(#"{"set": {"list[*].x": 1, "o.list[_key==\"k\"]": 1}}"#, #"{"a": 1}"#) == json(#"{"a": 1}"#))
    }

    @Test("set on an index past the end is an error")
    func setIndexOutOfRange() throws {
        let error = try #require(PatchFixture.error(#"{"set": {"a[5]": 1}}"#, on: #"{"a": [1, 2, 3]}"#))
        #expect(error.operation == "set")
        #expect(error.path == "a[5]")
        #expect(error.reason == "index 5 is out of range for a, which has 3 elements")
        #expect(error.advice.contains("insert"))
        let missing = try #require(PatchFixture.error(#"{"set": {"a[0]": 1}}"#, on: "{}"))
        #expect(missing.reason == "index 0 is out of range for a, which has 0 elements")
        let nested = try #require(PatchFixture.error(#"{"set": {"a[3].b": 1}}"#, on: #"{"a": [{}]}"#))
        #expect(nested.reason == "index 3 is out of range for a, which has 1 element")
    }

    @Test("set through a non-object is an error naming the path and the type found")
    func setThroughScalar() throws {
        let error = try #require(PatchFixture.error(#"{"set": {"title.x": 1}}"#, on: #"{"title": "T"}"#))
        #expect(error.operation == "set")
        #expect(error.path == "title.x")
        #expect(error.reason == #"title is a string, not an object, so it has no attribute "x""#)
        let wildcard = try #require(
            PatchFixture.error(#"{"set": {"items[*].t.x": 1}}"#, on: #"{"items": [{"t": {}}, {"t": 5}]}"#))
        #expect(wildcard.path == "items[*].t.x")
        #expect(wildcard.reason == #"items[1].t is a number, not an object, so it has no attribute "x""#)
        let notArray = try #require(PatchFixture.error(#"{"set": {"title[0]": 1}}"#, on: #"{"title": "T"}"#))
        #expect(notArray.reason == "title is a string, not an array")
    }

    @Test("set on the document root requires an object")
    func setOnNonObjectDocument() throws {
        let patch = try PatchFixture.patch(#"{"set": {"a": 1}}"#)
        let error = try #require(throws: PatchError.self) { try patch.applied(to: [1, 2]) }
        #expect(error.reason == #"the document is an array, not an object, so it has no attribute "a""#)
    }

    @Test("the input document is never modified")
    func inputUntouched() throws {
        let patch = try PatchFixture.patch(#"{"set": {"a.b": 2}, "unset": ["c"], "insert": {"after": "l[-1]", "items": [3]}}"#)
        let original = try JSONValue(parsing: #"{"a": {"b": 1}, "c": 1, "l": [1]}"#)
        let copy = original
        let result = try patch.applied(to: original)
        #expect(original.serialized() == copy.serialized())
        #expect(result.serialized() == #"{"a":{"b":2},"l":[1,3]}"#)
    }

    // MARK: setIfMissing

    @Test("setIfMissing only writes absent keys; present values, including null, are untouched")
    func setIfMissing() throws {
        #expect(try apply(#"{"setIfMissing": {"title": "X", "tags": [], "count": 0, "gone": 1}}"#,
                          #"{"title": "T", "count": null}"#)
            == json(#"{"title": "T", "count": null, "tags": [], "gone": 1}"#))
    }

    @Test("setIfMissing on nested paths creates missing intermediates and leaves present values")
    func setIfMissingNested() throws {
        #expect(try apply(#"{"setIfMissing": {"a.b.c": 1}}"#, "{}") == json(#"{"a": {"b": {"c": 1}}}"#))
        #expect(try apply(#"{"setIfMissing": {"a.b.c": 1, "a.b.d": 2}}"#, #"{"a": {"b": {"c": 0}, "z": 1}}"#)
            == json(#"{"a": {"b": {"c": 0, "d": 2}, "z": 1}}"#))
        #expect(try apply(#"{"setIfMissing": {"items[_key==\"a\"].title": "X", "items[_key==\"b\"].title": "Y"}}"#,
                          #"{"items": [{"_key": "a"}, {"_key": "b", "title": "B"}]}"#)
            == json(#"{"items": [{"_key": "a", "title": "X"}, {"_key": "b", "title": "B"}]}"#))
    }

    @Test("setIfMissing on existing array elements is a no-op; past the end is an error")
    func setIfMissingElements() throws {
        #expect(try apply(#"{"setIfMissing": {"a[0]": 9, "a[*]": 9}}"#, #"{"a": [1, null]}"#) == json(#"{"a": [1, null]}"#))
        let error = try #require(PatchFixture.error(#"{"setIfMissing": {"a[2]": 9}}"#, on: #"{"a": [1]}"#))
        #expect(error.operation == "setIfMissing")
        #expect(error.reason == "index 2 is out of range for a, which has 1 element")
        let scalar = try #require(PatchFixture.error(#"{"setIfMissing": {"a.b": 9}}"#, on: #"{"a": true}"#))
        #expect(scalar.reason == #"a is a boolean, not an object, so it has no attribute "b""#)
    }

    // MARK: unset

    @Test("unset removes keys, keeping the order of the rest")
    func unsetKeys() throws {
        #expect(try apply(#"{"unset": ["b", "d.e"]}"#, #"{"a": 1, "b": 2, "c": 3, "d": {"e": 1, "f": 2}}"#)
            == json(#"{"a": 1, "c": 3, "d": {"f": 2}}"#))
    }

    @Test("unset array items by key, index, negative index, slice and wildcard")
    func unsetElements() throws {
        #expect(try apply(#"{"unset": ["items[_key==\"b\"]"]}"#, Self.doc) == json(#"""
            {"_id": "d", "title": "T", "n": 1,
             "items": [{"_key": "a", "title": "A", "tags": ["x", "y"]}, {"_key": "c", "title": "C"}],
             "nums": [0, 1, 2, 3, 4]}
            """#))
        #expect(try apply(#"{"unset": ["nums[0]"]}"#, #"{"nums": [0, 1, 2, 3, 4]}"#) == json(#"{"nums": [1, 2, 3, 4]}"#))
        #expect(try apply(#"{"unset": ["nums[-1]"]}"#, #"{"nums": [0, 1, 2, 3, 4]}"#) == json(#"{"nums": [0, 1, 2, 3]}"#))
        #expect(try apply(#"{"unset": ["nums[1:3]"]}"#, #"{"nums": [0, 1, 2, 3, 4]}"#) == json(#"{"nums": [0, 3, 4]}"#))
        #expect(try apply(#"{"unset": ["nums[3:]"]}"#, #"{"nums": [0, 1, 2, 3, 4]}"#) == json(#"{"nums": [0, 1, 2]}"#))
        #expect(try apply(#"{"unset": ["nums[:-3]"]}"#, #"{"nums": [0, 1, 2, 3, 4]}"#) == json(#"{"nums": [2, 3, 4]}"#))
        #expect(try apply(#"{"unset": ["nums[*]"]}"#, #"{"nums": [0, 1]}"#) == json(#"{"nums": []}"#))
        #expect(try apply(#"{"unset": ["items[*].tags"]}"#, Self.doc) == json(#"""
            {"_id": "d", "title": "T", "n": 1,
             "items": [{"_key": "a", "title": "A"}, {"_key": "b", "title": "B"}, {"_key": "c", "title": "C"}],
             "nums": [0, 1, 2, 3, 4]}
            """#))
        #expect(try apply(#"{"unset": ["l[_key==\"x\"]"]}"#, #"{"l": [{"_key": "x"}, {"_key": "y"}, {"_key": "x"}]}"#)
            == json(#"{"l": [{"_key": "y"}]}"#))
        #expect(try apply(#"{"unset": ["items[_key==\"a\"].tags[0]"]}"#, #"{"items": [{"_key": "a", "tags": [1, 2]}]}"#)
            == json(#"{"items": [{"_key": "a", "tags": [2]}]}"#))
    }

    @Test("unset of a path that matches nothing is a no-op", arguments: [
        "missing", "a.missing", "missing.deep.path", "nums[9]", "nums[-9]", "nums[7:9]",
        "items[_key==\"zz\"]", "title.x", "title[0]", "a[0]", "nums.x",
    ])
    func unsetMissing(path: String) throws {
        let doc = #"{"a": {"b": 1}, "title": "T", "nums": [1], "items": [{"_key": "a"}]}"#
        let body = #"{"unset": [""# + path.replacingOccurrences(of: "\"", with: "\\\"") + #""]}"#
        #expect(try apply(body, doc) == json(doc))
    }
}
