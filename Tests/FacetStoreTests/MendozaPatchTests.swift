import GROQ
import OrderedCollections
import TestSupport
import Testing
@testable import FacetStore

@Suite("Mendoza patches", .ownThread())
struct MendozaPatchTests {
    @Test func applyTurnsEachRandomDocumentIntoTheNextAndRevertTurnsItBack() async throws {
        // Seconds of work: on a thread of its own, not one the servers of other tests need.
        try await offThePool {
            var random = SeededRandom(seed: 20_260_611)
            for round in 0..<600 {
                let before = Self.document(&random)
                // Mostly edits of the same document, as history holds; sometimes an unrelated one.
                let after = round % 7 == 0 ? Self.document(&random) : Self.edited(before, &random, depth: 0)
                let effect = MendozaPatch.effect(from: before, to: after)
                let apply = try #require(effect["apply"]), revert = try #require(effect["revert"])
                #expect(try MendozaPatch.apply(apply, to: before) == after, "round \(round): \(apply.serialized())")
                #expect(try MendozaPatch.apply(revert, to: after) == before, "round \(round): \(revert.serialized())")
            }
        }
    }

    @Test func creationAndDeletionAreWholeValuesAsSanityWritesThem() throws {
        let document: JSONValue = ["_id": "c-1", "_type": "customer", "name": "Ada"]
        let created = MendozaPatch.effect(from: nil, to: document)
        #expect(created == ["apply": [0, document], "revert": [0, nil]])
        let deleted = MendozaPatch.effect(from: document, to: nil)
        #expect(deleted == ["apply": [0, nil], "revert": [0, document]])
        #expect(try MendozaPatch.apply(created["apply"]!, to: .null) == document)
        #expect(try MendozaPatch.apply(deleted["apply"]!, to: document) == .null)
        #expect(MendozaPatch.patch(from: document, to: document) == [])
    }

    @Test func unchangedFieldsAreKeptNotRepeated() throws {
        let notes = String(repeating: "Prefers rose gold; ", count: 40)
        let before: JSONValue = [
            "_id": "c-1", "_type": "customer", "notes": .string(notes), "tier": "silver",
            "address": ["city": "Lyon", "street": "1 rue de la Paix"],
            "tags": [["_key": "a", "label": "vip"], ["_key": "b", "label": "rings"], ["_key": "c", "label": "gifts"]],
        ]
        var object = try #require(before.objectValue)
        object["tier"] = "gold"
        object["address"] = ["city": "Paris", "street": "1 rue de la Paix"]
        object["tags"] = [["_key": "a", "label": "vip"], ["_key": "c", "label": "gifts"], ["_key": "b", "label": "rings!"]]
        let after = JSONValue.object(object)
        let patch = MendozaPatch.patch(from: before, to: after)
        let text = patch.serialized()
        #expect(!text.contains("rose gold") && !text.contains("rue de la Paix") && !text.contains("vip") && !text.contains("gifts"))
        #expect(text.count < 120, "\(text)")
        #expect(try MendozaPatch.apply(patch, to: before) == after)
        // A changed top-level scalar is one set: [ObjectSetFieldValue, value, key].
        #expect(MendozaPatch.patch(from: ["a": 1, "b": 2], to: ["a": 1, "b": 3]) == [17, 3, "b"])
        // A long string keeps its unchanged beginning and end as slices of the old one.
        let edited = MendozaPatch.patch(from: .string(notes), to: .string(notes + "Size 52."))
        #expect(try MendozaPatch.apply(edited, to: .string(notes)) == .string(notes + "Size 52."))
        #expect(!edited.serialized().contains("rose gold"))
    }

    /// The specification's step-by-step example, by opcode number: what a patch from Sanity
    /// means here too.
    @Test func theSpecificationsExampleDecodes() throws {
        let left: JSONValue = ["name": "Michael Bluth", "age": 20]
        // Sorted keys: age (0), name (1). ObjectDeleteField(name), ObjectSetFieldValue(30, "age"),
        // PushFieldCopy(name), ReturnIntoObjectPop("fullName").
        let patch: JSONValue = [19, 1, 17, 30, "age", 10, 1, 14, "fullName"]
        #expect(try MendozaPatch.apply(patch, to: left) == ["age": 30, "fullName": "Michael Bluth"])
        // PushFieldBlank(skills), ArrayAppendSlice(0, 2), ArrayAppendValue("Go"), ReturnIntoObjectSameKeyPop.
        let skills: JSONValue = ["skills": ["Diffing", "Patching", "Playing"]]
        #expect(try MendozaPatch.apply([11, 0, 21, 0, 2, 20, "Go", 15], to: skills) == ["skills": ["Diffing", "Patching", "Go"]])
        // Slices of strings count UTF-8 bytes.
        #expect(try MendozaPatch.apply([2, 23, 0, 6, 22, " rings"], to: "Bagues d'or") == "Bagues rings")
        #expect(try MendozaPatch.apply([2, 23, 0, 4, 22, "!"], to: "💎 ring") == "💎!")
    }

