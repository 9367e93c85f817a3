import Synchronization

/// The keys of every JSON object made alike — a dataset's documents of one type, their addresses,
/// their order lines — held once for all of them.
///
/// A loaded dataset is mostly objects whose keys repeat: the 101,563 documents of the demo CRM
/// hold 2.9 million members in 72 different key lists. Kept beside each value, the keys took
/// 16 bytes a member and an allocation for every key longer than 15 bytes, a fifth of the
/// memory the documents took. A shared key list is made once, by ``SharedObjectKeys``, and
/// never freed, so an object can point at it without counting references to it: two cores
/// reading fields of many documents then never contend for one reference count.
@usableFromInline
final class JSONObjectKeys: ManagedBuffer<JSONObjectKeys.Header, String> {
    @usableFromInline
    struct Header {
        @usableFromInline var count: Int
        @usableFromInline var hash: UInt64
        /// Positions by key, kept only past ``JSONObject/indexedCount`` keys.
        @usableFromInline var positions: [String: Int]?
    }

    /// The keys in order; valid for as long as the process runs, as the list is never freed.
    @inlinable
    var keys: UnsafeMutablePointer<String> { withUnsafeMutablePointerToElements { $0 } }

    @inlinable
    var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }

    /// The position of `key`, found as an object's own keys are searched.
    @inlinable
    func index(of key: String, length: Int) -> Int? {
        withUnsafeMutablePointers { header, keys in
            if header.pointee.positions != nil { return header.pointee.positions![key] }
            for index in 0..<header.pointee.count where keys[index].utf8.count == length && keys[index] == key {
                return index
            }
            return nil
        }
    }

    static func make(_ keys: ArraySlice<String>, hash: UInt64) -> JSONObjectKeys {
        let made = JSONObjectKeys.create(minimumCapacity: keys.count) { _ in
            Header(count: keys.count, hash: hash, positions: nil)
        }
        let list = unsafeDowncast(made, to: JSONObjectKeys.self)
        list.withUnsafeMutablePointers { header, elements in
            var index = 0
            for key in keys {
                (elements + index).initialize(to: key)
                index += 1
            }
            if keys.count > JSONObject.indexedCount {
                var positions = [String: Int](minimumCapacity: keys.count)
                for position in 0..<keys.count { positions[elements[position]] = position }
                header.pointee.positions = positions
            }
        }
        return list
    }

    /// Whether these are `keys`, byte for byte and in order.
    func matches(_ keys: ArraySlice<String>, hash: UInt64) -> Bool {
        withUnsafeMutablePointers { header, elements in
            guard header.pointee.hash == hash, header.pointee.count == keys.count else { return false }
            var index = 0
            for key in keys {
                guard elements[index] == key else { return false }
                index += 1
            }
            return true
        }
    }
}

/// The process's shared key lists (see ``JSONObjectKeys``), found without a lock.
///
/// An open-addressed table of 131,072 slots (1 MiB), read with atomic loads: decoding a dataset
/// on every core looks a key list up for each of its objects, and a lock there would make the
/// cores wait on each other. Adding a list takes a lock. The table is bounded, so input made
/// of ever new keys (a client sending objects with random keys) cannot grow it without limit:
/// past 65,536 lists or 16 MiB of keys, objects of a new kind keep their keys themselves, as
/// objects of more than 64 members and objects with a repeated key always do. A list is one
/// set of keys in one order, so a type whose optional fields come and go has a list for each
/// combination met: a long-running server meets many, and the bound is set well above what
/// a large dataset's documents and drafts make.
enum SharedObjectKeys {
    static let slotCount = 1 << 17
    static let maximumLists = 1 << 16
    static let maximumKeys = 64
    static let maximumBytes = 16 << 20

    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<Atomic<UInt>> = {
        let slots = UnsafeMutablePointer<Atomic<UInt>>.allocate(capacity: slotCount)
        for index in 0..<slotCount { (slots + index).initialize(to: Atomic(0)) }
        return slots
    }()

    private static let additions = Mutex<(lists: Int, bytes: Int)>((0, 0))

    /// How much of the table is taken: lists and bytes of keys.
    static var usage: (lists: Int, bytes: Int) { additions.withLock { $0 } }

    /// The shared list of `keys`, made if need be; `nil` when they cannot be shared (none, too
    /// many, repeated, or the table is full).
    static func list(for keys: ArraySlice<String>) -> Unmanaged<JSONObjectKeys>? {
        guard !keys.isEmpty, keys.count <= maximumKeys else { return nil }
        let hash = hash(of: keys)
        if let found = find(keys, hash: hash) { return found }
        return additions.withLock { state -> Unmanaged<JSONObjectKeys>? in
            if let found = find(keys, hash: hash) { return found }
            guard state.lists < maximumLists else { return nil }
            var bytes = 0
            for key in keys { bytes += 16 + key.utf8.count }
            guard state.bytes + bytes <= maximumBytes, areDistinct(keys) else { return nil }
            let list = Unmanaged.passRetained(JSONObjectKeys.make(keys, hash: hash))
            var slot = Int(truncatingIfNeeded: hash) & (slotCount - 1)
            while slots[slot].load(ordering: .relaxed) != 0 { slot = (slot + 1) & (slotCount - 1) }
            slots[slot].store(UInt(bitPattern: list.toOpaque()), ordering: .releasing)
            state.lists += 1
            state.bytes += bytes
            return list
        }
    }

    private static func find(_ keys: ArraySlice<String>, hash: UInt64) -> Unmanaged<JSONObjectKeys>? {
        var slot = Int(truncatingIfNeeded: hash) & (slotCount - 1)
        while true {
            let bits = slots[slot].load(ordering: .acquiring)
            guard bits != 0, let pointer = UnsafeRawPointer(bitPattern: bits) else { return nil }
            let list = Unmanaged<JSONObjectKeys>.fromOpaque(pointer)
            if list._withUnsafeGuaranteedRef({ $0.matches(keys, hash: hash) }) { return list }
            slot = (slot + 1) & (slotCount - 1)
        }
    }

    /// FNV-1a over the keys' UTF-8 bytes, each key closed by a byte UTF-8 never holds: two lists
    /// of the same characters in other normal forms get other hashes, so a shared list always
    /// holds its keys exactly as they were written.
    static func hash(of keys: ArraySlice<String>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for var key in keys {
            key.withUTF8 { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            }
            hash = (hash ^ 0xFF) &* 0x100_0000_01b3
        }
        return hash
    }

    private static func areDistinct(_ keys: ArraySlice<String>) -> Bool {
        var seen = Set<String>(minimumCapacity: keys.count)
        for key in keys where !seen.insert(key).inserted { return false }
        return true
    }
}
