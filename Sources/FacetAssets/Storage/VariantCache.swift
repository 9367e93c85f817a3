import Crypto
import Foundation
import Synchronization

/// Transformed images kept on disk, so that a thumbnail is computed once and then served as a
/// file: at most `limit` bytes in all, the least recently used dropped first, and a variant asked
/// for by many requests at once computed by one of them while the others wait for its result.
///
/// ```swift
/// let cache = try VariantCache(folder: data.appendingPathComponent("asset-cache"), limit: 512 << 20)
/// let bytes = try await cache.variant("images/production/abc-800x600.jpg?w=400&fm=webp") {
///     try await render()      // runs once, however many ask at the same moment
/// }
/// ```
public final class VariantCache: Sendable {
    public let folder: URL
    public let limit: Int

    private struct Entry { var size: Int; var lastUse: UInt64 }
    private struct State {
        var entries: [String: Entry] = [:]
        var total = 0
        var clock: UInt64 = 0
        var inFlight: [String: Task<[UInt8], any Error>] = [:]
        /// How many variants were computed rather than read (for tests and benchmarks).
        var computed = 0
    }
    private let state = Mutex(State())

    /// Opens the cache folder, counting what an earlier run left in it (oldest first out).
    public init(folder: URL, limit: Int) throws(AssetError) {
        self.folder = folder
        self.limit = limit
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw AssetError(.storage, "The variant cache folder \(folder.path) could not be made: \(error.localizedDescription)")
        }
        let keys: [URLResourceKey] = [.fileSizeKey, .contentModificationDateKey]
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys)) ?? []
        var found: [(name: String, size: Int, date: Date)] = []
        for file in files {
            if file.lastPathComponent.hasPrefix(".") { unlink(file.path); continue }
            let values = try? file.resourceValues(forKeys: Set(keys))
            found.append((file.lastPathComponent, values?.fileSize ?? 0, values?.contentModificationDate ?? .distantPast))
        }
        state.withLock { state in
            for file in found.sorted(by: { $0.date < $1.date }) {
                state.clock += 1
                state.entries[file.name] = Entry(size: file.size, lastUse: state.clock)
                state.total += file.size
            }
        }
        evict()
    }

    /// How many variants this cache has computed since it opened.
    public var computedCount: Int { state.withLock { $0.computed } }
    /// The bytes the cache holds now.
    public var storedBytes: Int { state.withLock { $0.total } }

    /// The variant under `key`: read from disk when cached, else made by `make` (once, however many
    /// callers ask at the same moment) and stored. A failure of `make` reaches every waiting
    /// caller and is not cached.
    public func variant(_ key: String, make: @escaping @Sendable () async throws -> [UInt8]) async throws -> [UInt8] {
        let name = Self.fileName(for: key)
        if let bytes = cached(name) { return bytes }
        let task = state.withLock { state in
            if let running = state.inFlight[name] { return running }
            let task = Task<[UInt8], any Error> {
                defer { _ = self.state.withLock { $0.inFlight.removeValue(forKey: name) } }
                let bytes = try await make()
                self.store(bytes, as: name)
                return bytes
            }
            state.inFlight[name] = task
            return task
        }
        return try await task.value
    }

    /// The cached bytes of `name`, marked as just used; `nil` when they are not cached.
    private func cached(_ name: String) -> [UInt8]? {
        let known = state.withLock { state -> Bool in
            guard state.entries[name] != nil else { return false }
            state.clock += 1
            state.entries[name]!.lastUse = state.clock
            return true
        }
        guard known, let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else { return nil }
        return Array(data)
    }

    private func store(_ bytes: [UInt8], as name: String) {
        guard bytes.count <= limit else { return }
        let temporary = folder.appendingPathComponent(".\(name)-\(UUID().uuidString)")
        // The cache can always be rebuilt: no flush to disk, only a rename so a reader never sees half a file.
        guard FileManager.default.createFile(atPath: temporary.path, contents: Data(bytes)),
              rename(temporary.path, folder.appendingPathComponent(name).path) == 0
        else {
            unlink(temporary.path)
            return
        }
        state.withLock { state in
            state.computed += 1
            state.clock += 1
            if let old = state.entries[name] { state.total -= old.size }
            state.entries[name] = Entry(size: bytes.count, lastUse: state.clock)
            state.total += bytes.count
        }
        evict()
    }

    /// Drops the least recently used variants until the cache is within its limit.
    private func evict() {
        let victims = state.withLock { state -> [String] in
            guard state.total > limit else { return [] }
            var victims: [String] = []
            for (name, entry) in state.entries.sorted(by: { $0.value.lastUse < $1.value.lastUse }) {
                guard state.total > limit else { break }
                state.entries[name] = nil
                state.total -= entry.size
                victims.append(name)
            }
            return victims
        }
        for name in victims { unlink(folder.appendingPathComponent(name).path) }
    }

    /// A file name for any key: its SHA-256 in hex.
    static func fileName(for key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
