import FacetAssets
import FacetStore
import Foundation
import GROQ
import TestSupport
import Testing

@Suite("Unused assets", .ownThread(computing: true))
struct UnusedAssetsTests {
    @Test("An asset is unused only when no document, draft or revision refers to it")
    func findsAndRemoves() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-unused-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try DocumentStore(directory: directory.appendingPathComponent("data").path)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        let assets = try AssetLibrary(directory: directory.path)
        func asset(_ colour: [UInt8]) throws -> PreparedAsset {
            let prepared = try PreparedAsset(try TestPictures.twoColours(width: 40, height: 30, main: colour), kind: .images, dataset: "production",
                                             options: AssetUploadOptions(), baseURL: "", maximumPixels: 1_000_000)
            try assets.storage.write(prepared.bytes, to: prepared.path)
            return prepared
        }
        let inUse = try asset([200, 0, 0]), inHistory = try asset([0, 200, 0]), inDraft = try asset([0, 0, 200])
        let unused = try asset([90, 90, 90]), fileOnly = try asset([10, 10, 10])
        for prepared in [inUse, inHistory, inDraft, unused] {
            _ = try dataset.mutate([.create(prepared.document.objectValue!)])
        }
        func image(_ prepared: PreparedAsset) -> JSONValue { ["_type": "image", "asset": ["_ref": .string(prepared.id)]] }
        _ = try dataset.mutate([.create(["_id": "p-1", "_type": "product", "images": [image(inUse)], "hero": image(inHistory)])])
        _ = try dataset.mutate([.createOrReplace(["_id": "p-1", "_type": "product", "images": [image(inUse)]])])
        _ = try dataset.mutate([.create(["_id": "drafts.p-2", "_type": "product", "nested": ["deep": [image(inDraft)]]])])

        let found = try UnusedAssets(dataset: dataset, storage: assets.storage)
        #expect(found.assets.map(\.id).sorted() == [unused.id, fileOnly.id].sorted())
        #expect(found.assets.first { $0.id == unused.id }?.hasDocument == true)
        #expect(found.assets.first { $0.id == fileOnly.id }?.hasDocument == false)

        try found.remove(from: dataset, storage: assets.storage, options: TransactionOptions(author: "gc"))
        #expect(dataset.document(id: unused.id) == nil)
        #expect(try assets.storage.read(unused.path) == nil)
        #expect(try assets.storage.read(fileOnly.path) == nil)
        for kept in [inUse, inHistory, inDraft] {
            #expect(try assets.storage.read(kept.path) != nil)
            #expect(dataset.document(id: kept.id) != nil)
        }
        #expect(try UnusedAssets(dataset: dataset, storage: assets.storage).assets.isEmpty)
    }

    @Test("What a person's erasure releases: their assets that no other document uses")
    func releasedByErasure() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-released-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try DocumentStore(directory: directory.appendingPathComponent("data").path)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        func asset(_ colour: [UInt8]) throws -> PreparedAsset {
            let prepared = try PreparedAsset(try TestPictures.twoColours(width: 40, height: 30, main: colour), kind: .images, dataset: "production",
                                             options: AssetUploadOptions(), baseURL: "", maximumPixels: 1_000_000)
            _ = try dataset.mutate([.create(prepared.document.objectValue!)])
            return prepared
        }
        let portrait = try asset([200, 0, 0]), shared = try asset([0, 200, 0])
        func image(_ prepared: PreparedAsset) -> JSONValue { ["_type": "image", "asset": ["_ref": .string(prepared.id)]] }
        _ = try dataset.mutate([
            .create(["_id": "person", "_type": "customer", "photo": image(portrait)]),
            .create(["_id": "note", "_type": "interaction", "customer": ["_ref": "person"], "attachment": image(shared)]),
            .create(["_id": "product", "_type": "product", "images": [image(shared)]]),
        ])
        let documents = ["person", "note"].compactMap { dataset.document(id: $0) }
        let before = UnusedAssets(releasedBy: documents, in: dataset, excluding: ["person", "note"])
        #expect(before.assets.map(\.id) == [portrait.id])
        _ = try dataset.mutate([.delete(.ids(["note"])), .delete(.ids(["person"]))])
        let after = UnusedAssets(releasedBy: documents, in: dataset)
        #expect(after.assets.map(\.id) == [portrait.id])
        #expect(after.assets.first?.hasDocument == true)
    }
}
