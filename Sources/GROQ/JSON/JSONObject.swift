/// A JSON object: members keep the order in which they were inserted, as Sanity documents do.
///
/// Its API is the part of `OrderedDictionary<String, JSONValue>` that Facet uses (the type it
/// replaces), but its members live in one allocation, keys beside values, and the whole object
/// is a single reference. A dataset is mostly small objects: an ordered dictionary made each of
/// them two arrays (and a hash table past 15 keys) and every ``JSONValue`` 32 bytes instead of 24,
/// which together cost about a third of the memory a loaded dataset took.
///
/// Lookups compare keys in order up to ``JSONObject/indexedCount`` members (as the ordered
/// dictionary did up to 15); a larger object keeps a hash index, so an object of 100,000 keys
/// is still built and read in linear time.
///
/// ```swift
/// var customer: JSONObject = ["_id": "c-1", "name": "Ada"]
/// customer["tier"] = "gold"          // appended after "name"
/// customer.removeValue(forKey: "name")
/// Array(customer.keys)                // ["_id", "tier"]
/// ```
// Unchecked: the storage is a class, but a shared one is never written (writers copy first).
public struct JSONObject: @unchecked Sendable {
    public typealias Element = (key: String, value: JSONValue)

    @usableFromInline var storage: JSONObjectStorage?

    /// Objects up to this size are searched in order; larger ones keep a hash index.
    public static let indexedCount = 32

    /// An empty object, which allocates nothing.
    @inlinable public init() { storage = nil }

    /// An empty object with room for `minimumCapacity` members.
    public init(minimumCapacity: Int) {
        storage = minimumCapacity > 0 ? JSONObjectStorage.make(capacity: minimumCapacity) : nil
    }

    /// An object of `keys` and `values` taken pairwise, the keys known to be distinct.
    public init(uncheckedUniqueKeys keys: some Sequence<String>, values: some Sequence<JSONValue>) {
        self.init(minimumCapacity: keys.underestimatedCount)
        for (key, value) in zip(keys, values) { append(key, value) }
    }

    /// An object of these members, whose keys must be distinct (a repeated key traps, as in
    /// `Dictionary(uniqueKeysWithValues:)`).
    public init(uniqueKeysWithValues members: some Sequence<(String, JSONValue)>) {
        self.init(minimumCapacity: members.underestimatedCount)
        for (key, value) in members {
            precondition(index(forKey: key) == nil, "Duplicate key \(key) in JSONObject(uniqueKeysWithValues:)")
            append(key, value)
        }
    }

    /// An object of `keys` and `values` taken pairwise that shares its list of keys with every
    /// other object made alike (see ``JSONObjectKeys``); `nil` when the keys cannot be shared
    /// (one is repeated, there are none or too many, or the process holds as many lists as it
    /// may), and the object is then built member by member.
    init?(sharingKeys keys: ArraySlice<String>, values: ArraySlice<JSONValue>) {
        guard let list = SharedObjectKeys.list(for: keys) else { return nil }
        let storage = JSONObjectStorage.make(sharing: list)
        for value in values { storage.appendValue(value) }
        self.storage = storage
    }

    /// The number of members.
    @inlinable public var count: Int { storage?.count ?? 0 }
    /// Whether the object has no members.
    @inlinable public var isEmpty: Bool { count == 0 }

    /// The position of `key`'s member, or `nil`.
    @inlinable
    public func index(forKey key: String) -> Int? {
        guard let storage else { return nil }
        return storage.index(of: key)
    }

    /// The value under `key`, looked for first at `hint`, which is then set to where it was
    /// found: objects made alike (a dataset's documents of one type) keep their keys in the same
    /// order, so reading one field of many of them in turn finds each at the first look instead
    /// of comparing every key before it or hashing it.
    ///
    /// ```swift
    /// var hint = -1
    /// let totals = orders.map { $0.objectValue?.value(forKey: "total", hint: &hint) }
    /// ```
    @inlinable
    public func value(forKey key: String, hint: inout Int) -> JSONValue? {
        guard let storage else { return nil }
        if hint >= 0, storage.hasKey(key, at: hint) { return storage.value(at: hint) }
        guard let index = storage.index(of: key) else { return nil }
        hint = index
        return storage.value(at: index)
    }

    /// The member under `key`; assigning `nil` removes it, assigning to a new key appends it.
    public subscript(key: String) -> JSONValue? {
        @inlinable get {
            guard let storage, let index = storage.index(of: key) else { return nil }
            return storage.value(at: index)
        }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
        _modify {
            if let index = index(forKey: key) {
                makeUnique(capacity: count)
                var value: JSONValue? = storage!.takeValue(at: index)
                defer {
                    if let value { storage!.putValue(value, at: index) } else { remove(at: index) }
                }
                yield &value
            } else {
                var value: JSONValue? = nil
                defer { if let value { append(key, value) } }
                yield &value
            }
        }
    }

