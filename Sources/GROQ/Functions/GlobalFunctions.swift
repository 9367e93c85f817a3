import Foundation

/// The functions of the `global` namespace.
enum GlobalFunctions {
    static let all: [GROQFunction] = [
        GROQFunction("global", "coalesce", arity: 0...Int.max) { args, _ in
            args.first { !$0.isNull } ?? .null
        },
        GROQFunction("global", "count", arity: 1) { args, _ in
            if case .array(let a) = args[0] { return .number(Double(a.count)) }
            return .null
        },
        GROQFunction("global", "dateTime", arity: 1) { args, _ in dateTime(args[0]) },
        GROQFunction("global", "defined", arity: 1) { args, _ in .bool(!args[0].isNull) },
        GROQFunction("global", "identity", arity: 0) { _, scope in
            .string(scope.context.identity ?? "me")
        },
        GROQFunction("global", "length", arity: 1) { args, _ in
            switch args[0] {
            case .string(let s): return .number(Double(s.unicodeScalars.count))
            case .array(let a): return .number(Double(a.count))
            default: return .null
            }
        },
        GROQFunction("global", "path", arity: 1) { args, _ in
            if case .string(let s) = args[0] { return .path(PathPattern(s)) }
            return .null
        },
        GROQFunction("global", "string", arity: 1) { args, _ in
            switch args[0] {
            case .number, .string, .bool, .dateTime: return .string(stringForm(args[0]) ?? "")
            default: return .null
            }
        },
        GROQFunction("global", "references", arity: 1...Int.max, readsScope: true) { args, scope in
            var ids = Set<String>()
            for arg in args {
                switch arg {
                case .string(let s): ids.insert(s)
                case .array(let items): for case .string(let s) in items { ids.insert(s) }
                default: break
                }
            }
            if ids.isEmpty { return .false }
            return .bool(hasReference(scope.value.json, ids))
        },
        GROQFunction("global", "round", arity: 1...2) { args, _ in
            guard case .number(let n) = args[0] else { return .null }
            var precision = 0
            if args.count == 2 {
                guard case .number(let p) = args[1], p >= 0, p == p.rounded(), p < 100 else { return .null }
                precision = Int(p)
            }
            return .numberOrNull(round(n, precision))
        },
        GROQFunction("global", "now", arity: 0) { _, scope in .string(scope.context.now.isoString) },
        GROQFunction("global", "boost", arity: 2) { _, _ in .null },
        GROQFunction("global", "lower", arity: 1) { args, _ in lower(args[0]) },
        GROQFunction("global", "upper", arity: 1) { args, _ in upper(args[0]) },
        GROQFunction("dateTime", "now", arity: 0) { _, scope in .dateTime(scope.context.now) },
    ]

    static func dateTime(_ value: Value) -> Value {
        switch value {
        case .dateTime: return value
        case .string(let s): return GROQDateTime(rfc3339: s).map { .dateTime($0) } ?? .null
        default: return .null
        }
    }

    static func lower(_ value: Value) -> Value {
        if case .string(let s) = value { return .string(s.lowercased()) }
        return .null
    }

    static func upper(_ value: Value) -> Value {
        if case .string(let s) = value { return .string(s.uppercased()) }
        return .null
    }

    /// The text of a scalar as JavaScript's `String(x)` writes it; `nil` for non-scalars.
    static func stringForm(_ value: Value) -> String? {
        switch value {
        case .number(let n): return JSONValue.number(n).serialized()  // JavaScript's number-to-string
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .dateTime(let d): return d.description
        default: return nil
        }
    }

    static func hasReference(_ value: JSONValue, _ ids: Set<String>) -> Bool {
        switch value {
        case .array(let items):
            return items.contains { hasReference($0, ids) }
        case .object(let object):
            if case .string(let ref)? = object["_ref"], !ref.isEmpty { return ids.contains(ref) }
            return object.values.contains { hasReference($0, ids) }
        default:
            return false
        }
    }

    /// Rounds half away from zero at `precision` decimals, deciding on the exact binary value as
    /// JavaScript's `toFixed` does (so 1.005 rounds to 1.00: it is really 1.00499…).
    static func round(_ n: Double, _ precision: Int) -> Double {
        guard n.isFinite else { return n }
        if precision == 0 {
            return n < 0 ? -(-n).rounded(.toNearestOrAwayFromZero) : n.rounded(.toNearestOrAwayFromZero)
        }
        if abs(n) >= 1e21 { return n }
        let extra = 30
        let long = String(format: "%.\(precision + extra)f", abs(n))
        guard let dot = long.firstIndex(of: ".") else { return n }
        let cut = long.index(dot, offsetBy: precision + 1)
        let kept = String(long[..<cut])
        let rest = long[cut...]
        var value = Double(kept) ?? n
        if let first = rest.first, first >= "5" {
            value = Double(String(format: "%.\(precision)f", (Double(kept) ?? 0) + pow(10, Double(-precision)))) ?? value
        }
        value = Double(String(format: "%.\(precision)f", value)) ?? value
        return n < 0 ? -value : value
    }
}

extension GROQDateTime {
    /// `now()` as a string: RFC 3339 with milliseconds, as JavaScript's `toISOString`.
    var isoString: String {
        let text = description
        return text.contains(".") ? text : String(text.dropLast()) + ".000Z"
    }
}
