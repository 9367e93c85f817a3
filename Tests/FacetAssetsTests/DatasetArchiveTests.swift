@testable import FacetAssets
import FacetStore
import Foundation
import GROQ
import TestSupport
import Testing

@Suite("Dataset archives in Sanity's export layout", .ownThread(computing: true))
struct DatasetArchiveTests {
    final class Place {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("facet-archive-\(UUID().uuidString)")
        let store: DocumentStore
        let assets: AssetLibrary

        init(_ name: String = "data") throws {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            store = try DocumentStore(directory: root.appendingPathComponent(name).path)
            assets = try AssetLibrary(directory: root.appendingPathComponent(name).path)
        }

        var dataset: Dataset { get throws { try store.dataset("production", create: true) } }

        deinit {
            store.close()
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// A folder as `sanity dataset export` lays it out, packed by the system's `tar`: an archive
    /// Facet did not write.
    static func sanityExport(in place: Place, png: [UInt8], naming pointer: String? = nil) throws -> String {
        let folder = place.root.appendingPathComponent("staging/production-export-2026-01-01t00-00-00-000z")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("files"), withIntermediateDirectories: true)
        try Data(png).write(to: folder.appendingPathComponent("images/0123abcd-400x300.png"))
        try Data(TestPictures.pdf).write(to: folder.appendingPathComponent("files/4567ef.pdf"))
        let lines = [
            #"{"_id": "p-1", "_type": "product", "name": "Ring", "images": [{"_type": "image", "_key": "k1", "alt": "A ring", "_sanityAsset": "\#(pointer ?? "image@file://./images/0123abcd-400x300.png")"}]}"#,
            #"{"_id": "g-1", "_type": "guide", "manual": {"_type": "file", "_sanityAsset": "file@file://./files/4567ef.pdf"}}"#,
        ]
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: folder.appendingPathComponent("data.ndjson"))
        try Data(#"{"image-0123abcd-400x300-png": {"originalFilename": "ring.png", "creditLine": "Atelier"}}"#.utf8)
            .write(to: folder.appendingPathComponent("assets.json"))
        let archive = place.root.appendingPathComponent("export.tar.gz").path
        let tar = try ChildProcess("/usr/bin/env", ["tar", "-czf", archive, "-C", place.root.appendingPathComponent("staging").path,
                                                    "production-export-2026-01-01t00-00-00-000z"])
        try #require(try tar.wait(timeout: 120).status == 0)
        return archive
    }

