import Testing
import TestSupport

@testable import GROQ

/// The compact object against the plainest model of an ordered JSON object: an array of
/// key/value pairs searched in order.
@Suite("JSONObject", .ownThread(computing: true))
struct JSONObjectTests {
    /// A deterministic generator, so a failing round can be replayed.
    struct Draws {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    struct Model {
        var members: [(key: String, value: JSONValue)] = []
        func index(_ key: String) -> Int? { members.firstIndex { $0.key == key } }
        mutating func set(_ key: String, _ value: JSONValue?) {
            if let index = index(key) {
                if let value { members[index].value = value } else { members.remove(at: index) }
            } else if let value {
                members.append((key, value))
            }
        }
    }

    /// Checks every way of reading the object against the model.
    static func agree(_ object: JSONObject, _ model: Model, _ context: String) {
        #expect(object.count == model.members.count, "\(context): count")
        #expect(Array(object.keys) == model.members.map(\.key), "\(context): keys in order")
        #expect(Array(object.values) == model.members.map(\.value), "\(context): values in order")
        for (position, member) in model.members.enumerated() {
            #expect(object[member.key] == member.value, "\(context): lookup of \(member.key)")
            #expect(object.index(forKey: member.key) == position, "\(context): position of \(member.key)")
            #expect(object.elements[position].key == member.key)
        }
        #expect(object["absent key"] == nil)
        #expect(!object.keys.contains("absent key"))
    }

    @Test(arguments: [4, 20, 60, 400])
    func randomEditsAgreeWithAnArrayOfPairs(keySpace: Int) {
        var draws = Draws(state: UInt64(keySpace))
        var object = JSONObject()
        var model = Model()
        for step in 0..<3_000 {
            let key = "key-\(draws.next(keySpace))"
            let value = JSONValue.number(Double(step))
            let before = object
            let beforeModel = model
            switch draws.next(8) {
            case 0, 1, 2:
                object[key] = value
                model.set(key, value)
            case 3:
                #expect(object.removeValue(forKey: key) == model.index(key).map { model.members[$0].value })
                model.set(key, nil)
            case 4:
                object[key, default: .array([])] = .array([value])
                model.set(key, .array([value]))
            case 5:
                if let position = model.index(key) {
                    object.values[position] = .string("replaced \(step)")
                    model.members[position].value = .string("replaced \(step)")
                }
            case 6:
                object[key]? = .bool(true)
                if model.index(key) != nil { model.set(key, .bool(true)) }
            default:
                #expect(object.updateValue(value, forKey: key) == model.index(key).map { model.members[$0].value })
                model.set(key, value)
            }
            // A copy taken before the edit never sees it.
            Self.agree(before, beforeModel, "copy before step \(step)")
            if step % 100 == 0 { Self.agree(object, model, "step \(step)") }
        }
        Self.agree(object, model, "end")
        object.removeAll(keepingCapacity: true)
        #expect(object.isEmpty && object.keys.isEmpty)
    }

