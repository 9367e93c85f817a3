/// The members of one ``JSONObject`` in a single allocation: its values, then its keys, or its
/// values and a shared list of keys (``JSONObjectKeys``), with a hash index past
/// ``JSONObject/indexedCount`` members. Never changed once shared: a writer copies it first.
///
/// A storage with shared keys has room for exactly its values; one with keys of its own keeps
/// them after its values' room. Values may be replaced in place either way; a member is added
/// or removed only with keys of its own (``JSONObject`` copies the storage first).
@usableFromInline
final class JSONObjectStorage: ManagedBuffer<JSONObjectStorage.Header, JSONValue> {
    @usableFromInline
    struct Header {
        // 32-bit: the header of every object in a dataset is 8 bytes smaller, and no object
        // Facet accepts comes near two billion members.
        @usableFromInline var storedCount: Int32
        @usableFromInline var storedCapacity: Int32
        /// The keys, when they are a list shared with objects made alike; never retained, as a
        /// shared list is never freed.
        @usableFromInline var sharedKeys: Unmanaged<JSONObjectKeys>?
        /// Positions by own key, kept only for large objects.
        @usableFromInline var positions: [String: Int]?
        /// The object whose members come before these ones (see ``JSONObject/appending(_:_:)``);
        /// it never has a base of its own, and an object with one is never changed in place.
        ///
        /// Retained by hand (released when this storage is freed or emptied) and read without
        /// retaining it: every document of the drafts view extends a published one, and a
        /// query reading their fields on every core spent a tenth of its time counting
        /// references to the bases it looked into.
        @usableFromInline var base: Unmanaged<JSONObjectStorage>?

        @usableFromInline init(count: Int, capacity: Int, sharedKeys: Unmanaged<JSONObjectKeys>?) {
            storedCount = Int32(count)
            storedCapacity = Int32(capacity)
            self.sharedKeys = sharedKeys
            self.positions = nil
            self.base = nil
        }

        @inlinable var count: Int {
            get { Int(storedCount) }
            set { storedCount = Int32(newValue) }
        }
        @inlinable var capacity: Int { Int(storedCapacity) }
    }

    /// A storage with room for `capacity` members, keys included.
    static func make(capacity: Int) -> JSONObjectStorage {
        precondition(capacity < Int(Int32.max) / 2, "A JSON object of \(capacity) members is more than Facet holds")
        let keySlots = (capacity * MemoryLayout<String>.stride + MemoryLayout<JSONValue>.stride - 1) / MemoryLayout<JSONValue>.stride
        let buffer = JSONObjectStorage.create(minimumCapacity: capacity + keySlots) { _ in
            Header(count: 0, capacity: capacity, sharedKeys: nil)
        }
        return unsafeDowncast(buffer, to: JSONObjectStorage.self)
    }

    /// A storage for the values of `keys`, which are appended with ``appendValue(_:)``.
    static func make(sharing keys: Unmanaged<JSONObjectKeys>) -> JSONObjectStorage {
        let count = keys._withUnsafeGuaranteedRef { $0.count }
        let buffer = JSONObjectStorage.create(minimumCapacity: count) { _ in
            Header(count: 0, capacity: count, sharedKeys: keys)
        }
        return unsafeDowncast(buffer, to: JSONObjectStorage.self)
    }

    deinit {
        withUnsafeMutablePointers { header, values in
            _ = values.deinitialize(count: header.pointee.count)
            if header.pointee.sharedKeys == nil {
                Self.ownKeys(header, values).deinitialize(count: header.pointee.count)
            }
            header.pointee.base?.release()
        }
    }

    /// Where the keys of a storage without shared keys are: after its values' room.
    @inlinable
    static func ownKeys(_ header: UnsafeMutablePointer<Header>, _ values: UnsafeMutablePointer<JSONValue>) -> UnsafeMutablePointer<String> {
        UnsafeMutableRawPointer(values + header.pointee.capacity).assumingMemoryBound(to: String.self)
    }

    /// This storage's own keys, wherever they are.
    @inlinable
    static func keys(_ header: UnsafeMutablePointer<Header>, _ values: UnsafeMutablePointer<JSONValue>) -> UnsafeMutablePointer<String> {
        if let shared = header.pointee.sharedKeys { return shared._withUnsafeGuaranteedRef { $0.keys } }
        return ownKeys(header, values)
    }