    @Test func aPatchThatDoesNotFitItsValueIsAClearError() {
        for (patch, value) in [([6, 5], ["a": 1]), ([99], nil), ([21, 0, 4], [1, 2]), ([2, 23, 0, 1], "💎"), ([17, 1], [:])] as [(JSONValue, JSONValue)] {
            do {
                _ = try MendozaPatch.apply(patch, to: value)
                Issue.record("\(patch.serialized()) applied to \(value.serialized())")
            } catch {
                #expect(error.status == 400)
                #expect(error.message.contains("does not apply at position"), "\(error.message)")
            }
        }
    }

    // MARK: Random documents

    static let alphabet: [String] = ["a", "b", "c", " ", "é", "💎", "日", "x", "y", "z"]

    static func text(_ random: inout SeededRandom, length: Int? = nil) -> String {
        (0..<(length ?? random.next(random.next(4) == 0 ? 60 : 8))).map { _ in alphabet[random.next(alphabet.count)] }.joined()
    }

    static func value(_ random: inout SeededRandom, depth: Int) -> JSONValue {
        switch random.next(depth > 2 ? 4 : 7) {
        case 0: return .null
        case 1: return .bool(random.next(2) == 0)
        case 2: return .number(Double(random.next(1_000)) / 4)
        case 3: return .string(text(&random))
        case 4: return .array((0..<random.next(5)).map { _ in element(&random, depth: depth + 1) })
        default: return .object(object(&random, depth: depth + 1))
        }
    }

    static func element(_ random: inout SeededRandom, depth: Int) -> JSONValue {
        guard random.next(2) == 0 else { return value(&random, depth: depth) }
        var item = object(&random, depth: depth)
        item["_key"] = .string("k\(random.next(1_000))")
        return .object(item)
    }

    static func object(_ random: inout SeededRandom, depth: Int) -> JSONObject {
        var object: JSONObject = [:]
        for _ in 0..<random.next(6) { object[text(&random, length: 1 + random.next(3))] = value(&random, depth: depth) }
        return object
    }

    static func document(_ random: inout SeededRandom) -> JSONValue {
        var document = object(&random, depth: 0)
        document["_id"] = .string("doc-\(random.next(100))")
        document["_type"] = "thing"
        return .object(document)
    }

    /// `value` with some of its parts changed, removed, added or moved.
    static func edited(_ value: JSONValue, _ random: inout SeededRandom, depth: Int) -> JSONValue {
        switch value {
        case .object(var object):
            for key in object.keys where random.next(4) == 0 {
                switch random.next(3) {
                case 0: object.removeValue(forKey: key)
                case 1: object[key] = Self.value(&random, depth: depth + 1)
                default: object[key] = edited(object[key]!, &random, depth: depth + 1)
                }
            }
            for _ in 0..<random.next(3) { object[text(&random, length: 1 + random.next(3))] = Self.value(&random, depth: depth + 1) }
            return .object(object)
        case .array(var array):
            for _ in 0..<random.next(4) {
                switch random.next(4) {
                case 0 where !array.isEmpty: array.remove(at: random.next(array.count))
                case 1: array.insert(element(&random, depth: depth + 1), at: random.next(array.count + 1))
                case 2 where !array.isEmpty:
                    let index = random.next(array.count)
                    array[index] = edited(array[index], &random, depth: depth + 1)
                case 3 where array.count > 1: array.swapAt(random.next(array.count), random.next(array.count))
                default: break
                }
            }
            return .array(array)
        case .string(let string):
            var characters = Array(string)
            let at = random.next(characters.count + 1)
            characters.replaceSubrange(at ..< min(characters.count, at + random.next(3)), with: text(&random, length: random.next(4)))
            return .string(String(characters))
        default:
            return random.next(2) == 0 ? value : Self.value(&random, depth: depth)
        }
    }
}