    @Test(arguments: [0, 3, 30, 200])
    func anAppendedMemberSharesTheRestAndEditsMakeItWhole(size: Int) {
        var base = JSONObject()
        var baseModel = Model()
        for index in 0..<size {
            base["k\(index)"] = .number(Double(index))
            baseModel.set("k\(index)", .number(Double(index)))
        }
        var object = base.appending("_originalId", "drafts.x")
        var model = baseModel
        model.set("_originalId", "drafts.x")
        #expect(object.storage?.header.base?.takeUnretainedValue() === (size == 0 ? nil : base.storage))
        Self.agree(object, model, "appended to \(size)")
        #expect(JSONValue.object(object).serialized() == JSONValue.object(JSONObject(uniqueKeysWithValues: model.members.map { ($0.key, $0.value) })).serialized())
        var draws = Draws(state: UInt64(size) + 7)
        for step in 0..<200 {
            let key = draws.next(3) == 0 ? "_originalId" : "k\(draws.next(size + 5))"
            switch draws.next(4) {
            case 0:
                object.removeValue(forKey: key)
                model.set(key, nil)
            case 1:
                if let position = model.index(key) {
                    object.values[position] = .string("v\(step)")
                    model.members[position].value = .string("v\(step)")
                }
            default:
                object[key] = .number(Double(-step))
                model.set(key, .number(Double(-step)))
            }
            Self.agree(object, model, "step \(step) after appending to \(size)")
        }
        Self.agree(base, baseModel, "the base after every edit of the extended object")
        #expect(object.storage?.header.base == nil, "an edited object no longer extends another")
        // The extended object held its base: freed with it, not before it and not never.
        weak let baseStorage = base.storage
        let extended = base.appending("_originalId", "drafts.y")
        base = JSONObject()
        if size > 0 { #expect(baseStorage != nil && extended["k0"] == .number(0), "the base lives while an object extends it") }
        _ = consume extended
        #expect(baseStorage == nil, "the base is freed with the last object extending it")
    }

    /// A hint from objects of another shape, another size, or one extending a base never gives
    /// a wrong member: it only decides where the first look goes.
    @Test func aLookupWithAHintFindsWhatALookupWithoutOneFinds() {
        let small: JSONObject = ["_id": "a", "total": 1, "name": "x"]
        let reordered: JSONObject = ["name": "y", "_id": "b", "total": 2]
        var large = JSONObject()
        for index in 0..<40 { large["k\(index)"] = .number(Double(index)) }
        large["total"] = 3
        let extended = small.appending("_originalId", "a")
        let objects = [small, reordered, large, extended, JSONObject(), ["é": 1, "e\u{301}x": 2]]
        for key in ["_id", "total", "name", "k39", "_originalId", "missing", "é", ""] {
            for start in -1..<45 {
                var hint = start
                for object in objects + objects.reversed() {
                    #expect(object.value(forKey: key, hint: &hint) == object[key], "\(key) from hint \(start) in \(object)")
                }
            }
        }
        var hint = -1
        #expect(extended.value(forKey: "_originalId", hint: &hint) == "a")
        #expect(hint == 3)
    }

    @Test func anObjectOfItsOwnIsEditedWhereItIs() {
        // Copying on every edit would make building an object quadratic.
        var object = JSONObject(minimumCapacity: 64)
        object["first"] = 1
        // Held weakly: a strong reference would itself make the storage shared. A copy would
        // free it, and the weak reference would then be nil.
        weak let storage = object.storage
        for index in 0..<63 { object["k\(index)"] = .number(Double(index)) }
        object["first"] = 2
        object.values[0] = 3
        object.removeValue(forKey: "k0")
        #expect(storage != nil && object.storage === storage)
        object.removeAll(keepingCapacity: true)
        #expect(storage != nil && object.storage === storage)
        let shared = object
        object["again"] = 1
        #expect(storage != nil && object.storage !== storage, "a shared object is copied before it is written")
        #expect(shared.isEmpty)
    }

    @Test func aNestedValueIsEditedInPlaceWithoutTouchingCopies() {
        var object: JSONObject = ["address": ["city": "Paris"], "tags": ["a"]]
        let copy = object
        if case .object(var address)? = object["address"] {
            address["country"] = "FR"
            object["address"] = .object(address)
        }
        object["tags"] = .array([.string("a"), .string("b")])
        #expect(object["address"]?["country"] == "FR")
        #expect(copy["address"]?["country"] == nil)
        #expect(copy["tags"] == ["a"])
    }

    @Test func aLargeObjectIsBuiltAndReadInLinearTime() throws {
        // 100,000 members: searched in order this would take billions of comparisons.
        var object = JSONObject()
        for index in 0..<100_000 { object["k\(index)"] = .number(Double(index)) }
        #expect(object.count == 100_000)
        #expect(object["k99999"] == 99_999)
        #expect(object.removeValue(forKey: "k0") == 0)
        #expect(object.index(forKey: "k1") == 0)
        let text = JSONValue.object(object).serialized()
        let parsed = try JSONValue(parsing: text)
        #expect(parsed.objectValue?.count == 99_999)
        #expect(parsed["k50000"] == 50_000)
    }

    @Test func aRepeatedKeyKeepsItsFirstPlaceAndItsLastValue() throws {
        let parsed = try JSONValue(parsing: #"{"a": 1, "b": 2, "a": 3}"#)
        #expect(parsed.objectValue.map { Array($0.keys) } == ["a", "b"])
        #expect(parsed["a"] == 3)
    }

    @Test func equalityOfObjectsFollowsOrderButValuesIgnoreIt() {
        let ab: JSONObject = ["a": 1, "b": 2]
        let ba: JSONObject = ["b": 2, "a": 1]
        #expect(ab != ba)
        #expect(JSONValue.object(ab) == JSONValue.object(ba))
        #expect(JSONValue.object(ab).hashValue == JSONValue.object(ba).hashValue)
        #expect(ab.filter { $0.key == "b" } == ["b": 2])
        #expect(ab.mapValues { .number(($0.numberValue ?? 0) * 10) } == ["a": 10, "b": 20])
        var sorted = ba
        sorted.sort { $0.key < $1.key }
        #expect(sorted == ab)
    }

    @Test func aValueIsTwentyFourBytes() {
        // The point of the compact object: every array element and member is 8 bytes smaller.
        #expect(MemoryLayout<JSONValue>.stride == 24)
        #expect(MemoryLayout<JSONObject>.size == 8)
    }
}
