import FacetAssets
import Foundation
import Synchronization
import Testing
import TestSupport

@Suite("Asset storage and the variant cache", .ownThread(computing: true))
struct AssetStorageTests {
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("facet-assets-\(UUID().uuidString)")
    }

    @Test("Writes are whole, idempotent and inside the root; a crash's leftovers go at the next open")
    func directory() throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let storage = try AssetDirectory(root: root)
        let path = try AssetPath(kind: .files, dataset: "production", fileName: "abc.pdf")
        #expect(try storage.read(path) == nil)
        try storage.write([1, 2, 3], to: path)
        try storage.write([1, 2, 3], to: path)
        #expect(try storage.read(path) == [1, 2, 3])
        #expect(try storage.paths(.files, dataset: "production") == [path])
        // What an upload killed halfway leaves: a temporary file, never the asset's own name.
        let leftover = root.appendingPathComponent("files/production/.upload-1234")
        _ = FileManager.default.createFile(atPath: leftover.path, contents: Data([9, 9]))
        _ = try AssetDirectory(root: root)
        #expect(!FileManager.default.fileExists(atPath: leftover.path))
        #expect(try storage.read(path) == [1, 2, 3])
        try storage.remove(path)
        try storage.remove(path)
        #expect(try storage.read(path) == nil)
        for name in ["../secret.txt", ".hidden.jpg", "a/b.jpg", "noextension", "", String(repeating: "x", count: 300) + ".jpg", "é.jpg"] {
            #expect(throws: AssetError.self, "\(name)") { try AssetPath(kind: .images, dataset: "production", fileName: name) }
        }
        #expect(throws: AssetError.self) { try AssetPath(kind: .images, dataset: "..", fileName: "a.jpg") }
    }

    @Test("A variant asked for by many at once is computed once")
    func singleFlight() async throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = try VariantCache(folder: root, limit: 1 << 20)
        let calls = Calls()
        let results = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    try await cache.variant("images/d/a.jpg?w=10") {
                        calls.count.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(200))
                        return [7, 7, 7]
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 16 && results.allSatisfy { $0 == [7, 7, 7] })
        #expect(calls.count.withLock { $0 } == 1)
        // Cached: read back without computing, also by a cache opened anew on the same folder.
        _ = try await cache.variant("images/d/a.jpg?w=10") { Issue.record("computed again"); return [] }
        let reopened = try VariantCache(folder: root, limit: 1 << 20)
        #expect(try await reopened.variant("images/d/a.jpg?w=10") { [] } == [7, 7, 7])
        #expect(reopened.computedCount == 0)
    }

    @Test("A failure reaches every waiter and is not kept")
    func failuresAreNotCached() async throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = try VariantCache(folder: root, limit: 1 << 20)
        await #expect(throws: AssetError.self) {
            try await cache.variant("k") { throw AssetError(.timedOut, "slow") }
        }
        #expect(try await cache.variant("k") { [1] } == [1])
    }

    @Test("The cache stays within its bound, dropping the least recently used first")
    func leastRecentlyUsedOut() async throws {
        let root = Self.folder()
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = try VariantCache(folder: root, limit: 3_000)
        let block = [UInt8](repeating: 1, count: 1_000)
        for key in ["a", "b", "c"] { _ = try await cache.variant(key) { block } }
        _ = try await cache.variant("a") { Issue.record("a was dropped too early"); return block }   // a is now the newest
        _ = try await cache.variant("d") { block }                                                     // b goes
        #expect(cache.storedBytes <= 3_000)
        let before = cache.computedCount
        _ = try await cache.variant("a") { block }
        _ = try await cache.variant("c") { block }
        #expect(cache.computedCount == before)
        _ = try await cache.variant("b") { block }
        #expect(cache.computedCount == before + 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(files.count == 3)
    }
}

/// How many times a variant was computed, counted from several tasks.
final class Calls: Sendable {
    let count = Mutex(0)
}
