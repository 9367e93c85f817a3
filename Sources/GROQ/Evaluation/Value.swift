import OrderedCollections

/// A value while a query is evaluated: JSON plus the two kinds GROQ adds, date-times and path
/// patterns. Arrays and objects hold plain ``JSONValue``s, so documents flow through the evaluator
/// without being converted.
enum Value: Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
    case dateTime(GROQDateTime)
    case path(PathPattern)

    @inline(__always)
    init(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let n): self = .number(n)
        case .string(let s): self = .string(s)
        case .array(let a): self = .array(a)
        case .object(let o): self = .object(o)
        }
    }

    @inline(__always)
    init(_ json: JSONValue?) {
        if let json { self.init(json) } else { self = .null }
    }

    /// The JSON form: a date-time becomes its RFC 3339 string, a path its pattern.
    @inline(__always)
    var json: JSONValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): n.isFinite ? .number(n) : .null
        case .string(let s): .string(s)
        case .array(let a): .array(a)
        case .object(let o): .object(o)
        case .dateTime(let d): .string(d.description)
        case .path(let p): .string(p.pattern)
        }
    }

    static let `true` = Value.bool(true)
    static let `false` = Value.bool(false)

    @inline(__always)
    var isTrue: Bool { if case .bool(true) = self { return true } else { return false } }

    @inline(__always)
    var isNull: Bool { if case .null = self { return true } else { return false } }

    /// A number result: GROQ has no infinities or NaN, they become null.
    @inline(__always)
    static func numberOrNull(_ n: Double) -> Value { n.isFinite ? .number(n) : .null }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        case .dateTime: "datetime"
        case .path: "path"
        }
    }
}

/// A GROQ path pattern such as `drafts.**` made by `path()`: `*` matches one dot-separated
/// segment, `**` any number of them.
struct PathPattern: Sendable, Hashable {
    let pattern: String
    private let segments: [Substring]

    init(_ pattern: String) {
        self.pattern = pattern
        self.segments = pattern.split(separator: ".", omittingEmptySubsequences: false)
    }

    func matches(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return Self.match(segments[...], parts[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ parts: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return parts.isEmpty }
        if first == "**" {
            // `**` spans one or more characters across segments, as `.*` does in the reference.
            let rest = pattern.dropFirst()
            if rest.isEmpty { return !parts.isEmpty }
            var index = parts.startIndex
            while index < parts.endIndex {
                if match(rest, parts[(index + 1)...]) { return true }
                index += 1
            }
            return false
        }
        guard let part = parts.first else { return false }
        if first == "*" { return !part.isEmpty && match(pattern.dropFirst(), parts.dropFirst()) }
        return first == part && match(pattern.dropFirst(), parts.dropFirst())
    }
}
