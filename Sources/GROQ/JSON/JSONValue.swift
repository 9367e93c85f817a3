/// One JSON value — the value model shared by GROQ, the document store and the schema.
///
/// Numbers are `Double`, as in JSON and GROQ. Objects keep their keys in insertion order, so a
/// document reads back exactly as it was written.
///
/// ```swift
/// let doc: JSONValue = ["_id": "c-1", "_type": "customer", "tags": ["vip", "ring"]]
/// doc["tags"]?[0]          // .string("vip")
/// try JSONValue(parsing: #"{"a": 1}"#)
/// ```
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The member of an object under `key`, or `nil` when this is not an object or lacks the key.
    @inlinable
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element of an array at `index`, or `nil` when this is not an array or the index is out of range.
    @inlinable
    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    @inlinable public var isNull: Bool { if case .null = self { return true } else { return false } }
    @inlinable public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    @inlinable public var numberValue: Double? { if case .number(let n) = self { return n } else { return nil } }
    @inlinable public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    @inlinable public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    @inlinable public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }

    /// The GROQ / JSON type name of this value: `null`, `boolean`, `number`, `string`, `array` or `object`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject(minimumCapacity: elements.count)
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

/// Equality is JSON's: numbers compare as doubles and object key order does not matter
/// (`{"a":1,"b":2}` equals `{"b":2,"a":1}`).
extension JSONValue: Hashable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let other = b[key], other == value else { return false }
            }
            return true
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        case .number(let n): hasher.combine(2); hasher.combine(n)
        case .string(let s): hasher.combine(3); hasher.combine(s)
        case .array(let a): hasher.combine(4); hasher.combine(a)
        case .object(let o):
            // Order-independent: combine the members' hashes commutatively.
            var sum = 0
            for (key, value) in o {
                var h = Hasher()
                h.combine(key)
                h.combine(value)
                sum = sum &+ h.finalize()
            }
            hasher.combine(5)
            hasher.combine(o.count)
            hasher.combine(sum)
        }
    }
}
