import FacetAssets
import FacetStore
import Foundation
import Testing
import TestSupport

/// Asset bytes as rows of shared records: what one server stores, another reads, whole.
@Suite("Assets kept in the database", .ownThread(computing: true))
struct DatabaseAssetsTests {
    /// Two handles on one set of records, as two servers have: two SQLite connections to one
    /// file, or two PostgreSQL backends on one schema.
    private func withTwoServers(_ kind: StorageKind, _ body: (DatabaseAssets, DatabaseAssets) throws -> Void) throws {
        switch kind {
        case .sqlite:
            let path = NSTemporaryDirectory() + "facet-asset-rows-" + UUID().uuidString + ".sqlite"
            defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
            try body(try DatabaseAssets(records: try SQLiteRecords(path: path)), try DatabaseAssets(records: try SQLiteRecords(path: path)))
        case .postgres:
            let (first, url) = try TestDatabase.backend(.postgres)
            defer {
                first.close()
                TestDatabase.remove(.postgres, at: url)
            }
            let second = try TestDatabase.reopen(.postgres, at: url)
            defer { second.close() }
            try body(try DatabaseAssets(records: try #require(first.sharedRecords)), try DatabaseAssets(records: try #require(second.sharedRecords)))
        }
    }

    @Test(arguments: StorageKind.available)
    func whatOneServerStoresAnotherReadsWhole(kind: StorageKind) throws {
        try withTwoServers(kind) { one, other in
            // Every byte value, and a megabyte, through both.
            let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }
            let path = try AssetPath(kind: .images, dataset: "production", fileName: "0a1b2c-800x600.jpg")
            #expect(try other.read(path) == nil)
            #expect(try one.write(bytes, to: path))
            #expect(try other.read(path) == bytes)
            // The same path again changes nothing: the bytes are addressed by their digest.
            #expect(try !other.write([1, 2, 3], to: path))
            #expect(try one.read(path) == bytes)
            let file = try AssetPath(kind: .files, dataset: "production", fileName: "9f8e7d.pdf")
            try other.write([0x25, 0x50, 0x44, 0x46], to: file)
            #expect(try one.paths(.images, dataset: "production") == [path])
            #expect(try one.paths(.files, dataset: "production") == [file])
            #expect(try one.paths(.images, dataset: "staging").isEmpty)
            try other.remove(path)
            try other.remove(path)
            #expect(try one.read(path) == nil)
            #expect(try one.paths(.images, dataset: "production").isEmpty)
        }
    }
}