    @Test("A Sanity export comes in with its pictures and files, its pointers made references")
    func importsSanitysLayout() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let place = try Place()
            let png = try TestPictures.twoColours(width: 400, height: 300, as: .png)
            let archive = try Self.sanityExport(in: place, png: png)
            let dataset = try place.dataset
            let outcome = try DatasetArchive.importArchive(archive, into: dataset, assets: place.assets)
            #expect(outcome.images == 1 && outcome.files == 1 && outcome.references == 2)
            let image = try #require(dataset.document(id: "p-1")?["images"]?[0])
            let ref = try #require(image["asset"]?["_ref"]?.stringValue)
            #expect(image["_sanityAsset"] == nil)
            #expect(image["alt"] == "A ring")
            let asset = try #require(dataset.document(id: ref))
            #expect(asset["_type"] == "sanity.imageAsset")
            #expect(asset["originalFilename"] == "ring.png")
            #expect(asset["metadata"]?["dimensions"]?["width"] == 400)
            #expect(try place.assets.storage.read(try #require(PreparedAsset.path(ofDocument: ref, dataset: "production"))) == png)
            let file = try #require(dataset.document(id: "g-1")?["manual"]?["asset"]?["_ref"]?.stringValue)
            #expect(file.hasPrefix("file-") && file.hasSuffix("-pdf"))
            #expect(dataset.document(id: file)?["mimeType"] == "application/pdf")
        }
    }

    @Test("An export reads back through the system's tar and imports whole elsewhere")
    func roundTrip() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let source = try Place()
            let png = try TestPictures.twoColours(width: 400, height: 300, as: .png)
            _ = try DatasetArchive.importArchive(try Self.sanityExport(in: source, png: png), into: try source.dataset, assets: source.assets)
            let archive = source.root.appendingPathComponent("again.tar.gz").path
            let report = try DatasetArchive.export(try source.dataset, storage: source.assets.storage, to: archive)
            #expect(report.documents == 2 && report.images == 1 && report.files == 1)

            let listed = source.root.appendingPathComponent("listing.txt").path
            let listing = try ChildProcess("/usr/bin/env", ["tar", "-tzf", archive], stdout: .file(listed))
            #expect(try listing.wait(timeout: 120).status == 0)
            let names = String(decoding: try Data(contentsOf: URL(fileURLWithPath: listed)), as: UTF8.self).split(separator: "\n")
            #expect(names.contains { $0.hasSuffix("/data.ndjson") } && names.contains { $0.hasSuffix("/assets.json") })
            #expect(names.filter { $0.contains("/images/") }.count == 1 && names.filter { $0.contains("/files/") }.count == 1)

            let target = try Place()
            let outcome = try DatasetArchive.importArchive(archive, into: try target.dataset, assets: target.assets)
            #expect(outcome.references == 2)
            let original = try source.dataset.document(id: "p-1")?["images"]?[0]?["asset"]
            #expect(try target.dataset.document(id: "p-1")?["images"]?[0]?["asset"] == original)
            #expect(try target.dataset.document(id: "g-1")?["manual"]?["asset"] == (try source.dataset.document(id: "g-1")?["manual"]?["asset"]))
        }
    }

    @Test("A pointer to a file the archive lacks fails the import and stores nothing")
    func missingFile() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let place = try Place()
            let archive = try Self.sanityExport(in: place, png: try TestPictures.twoColours(as: .png),
                                                naming: "image@file://./images/missing-1x1.png")
            do {
                _ = try DatasetArchive.importArchive(archive, into: try place.dataset, assets: place.assets)
                Issue.record("an archive naming a missing file was imported")
            } catch let error as AssetError {
                #expect(error.message.contains("images/missing-1x1.png"))
                #expect(error.message.contains("Line 1"))
            }
            #expect(try place.dataset.snapshot.source(.raw).documents.isEmpty)
            #expect(try place.assets.storage.paths(.images, dataset: "production").isEmpty)
            #expect(try place.assets.storage.paths(.files, dataset: "production").isEmpty)
        }
    }

    @Test("Entries that climb out of the archive, damaged and truncated archives are refused")
    func hostileArchives() async throws {
        // Seconds of image work: off the threads the server tests beside it need.
        try await offThePool {
            let place = try Place()
            let climbing = place.root.appendingPathComponent("climbing.tar.gz").path
            let writer = try TarWriter(path: climbing)
            try writer.add("export/../../../etc/evil.txt", Array("x".utf8))
            try writer.add("export/data.ndjson", Array("{}\n".utf8))
            try writer.finish()
            #expect(throws: AssetError.self) { _ = try DatasetArchive.importArchive(climbing, into: try place.dataset, assets: place.assets) }

            let good = try Self.sanityExport(in: place, png: try TestPictures.twoColours(as: .png))
            let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
            let truncated = place.root.appendingPathComponent("truncated.tar.gz").path
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
            #expect(throws: AssetError.self) { _ = try DatasetArchive.importArchive(truncated, into: try place.dataset, assets: place.assets) }
            let garbage = place.root.appendingPathComponent("garbage.tar.gz").path
            try Data([0x1F, 0x8B] + [UInt8](repeating: 0x41, count: 500)).write(to: URL(fileURLWithPath: garbage))
            #expect(throws: AssetError.self) { _ = try DatasetArchive.importArchive(garbage, into: try place.dataset, assets: place.assets) }
            #expect(try place.dataset.snapshot.source(.raw).documents.isEmpty)
        }
    }
}
