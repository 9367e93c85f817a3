import GROQ
import HashTreeCollections
import Testing
@testable import FacetStore

/// A large load's last step: its documents merged into id order and indexed on two cores.
@Suite("Indexes of a large load")
struct LargeIndexTests {
    /// Documents `0..<count` in a scrambled order, each of one of three types, referencing one
    /// or two others (once twice, which must count once).
    private static func documents(_ count: Int) -> [JSONValue] {
        (0..<count).map { index -> JSONValue in
            let scrambled = (index &* 7_919) % count
            let target = "doc-\((scrambled &* 31) % count)"
            var refs: [JSONValue] = [["_type": "reference", "_ref": .string(target)], ["_type": "reference", "_ref": .string(target)]]
            if scrambled % 5 == 0 { refs.append(["_type": "reference", "_ref": "doc-0"]) }
            return ["_id": .string("doc-\(scrambled)"), "_type": .string("t\(scrambled % 3)"), "links": .array(refs)]
        }
    }

    @Test func theMergedListIsInIDOrderAndComplete() {
        let count = 70_000
        let base = InMemoryDataset(Array(Self.documents(count).prefix(1_000)))
        var overlay = Overlay()
        for document in Self.documents(count) { overlay[document["_id"]!.stringValue!] = .some(document) }
        overlay["doc-7"] = .some(nil)
        let merged = LayeredDocuments(base: base, overlay: overlay).documents.map { $0["_id"]?.stringValue ?? "" }
        #expect(merged.count == count - 1)
        #expect(Set(merged).count == count - 1 && !merged.contains("doc-7"))
        #expect(zip(merged, merged.dropFirst()).allSatisfy { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
    }

    @Test func idTypeAndReferenceIndexesMatchAScan() {
        let documents = Self.documents(20_000)
        let dataset = InMemoryDataset(documents)
        #expect(dataset.documents.count == 20_000)
        for probe in ["doc-0", "doc-1", "doc-31", "doc-19999", "doc-12345"] {
            #expect(dataset.document(id: probe)?["_id"]?.stringValue == probe)
            let referring = Set(documents.filter { document in
                document["links"]?.arrayValue?.contains { $0["_ref"]?.stringValue == probe } ?? false
            }.compactMap { $0["_id"]?.stringValue })
            let found = dataset.documents(referencing: probe)?.compactMap { $0["_id"]?.stringValue } ?? []
            #expect(found.count == referring.count && Set(found) == referring, "documents referencing \(probe)")
        }
        for type in ["t0", "t1", "t2"] {
            let expected = documents.filter { $0["_type"]?.stringValue == type }.count
            #expect(dataset.documents(ofType: type)?.count == expected)
        }
        #expect(dataset.document(id: "doc-20000") == nil)
    }
}
