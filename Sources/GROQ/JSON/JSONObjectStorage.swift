/// The members of one ``JSONObject`` in a single allocation, with a hash index past
/// ``JSONObject/indexedCount`` members. Never changed once shared: a writer copies it first.
@usableFromInline
final class JSONObjectStorage: ManagedBuffer<JSONObjectStorage.Header, JSONObject.Element> {
    @usableFromInline
    struct Header {
        // 32-bit: the header of every object in a dataset is 8 bytes smaller, and no object
        // Facet accepts comes near two billion members.
        @usableFromInline var storedCount: Int32
        @usableFromInline var storedCapacity: Int32
        /// Positions by key, kept only for large objects.
        @usableFromInline var positions: [String: Int]?
        /// The object whose members come before these ones (see ``JSONObject/appending(_:_:)``);
        /// it never has a base of its own, and an object with one is never changed in place.
        ///
        /// Retained by hand (released when this storage is freed or emptied) and read without
        /// retaining it: every document of the drafts view extends a published one, and a
        /// query reading their fields on every core spent a tenth of its time counting
        /// references to the bases it looked into.
        @usableFromInline var base: Unmanaged<JSONObjectStorage>?

        @usableFromInline init(count: Int, capacity: Int, positions: [String: Int]?) {
            storedCount = Int32(count)
            storedCapacity = Int32(capacity)
            self.positions = positions
            self.base = nil
        }

        @inlinable var count: Int {
            get { Int(storedCount) }
            set { storedCount = Int32(newValue) }
        }
        @inlinable var capacity: Int { Int(storedCapacity) }
    }

    static func make(capacity: Int) -> JSONObjectStorage {
        precondition(capacity < Int(Int32.max), "A JSON object of \(capacity) members is more than Facet holds")
        let buffer = JSONObjectStorage.create(minimumCapacity: capacity) { _ in
            Header(count: 0, capacity: capacity, positions: nil)
        }
        return unsafeDowncast(buffer, to: JSONObjectStorage.self)
    }

    deinit {
        withUnsafeMutablePointers { header, members in
            _ = members.deinitialize(count: header.pointee.count)
            header.pointee.base?.release()
        }
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
        withUnsafeMutablePointers { header, members in
            var offset = 0
            if let base = header.pointee.base {
                let (found, baseCount) = base._withUnsafeGuaranteedRef { ($0.index(of: key, length: length), $0.ownCount) }
                if let found { return found }
                offset = baseCount
            }
            if let positions = header.pointee.positions { return positions[key].map { $0 + offset } }
            for index in 0..<header.pointee.count where members[index].key.utf8.count == length && members[index].key == key {
                return index + offset
            }
            return nil
        }
    }

    @inlinable
    func member(at index: Int) -> JSONObject.Element {
        withUnsafeMutablePointers { header, members in
            guard let base = header.pointee.base else { return members[index] }
            return base._withUnsafeGuaranteedRef { base in
                let baseCount = base.ownCount
                return index < baseCount ? base.member(at: index) : members[index - baseCount]
            }
        }
    }

    @inlinable
    func key(at index: Int) -> String { member(at: index).key }

    /// Whether the member at `index` (which may be out of range) is under `key`, read in
    /// place.
    @inlinable
    func hasKey(_ key: String, at index: Int) -> Bool {
        withUnsafeMutablePointers { header, members in
            var own = index
            if let base = header.pointee.base {
                let (found, baseCount) = base._withUnsafeGuaranteedRef { base in
                    (index < base.ownCount && base.hasKey(key, at: index), base.ownCount)
                }
                if found { return true }
                own -= baseCount
            }
            return own >= 0 && own < header.pointee.count && members[own].key == key
        }
    }

    @inlinable
    func value(at index: Int) -> JSONValue { withValue(at: index) { $0 } }

    @inlinable
    func withValue<Result>(at index: Int, _ body: (JSONValue) throws -> Result) rethrows -> Result {
        try withUnsafeMutablePointers { header, members in
            guard let base = header.pointee.base else { return try body(members[index].value) }
            return try base._withUnsafeGuaranteedRef { base in
                let baseCount = base.ownCount
                return index < baseCount ? try base.withValue(at: index, body) : try body(members[index - baseCount].value)
            }
        }
    }

    /// Moves the value at `index` out, leaving `null` until ``putValue(_:at:)``: a caller that
    /// edits a nested value in place then holds its only reference.
    func takeValue(at index: Int) -> JSONValue {
        withUnsafeMutablePointerToElements { members in
            let value = (members + index).pointee.value
            (members + index).pointee.value = .null
            return value
        }
    }

    func putValue(_ value: JSONValue, at index: Int) {
        withUnsafeMutablePointerToElements { $0[index].value = value }
    }

    func append(_ key: String, _ value: JSONValue) {
        withUnsafeMutablePointers { header, members in
            let count = header.pointee.count
            (members + count).initialize(to: (key, value))
            header.pointee.count = count + 1
            if header.pointee.positions != nil {
                header.pointee.positions![key] = count
            } else if count + 1 > JSONObject.indexedCount {
                var positions = [String: Int](minimumCapacity: count + 1)
                for index in 0...count { positions[members[index].key] = index }
                header.pointee.positions = positions
            }
        }
    }

    func remove(at index: Int) -> JSONObject.Element {
        withUnsafeMutablePointers { header, members in
            let count = header.pointee.count
            let removed = (members + index).move()
            (members + index).moveInitialize(from: members + index + 1, count: count - index - 1)
            header.pointee.count = count - 1
            if header.pointee.positions != nil {
                if count - 1 > JSONObject.indexedCount {
                    var positions = [String: Int](minimumCapacity: count - 1)
                    for position in 0..<(count - 1) { positions[members[position].key] = position }
                    header.pointee.positions = positions
                } else {
                    header.pointee.positions = nil
                }
            }
            return removed
        }
    }

    func removeAll() {
        withUnsafeMutablePointers { header, members in
            members.deinitialize(count: header.pointee.count)
            header.pointee.count = 0
            header.pointee.positions = nil
            header.pointee.base?.release()
            header.pointee.base = nil
        }
    }

    /// A copy with room for `capacity` members, made whole when this one extends a base.
    func copy(capacity: Int) -> JSONObjectStorage {
        if extendsBase {
            let whole = JSONObjectStorage.make(capacity: Swift.max(capacity, count))
            for index in 0..<count {
                let member = member(at: index)
                whole.append(member.key, member.value)
            }
            return whole
        }
        let copy = JSONObjectStorage.make(capacity: capacity)
        withUnsafeMutablePointers { header, members in
            copy.withUnsafeMutablePointers { copyHeader, copyMembers in
                copyMembers.initialize(from: members, count: header.pointee.count)
                copyHeader.pointee.count = header.pointee.count
                copyHeader.pointee.positions = header.pointee.positions
            }
        }
        return copy
    }
}
