import Foundation
import Testing
import TestSupport

@testable import GROQ

@Suite("Text order and written likeness")
struct TextOrderTests {
    /// SQLite's order (bytes of UTF-8), for strings short enough to be held inline and long
    /// enough to be on the heap, bridged ones, and characters past ASCII.
    @Test func utf8OrderIsTheOrderOfTheBytes() {
        let long = String(repeating: "client-", count: 4)
        var words = ["", "a", "B", "b", "ab", "abc", "é", "e\u{301}", "z", "Ω", "😀", "\u{7F}", long + "1", long + "10", long + "2",
                     long, "order-000123", "order-00012", "drafts.order-1", "versions.r.order-1"]
        words.append(NSString(string: "bridged-é").description)
        // Printable ASCII strings of random lengths, from a fixed linear congruential sequence.
        var state: UInt64 = 41
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        for _ in 0..<200 {
            words.append(String(decoding: (0..<next(20)).map { _ in UInt8(0x20 + next(0x5F)) }, as: UTF8.self))
        }
        for a in words {
            for b in words {
                #expect(a.utf8Precedes(b) == Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)), "\(a) against \(b)")
            }
        }
        #expect(["b", "a", "B"].sorted { $0.utf8Precedes($1) } == ["B", "a", "b"])
    }

    /// Same text: equal with members in the same order, shared storage or not.
    @Test func writesAlikeComparesTheTextNotJustTheValue() throws {
        let a = try JSONValue(parsing: #"{"x": [1, {"p": true, "q": null}], "y": "s"}"#)
        let reordered = try JSONValue(parsing: #"{"y": "s", "x": [1, {"p": true, "q": null}]}"#)
        let nestedReordered = try JSONValue(parsing: #"{"x": [1, {"q": null, "p": true}], "y": "s"}"#)
        let parsedAgain = try JSONValue(parsing: a.serialized())
        #expect(a.writesAlike(a))
        #expect(a.writesAlike(parsedAgain))
        #expect(a == reordered && !a.writesAlike(reordered))
        #expect(a == nestedReordered && !a.writesAlike(nestedReordered))
        #expect(!a.writesAlike(try JSONValue(parsing: #"{"x": [1, {"p": true, "q": null}], "y": "t"}"#)))
        #expect(!a.writesAlike(try JSONValue(parsing: #"{"x": [1, {"p": true}], "y": "s"}"#)))
        #expect(JSONValue.number(-0.0).writesAlike(.number(0)), "both are written 0")
        #expect(!JSONValue.number(1).writesAlike(.string("1")))
    }

    /// The members one object has beyond another that it otherwise is, member for member.
    @Test func keysBeyondNamesTheMembersAnObjectAddsToAnother() throws {
        let body = try JSONValue(parsing: #"{"_id": "a", "_type": "t", "n": 1, "tags": [{"_key": "k"}]}"#).objectValue!
        let document = try JSONValue(parsing: #"{"_id": "a", "_type": "t", "_createdAt": "x", "n": 1, "tags": [{"_key": "k"}], "_rev": "r"}"#).objectValue!
        let system: Set<String> = ["_createdAt", "_updatedAt", "_rev"]
        #expect(document.keysBeyond(body, allowed: system.contains) == ["_createdAt", "_rev"])
        #expect(body.keysBeyond(body, allowed: system.contains) == [])
        #expect(document.keysBeyond(body, allowed: { $0 == "_rev" }) == nil, "a member it may not add")
        #expect(body.keysBeyond(document, allowed: system.contains) == nil, "fewer members")
        let reordered = try JSONValue(parsing: #"{"_type": "t", "_id": "a", "n": 1, "tags": [{"_key": "k"}]}"#).objectValue!
        #expect(document.keysBeyond(reordered, allowed: system.contains) == nil)
        let otherValue = try JSONValue(parsing: #"{"_id": "a", "_type": "t", "n": 2, "tags": [{"_key": "k"}]}"#).objectValue!
        #expect(document.keysBeyond(otherValue, allowed: system.contains) == nil)
        let otherKey = try JSONValue(parsing: #"{"_id": "a", "_type": "t", "m": 1, "tags": [{"_key": "k"}]}"#).objectValue!
        #expect(document.keysBeyond(otherKey, allowed: { _ in true }) == nil, "a key the other has and this lacks")
        #expect(JSONObject().keysBeyond(JSONObject(), allowed: { _ in false }) == [])
    }

    /// Two pieces of work give back both results, each its own, whatever order they end in.
    @Test func sideBySideReturnsBothResults() {
        let (sum, text) = SideBySide.run({ (1...100_000).reduce(0, +) }, { String(repeating: "ab", count: 3) })
        #expect(sum == 5_000_050_000 && text == "ababab")
        let (empty, list) = SideBySide.run({ [Int]() }, { Array(0..<5).reversed().map { $0 } })
        #expect(empty.isEmpty && list == [4, 3, 2, 1, 0])
    }
}
