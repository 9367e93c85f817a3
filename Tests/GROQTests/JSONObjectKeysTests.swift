import Testing
import TestSupport

@testable import GROQ

/// Objects read from JSON text or its binary form share one list of keys with the objects made
/// alike; each must still read and change as an object of its own.
@Suite("Shared object keys", .ownThread(computing: true))
struct JSONObjectKeysTests {
    static let order = #"{"_id": "o-1", "_type": "salesOrder", "paymentReference": "pay-000001-abcdef", "total": 1250, "lines": [{"sku": "rg-1", "quantity": 1}]}"#

    static func sharedList(_ value: JSONValue?) -> UnsafeMutableRawPointer? {
        guard let storage = value?.objectValue?.storage else { return nil }
        return storage.withUnsafeMutablePointerToHeader { $0.pointee.sharedKeys?.toOpaque() }
    }

    @Test func objectsReadAlikeShareOneListOfKeys() throws {
        let first = try JSONValue(parsing: Self.order)
        let second = try JSONValue(parsing: Self.order.replacing("o-1", with: "o-2"))
        let list = try #require(Self.sharedList(first), "table usage \(SharedObjectKeys.usage)")
        #expect(Self.sharedList(second) == list)
        #expect(Self.sharedList(first["lines"]?[0]) != nil)
        #expect(Self.sharedList(first["lines"]?[0]) == Self.sharedList(second["lines"]?[0]))
        // The storage holds the values alone: room for exactly its five members.
        #expect(first.objectValue?.storage?.ownCapacity == 5)

        var bytes: [UInt8] = []
        second.appendBinary(to: &bytes)
        var offset = 0
        let decoded = try bytes.withUnsafeBytes { buffer in try JSONValue(binary: buffer, offset: &offset) }
        #expect(decoded == second)
        #expect(Self.sharedList(decoded) == list)
        #expect(decoded["paymentReference"] == "pay-000001-abcdef")
        #expect(Array(decoded.objectValue!.keys) == ["_id", "_type", "paymentReference", "total", "lines"])
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func anEditedObjectLeavesTheObjectsThatShareItsKeysAlone(seed: Int) throws {
        let untouched = try JSONValue(parsing: Self.order)
        var object = try #require(try JSONValue(parsing: Self.order).objectValue)
        var model = JSONObjectTests.Model(members: Array(object))
        var draws = JSONObjectTests.Draws(state: UInt64(seed))
        let keys = ["_id", "_type", "paymentReference", "total", "lines", "status", "a-key-longer-than-fifteen-bytes"]
        for step in 0..<400 {
            let key = keys[draws.next(keys.count)]
            switch draws.next(6) {
            case 0, 1:
                object[key] = .number(Double(step))
                model.set(key, .number(Double(step)))
            case 2:
                #expect(object.removeValue(forKey: key) == model.index(key).map { model.members[$0].value })
                model.set(key, nil)
            case 3:
                if !object.isEmpty {
                    let position = draws.next(object.count)
                    object.values[position] = .string("v\(step)")
                    model.members[position].value = .string("v\(step)")
                }
            case 4:
                let extended = object.index(forKey: "_originalId") == nil ? object.appending("_originalId", "x") : object
                var hint = -1
                #expect(extended.value(forKey: "_originalId", hint: &hint) != nil)
            default:
                // Back to a fresh object that shares its keys, so every edit starts from one too.
                object = try #require(try JSONValue(parsing: Self.order).objectValue)
                model = JSONObjectTests.Model(members: Array(object))
            }
            JSONObjectTests.agree(object, model, "seed \(seed), step \(step)")
        }
        #expect(untouched == (try JSONValue(parsing: Self.order)))
        #expect(Array(untouched.objectValue!.keys) == ["_id", "_type", "paymentReference", "total", "lines"])
    }

    @Test func anObjectWithSharedKeysIsEmptiedWithoutTouchingItsLikes() throws {
        let like = try JSONValue(parsing: Self.order)
        var object = try #require(try JSONValue(parsing: Self.order).objectValue)
        object.removeAll(keepingCapacity: true)
        #expect(object.isEmpty)
        object["a"] = 1
        #expect(object == ["a": 1])
        #expect(like["total"] == 1250)
    }

    @Test func keysThatCannotBeSharedAreKeptByTheObject() throws {
        let repeated = try JSONValue(parsing: #"{"a": 1, "b": 2, "a": 3}"#)
        #expect(Self.sharedList(repeated) == nil)
        #expect(repeated.objectValue.map { Array($0.keys) } == ["a", "b"])

        let many = "{" + (0..<65).map { "\"k\($0)\": \($0)" }.joined(separator: ", ") + "}"
        let large = try JSONValue(parsing: many)
        #expect(Self.sharedList(large) == nil)
        #expect(large["k64"] == 64)

        // Between 33 and 64 keys, a shared list keeps a hash index of its own.
        let forty = "{" + (0..<40).map { "\"f\($0)\": \($0)" }.joined(separator: ", ") + "}"
        let medium = try JSONValue(parsing: forty)
        #expect(Self.sharedList(medium) != nil)
        for index in 0..<40 { #expect(medium.objectValue?.index(forKey: "f\(index)") == index) }
        #expect(medium["f40"] == nil)
    }

    @Test func aListHoldsItsKeysByteForByte() throws {
        // "é" precomposed and decomposed are equal as Swift strings, but a document keeps the
        // bytes it was written with.
        let composed = try JSONValue(parsing: "{\"caf\u{E9}\": 1, \"n\": 2}")
        let decomposed = try JSONValue(parsing: "{\"cafe\u{301}\": 1, \"n\": 2}")
        #expect(Array(composed.objectValue!.keys[0].utf8) == Array("caf\u{E9}".utf8))
        #expect(Array(decomposed.objectValue!.keys[0].utf8) == Array("cafe\u{301}".utf8))
        #expect(Self.sharedList(composed) != Self.sharedList(decomposed))
    }
}

/// One decoder reading many values keeps each long string that repeats among them once.
@Suite("Binary JSON read with one decoder", .ownThread(computing: true))
struct JSONBinaryDecoderTests {
    static func address(_ value: JSONValue?) -> UInt? {
        guard var string = value?.stringValue else { return nil }
        return string.withUTF8 { $0.baseAddress.map { UInt(bitPattern: $0) } }
    }

    @Test func aLongStringReadTwiceIsKeptOnce() throws {
        let revision = "rev-0123456789abcdefghij"
        let documents: [JSONValue] = [
            ["_id": "a", "_rev": .string(revision), "note": "short"],
            ["_id": "b", "_rev": .string(revision), "note": "short", "lines": [["product": .string(revision)]]],
        ]
        var bytes: [UInt8] = []
        for document in documents { document.appendBinary(to: &bytes) }
        let (shared, separate) = try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) -> ([JSONValue], [JSONValue]) in
                var decoder = JSONBinaryDecoder()
                var offset = 0
                var shared: [JSONValue] = []
                while offset < buffer.count { shared.append(try decoder.value(in: buffer, offset: &offset)) }
                offset = 0
                var separate: [JSONValue] = []
                while offset < buffer.count { separate.append(try JSONValue(binary: buffer, offset: &offset)) }
                return (shared, separate)
            }
        }.get()
        #expect(shared == documents)
        #expect(separate == documents)
        let first = try #require(Self.address(shared[0]["_rev"]))
        #expect(Self.address(shared[1]["_rev"]) == first)
        #expect(Self.address(shared[1]["lines"]?[0]?["product"]) == first)
        #expect(Self.address(separate[1]["_rev"]) != Self.address(separate[0]["_rev"]))
    }

    @Test func aDamagedValueLeavesTheDecoderUsable() throws {
        var bytes: [UInt8] = []
        let object: JSONValue = ["a": "a string longer than fifteen bytes"]
        object.appendBinary(to: &bytes)
        let whole = bytes
        bytes.removeLast(3)
        var decoder = JSONBinaryDecoder()
        var offset = 0
        let damaged = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try decoder.value(in: buffer, offset: &offset) }
        }
        #expect(throws: JSONError.self) { try damaged.get() }
        offset = 0
        let value = try whole.withUnsafeBytes { buffer in
            Result { () throws(JSONError) in try decoder.value(in: buffer, offset: &offset) }
        }.get()
        #expect(value["a"] == "a string longer than fifteen bytes")
        #expect(offset == whole.count)
    }
}