    /// How many members, the base's included.
    @inlinable
    var count: Int {
        withUnsafeMutablePointerToHeader { header in
            header.pointee.count + (header.pointee.base?._withUnsafeGuaranteedRef { $0.ownCount } ?? 0)
        }
    }

    /// How many members this storage holds itself, its base's left out. Read through a pointer:
    /// reading `header`, a stored property of a class, is checked for exclusive access at run
    /// time, which cost a twentieth of a projection over every document.
    @inlinable
    var ownCount: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }

    /// How many members this storage has room for, read as ``ownCount`` is.
    @usableFromInline
    var ownCapacity: Int { withUnsafeMutablePointerToHeader { $0.pointee.capacity } }

    /// Whether these members follow another object's (see ``JSONObject/appending(_:_:)``).
    @usableFromInline
    var extendsBase: Bool { withUnsafeMutablePointerToHeader { $0.pointee.base != nil } }

    /// Whether the keys are a shared list, so that no member can be added or removed in place.
    @usableFromInline
    var sharesKeys: Bool { withUnsafeMutablePointerToHeader { $0.pointee.sharedKeys != nil } }

    @inlinable
    func index(of key: String) -> Int? {
        index(of: key, length: key.utf8.count)
    }

    /// `index(of:)` with the key's length in UTF-8 worked out once. Keys of another length are
    /// passed over without comparing them: a string comparison that fails is a call into the
    /// runtime, and finding `total` among an order's twenty keys made one per key before it,
    /// a third of a projection's time. (The length of a native string is in its bits, read
    /// without following a pointer.)
    @inlinable
    func index(of key: String, length: Int) -> Int? {
        withUnsafeMutablePointers { header, values in
            var offset = 0
            if let base = header.pointee.base {
                let (found, baseCount) = base._withUnsafeGuaranteedRef { ($0.index(of: key, length: length), $0.ownCount) }
                if let found { return found }
                offset = baseCount
            }
            if let shared = header.pointee.sharedKeys {
                return shared._withUnsafeGuaranteedRef { $0.index(of: key, length: length) }.map { $0 + offset }
            }
            if let positions = header.pointee.positions { return positions[key].map { $0 + offset } }
            let keys = Self.ownKeys(header, values)
            for index in 0..<header.pointee.count where keys[index].utf8.count == length && keys[index] == key {
                return index + offset
            }
            return nil
        }
    }

    @inlinable
    func member(at index: Int) -> JSONObject.Element {
        withUnsafeMutablePointers { header, values in
            guard let base = header.pointee.base else { return (Self.keys(header, values)[index], values[index]) }
            return base._withUnsafeGuaranteedRef { base in
                let baseCount = base.ownCount
                if index < baseCount { return base.member(at: index) }
                return (Self.keys(header, values)[index - baseCount], values[index - baseCount])
            }
        }
    }

    /// The key at `index`, read without copying out its value.
    @inlinable
    func key(at index: Int) -> String {
        withUnsafeMutablePointers { header, values in
            guard let base = header.pointee.base else { return Self.keys(header, values)[index] }
            return base._withUnsafeGuaranteedRef { base in
                let baseCount = base.ownCount
                return index < baseCount ? base.key(at: index) : Self.keys(header, values)[index - baseCount]
            }
        }
    }

    /// Whether the member at `index` (which may be out of range) is under `key`, read in
    /// place.
    @inlinable
    func hasKey(_ key: String, at index: Int) -> Bool {
        withUnsafeMutablePointers { header, values in
            var own = index
            if let base = header.pointee.base {
                let (found, baseCount) = base._withUnsafeGuaranteedRef { base in
                    (index < base.ownCount && base.hasKey(key, at: index), base.ownCount)
                }
                if found { return true }
                own -= baseCount
            }
            return own >= 0 && own < header.pointee.count && Self.keys(header, values)[own] == key
        }
    }

    @inlinable
    func value(at index: Int) -> JSONValue { withValue(at: index) { $0 } }

    @inlinable
    func withValue<Result>(at index: Int, _ body: (JSONValue) throws -> Result) rethrows -> Result {
        try withUnsafeMutablePointers { header, values in
            guard let base = header.pointee.base else { return try body(values[index]) }
            return try base._withUnsafeGuaranteedRef { base in
                let baseCount = base.ownCount
                return index < baseCount ? try base.withValue(at: index, body) : try body(values[index - baseCount])
            }
        }
    }

    /// Moves the value at `index` out, leaving `null` until ``putValue(_:at:)``: a caller that
    /// edits a nested value in place then holds its only reference.
    func takeValue(at index: Int) -> JSONValue {
        withUnsafeMutablePointerToElements { values in
            let value = (values + index).pointee
            (values + index).pointee = .null
            return value
        }
    }

    func putValue(_ value: JSONValue, at index: Int) {
        withUnsafeMutablePointerToElements { $0[index] = value }
    }

    /// Adds the value of the next shared key.
    func appendValue(_ value: JSONValue) {
        withUnsafeMutablePointers { header, values in
            let count = header.pointee.count
            (values + count).initialize(to: value)
            header.pointee.count = count + 1
        }
    }

    func append(_ key: String, _ value: JSONValue) {
        withUnsafeMutablePointers { header, values in
            precondition(header.pointee.sharedKeys == nil, "A member was added to an object whose keys are shared")
            let count = header.pointee.count
            let keys = Self.ownKeys(header, values)
            (values + count).initialize(to: value)
            (keys + count).initialize(to: key)
            header.pointee.count = count + 1
            if header.pointee.positions != nil {
                header.pointee.positions![key] = count
            } else if count + 1 > JSONObject.indexedCount {
                header.pointee.positions = Self.positions(of: keys, count: count + 1)
            }
        }
    }

    private static func positions(of keys: UnsafeMutablePointer<String>, count: Int) -> [String: Int] {
        var positions = [String: Int](minimumCapacity: count)
        for index in 0..<count { positions[keys[index]] = index }
        return positions
    }

    func remove(at index: Int) -> JSONObject.Element {
        withUnsafeMutablePointers { header, values in
            precondition(header.pointee.sharedKeys == nil, "A member was removed from an object whose keys are shared")
            let count = header.pointee.count
            let keys = Self.ownKeys(header, values)
            let removed = ((keys + index).move(), (values + index).move())
            (values + index).moveInitialize(from: values + index + 1, count: count - index - 1)
            (keys + index).moveInitialize(from: keys + index + 1, count: count - index - 1)
            header.pointee.count = count - 1
            if header.pointee.positions != nil {
                header.pointee.positions = count - 1 > JSONObject.indexedCount ? Self.positions(of: keys, count: count - 1) : nil
            }
            return removed
        }
    }

    func removeAll() {
        withUnsafeMutablePointers { header, values in
            precondition(header.pointee.sharedKeys == nil, "An object whose keys are shared was emptied in place")
            values.deinitialize(count: header.pointee.count)
            Self.ownKeys(header, values).deinitialize(count: header.pointee.count)
            header.pointee.count = 0
            header.pointee.positions = nil
            header.pointee.base?.release()
            header.pointee.base = nil
        }
    }

    /// A copy with room for `capacity` members, made whole when this one extends a base. The
    /// copy shares this one's keys when they are shared and it has room for no more members
    /// than it holds, unless `ownKeys` asks for keys of its own.
    func copy(capacity: Int, ownKeys: Bool) -> JSONObjectStorage {
        let count = self.count
        if let shared = withUnsafeMutablePointerToHeader({ $0.pointee.sharedKeys }), !ownKeys, !extendsBase, capacity <= count {
            let copy = JSONObjectStorage.make(sharing: shared)
            withUnsafeMutablePointers { header, values in
                copy.withUnsafeMutablePointers { copyHeader, copyValues in
                    copyValues.initialize(from: values, count: header.pointee.count)
                    copyHeader.pointee.count = header.pointee.count
                }
            }
            return copy
        }
        let whole = JSONObjectStorage.make(capacity: Swift.max(capacity, count))
        for index in 0..<count {
            let member = member(at: index)
            whole.append(member.key, member.value)
        }
        return whole
    }
}