    /// The member under `key`, or `defaultValue` (added when the access mutates).
    public subscript(key: String, default defaultValue: @autoclosure () -> JSONValue) -> JSONValue {
        get { self[key] ?? defaultValue() }
        _modify {
            let index: Int
            if let found = self.index(forKey: key) {
                index = found
            } else {
                append(key, defaultValue())
                index = count - 1
            }
            makeUnique(capacity: count)
            var value = storage!.takeValue(at: index)
            defer { storage!.putValue(value, at: index) }
            yield &value
        }
    }

    /// Sets `key` to `value`, appending a new member; returns the value it replaced.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let index = index(forKey: key) {
            makeUnique(capacity: count)
            let old = storage!.takeValue(at: index)
            storage!.putValue(value, at: index)
            return old
        }
        append(key, value)
        return nil
    }

    /// `body` applied to the value at `index`, read in place rather than copied out: a scan that
    /// tests one field of every document then retains nothing.
    @inlinable
    public func withValue<Result>(at index: Int, _ body: (JSONValue) throws -> Result) rethrows -> Result {
        precondition(index >= 0 && index < count, "JSONObject index out of range")
        return try storage!.withValue(at: index, body)
    }

    /// This object with one more member after its own, `key` not being one of them, sharing
    /// their storage instead of copying it.
    ///
    /// What the drafts perspective shows of a published document is that document and its
    /// `_originalId`: a copy of every document's members to add one made that view cost as
    /// much memory as the documents themselves. The result is copied whole the first time it is
    /// changed.
    public func appending(_ key: String, _ value: JSONValue) -> JSONObject {
        precondition(index(forKey: key) == nil, "JSONObject.appending: \(key) is already a key")
        guard let storage, !storage.extendsBase else {
            var copy = self
            copy.append(key, value)
            return copy
        }
        // The one key, `_originalId` for every document of the drafts view, is a shared list.
        let extended: JSONObjectStorage
        if let list = SharedObjectKeys.list(for: [key]) {
            extended = JSONObjectStorage.make(sharing: list)
            extended.appendValue(value)
        } else {
            extended = JSONObjectStorage.make(capacity: 1)
            extended.append(key, value)
        }
        extended.header.base = Unmanaged.passRetained(storage)
        var object = JSONObject()
        object.storage = extended
        return object
    }

    /// Removes `key`'s member, keeping the others in order; returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = index(forKey: key) else { return nil }
        return remove(at: index).value
    }

    /// Removes the member at `index`, keeping the others in order.
    @discardableResult
    public mutating func remove(at index: Int) -> Element {
        precondition(index >= 0 && index < count, "JSONObject index out of range")
        makeUnique(capacity: count, ownKeys: true)
        return storage!.remove(at: index)
    }

    /// Removes every member.
    public mutating func removeAll(keepingCapacity: Bool = false) {
        if keepingCapacity, storage != nil, isKnownUniquelyReferenced(&storage!), !storage!.sharesKeys {
            storage!.removeAll()
        } else {
            storage = nil
        }
    }

    /// Removes the members `shouldBeRemoved` picks, keeping the others in order.
    public mutating func removeAll(where shouldBeRemoved: (Element) throws -> Bool) rethrows {
        self = try filter { try !shouldBeRemoved($0) }
    }

    /// Makes room for `minimumCapacity` members.
    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        makeUnique(capacity: Swift.max(minimumCapacity, count))
    }

    /// Adds `other`'s members: a new key is appended, a key already here takes
    /// `combine(current, new)` in its place.
    public mutating func merge(_ other: some Sequence<Element>, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue) rethrows {
        for (key, value) in other {
            if let index = index(forKey: key) {
                let merged = try combine(storage!.value(at: index), value)
                makeUnique(capacity: count)
                _ = storage!.takeValue(at: index)
                storage!.putValue(merged, at: index)
            } else {
                append(key, value)
            }
        }
    }

    /// ``merge(_:uniquingKeysWith:)`` on a copy.
    public func merging(_ other: some Sequence<Element>, uniquingKeysWith combine: (JSONValue, JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var copy = self
        try copy.merge(other, uniquingKeysWith: combine)
        return copy
    }

    /// The members `isIncluded` keeps, in order.
    public func filter(_ isIncluded: (Element) throws -> Bool) rethrows -> JSONObject {
        var kept = JSONObject()
        for member in self where try isIncluded(member) { kept.append(member.key, member.value) }
        return kept
    }

    /// The same keys with transformed values.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var mapped = JSONObject(minimumCapacity: count)
        for (key, value) in self { mapped.append(key, try transform(value)) }
        return mapped
    }

    /// Reorders the members.
    public mutating func sort(by areInIncreasingOrder: (Element, Element) throws -> Bool) rethrows {
        let sorted = try self.sorted(by: areInIncreasingOrder)
        var rebuilt = JSONObject(minimumCapacity: sorted.count)
        for (key, value) in sorted { rebuilt.append(key, value) }
        self = rebuilt
    }

    /// Appends a member whose key is not in the object yet.
    @usableFromInline
    mutating func append(_ key: String, _ value: JSONValue) {
        makeUnique(capacity: count + 1, ownKeys: true)
        storage!.append(key, value)
    }

    /// Makes `storage` this object's own, with room for `capacity` members, and with keys of its
    /// own when `ownKeys` says a member will be added or removed.
    @usableFromInline
    mutating func makeUnique(capacity: Int, ownKeys: Bool = false) {
        guard storage != nil else {
            storage = JSONObjectStorage.make(capacity: Swift.max(capacity, 1))
            return
        }
        // Checked before any other reference to the storage is taken, which would make it shared.
        let unique = isKnownUniquelyReferenced(&storage!)
        let current = storage!
        // An object extending another's members is made whole before it is changed.
        let currentCapacity = current.ownCapacity
        if unique, !current.extendsBase, currentCapacity >= capacity, !(ownKeys && current.sharesKeys) { return }
        let grown = capacity > currentCapacity ? Swift.max(capacity, currentCapacity * 2) : currentCapacity
        storage = current.copy(capacity: grown, ownKeys: ownKeys)
    }
}

