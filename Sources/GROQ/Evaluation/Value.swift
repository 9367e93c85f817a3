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
        case .object(let o):
            if o.count == 1, case .number(let ms)? = o[Self.dateTimeMarker] {
                self = .dateTime(GROQDateTime(milliseconds: Int64(ms)))
            } else {
                self = .object(o)
            }
        }
    }

    /// The key under which a date-time travels inside an array or object built while evaluating.
    ///
    /// Arrays and objects hold plain JSON so that documents flow through unconverted; a
    /// date-time placed in one must still compare and sort as a date-time (`[dateTime(a)][0] ==
    /// dateTime(a)`), so it is carried as a one-member object under this key, which no JSON
    /// document can hold by accident (it starts with a NUL character), and turned into its RFC
    /// 3339 string when the query's result is handed out (``GROQQuery``).
    static let dateTimeMarker = "\u{0}groq.dateTime"

    @inline(__always)
    init(_ json: JSONValue?) {
        if let json { self.init(json) } else { self = .null }
    }

    /// The JSON form inside an evaluation: a date-time becomes its marker object (see
    /// ``dateTimeMarker``), a path its pattern.
    @inline(__always)
    var json: JSONValue {
        switch self {
        case .null: .null
        case .bool(let b): .bool(b)
        case .number(let n): n.isFinite ? .number(n) : .null
        case .string(let s): .string(s)
        case .array(let a): .array(a)
        case .object(let o): .object(o)
        case .dateTime(let d): .object([Self.dateTimeMarker: .number(Double(d.milliseconds))])
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

extension JSONValue {
    /// This value with every date-time marker replaced by the date-time's RFC 3339 string.
    func resolvingDateTimeMarkers() -> JSONValue {
        switch self {
        case .array(let items):
            return .array(items.map { $0.resolvingDateTimeMarkers() })
        case .object(let object):
            if object.count == 1, case .number(let ms)? = object[GROQ.Value.dateTimeMarker] {
                return .string(GROQDateTime(milliseconds: Int64(ms)).description)
            }
            var copy = object
            for (key, value) in object { copy[key] = value.resolvingDateTimeMarkers() }
            return .object(copy)
        default:
            return self
        }
    }
}