// MARK: Views

extension JSONObject: Sequence {
    public struct Iterator: IteratorProtocol {
        @usableFromInline let storage: JSONObjectStorage?
        @usableFromInline var index = 0
        @usableFromInline init(storage: JSONObjectStorage?) { self.storage = storage }

        @inlinable
        public mutating func next() -> Element? {
            guard let storage, index < storage.count else { return nil }
            defer { index += 1 }
            return storage.member(at: index)
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(storage: storage) }
    @inlinable public var underestimatedCount: Int { count }
}

extension JSONObject {
    /// The members as a random-access collection (`elements[0]` is the first member).
    public struct Elements: RandomAccessCollection, Sendable {
        @usableFromInline let object: JSONObject
        @usableFromInline init(object: JSONObject) { self.object = object }
        @inlinable public var startIndex: Int { 0 }
        @inlinable public var endIndex: Int { object.count }
        @inlinable public subscript(position: Int) -> Element {
            precondition(position >= 0 && position < endIndex, "JSONObject index out of range")
            return object.storage!.member(at: position)
        }
    }

    /// The keys in order.
    public struct Keys: RandomAccessCollection, Sendable {
        @usableFromInline let object: JSONObject
        @usableFromInline init(object: JSONObject) { self.object = object }
        @inlinable public var startIndex: Int { 0 }
        @inlinable public var endIndex: Int { object.count }
        @inlinable public subscript(position: Int) -> String {
            precondition(position >= 0 && position < endIndex, "JSONObject index out of range")
            return object.storage!.key(at: position)
        }
        /// Whether `key` is one of the keys, found as a lookup finds it.
        @inlinable public func contains(_ key: String) -> Bool { object.index(forKey: key) != nil }
        @inlinable public func firstIndex(of key: String) -> Int? { object.index(forKey: key) }
    }

    /// The values in order; a value is replaced in place with `values[i] = …`.
    public struct Values: RandomAccessCollection, MutableCollection, Sendable {
        @usableFromInline var object: JSONObject
        @usableFromInline init(object: JSONObject) { self.object = object }
        @inlinable public var startIndex: Int { 0 }
        @inlinable public var endIndex: Int { object.count }
        public subscript(position: Int) -> JSONValue {
            get {
                precondition(position >= 0 && position < endIndex, "JSONObject index out of range")
                return object.storage!.value(at: position)
            }
            set {
                precondition(position >= 0 && position < endIndex, "JSONObject index out of range")
                object.makeUnique(capacity: object.count)
                _ = object.storage!.takeValue(at: position)
                object.storage!.putValue(newValue, at: position)
            }
        }
    }

    @inlinable public var elements: Elements { Elements(object: self) }
    @inlinable public var keys: Keys { Keys(object: self) }
    public var values: Values {
        get { Values(object: self) }
        _modify {
            // Moved out and back, so that a write through the view finds the storage unique.
            var view = Values(object: self)
            self = JSONObject()
            defer { self = view.object }
            yield &view
        }
    }
}

// MARK: Literals, equality, description

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(minimumCapacity: elements.count)
        for (key, value) in elements { self[key] = value }
    }
}

/// Equality is member by member in order, as the ordered dictionary's was (``JSONValue``'s
/// own equality ignores key order).
extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        if lhs.storage === rhs.storage { return true }
        guard lhs.count == rhs.count else { return false }
        for (left, right) in zip(lhs, rhs) where left.key != right.key || left.value != right.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for (key, value) in self {
            hasher.combine(key)
            hasher.combine(value)
        }
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String {
        "[" + map { "\($0.key.debugDescription): \($0.value)" }.joined(separator: ", ") + "]"
    }
}
