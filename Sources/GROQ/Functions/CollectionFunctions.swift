/// The `array::`, `string::` and `math::` namespaces.
enum CollectionFunctions {
    static let all: [GROQFunction] = [
        GROQFunction("string", "lower", arity: 1) { args, _ in GlobalFunctions.lower(args[0]) },
        GROQFunction("string", "upper", arity: 1) { args, _ in GlobalFunctions.upper(args[0]) },
        GROQFunction("string", "split", arity: 2) { args, scope throws(GROQError) in
            guard case .string(let s) = args[0], case .string(let separator) = args[1] else { return .null }
            if s.isEmpty { return .array([]) }
            // A long text split into characters is millions of elements: counted before they are made.
            if separator.isEmpty {
                try scope.context.build(s.unicodeScalars.count)
                return .array(s.unicodeScalars.map { .string(String($0)) })
            }
            let parts = split(s, separator)
            try scope.context.build(parts.count)
            return .array(parts.map { .string($0) })
        },
        GROQFunction("string", "startsWith", arity: 2) { args, _ in
            guard case .string(let s) = args[0], case .string(let prefix) = args[1] else { return .null }
            return .bool(s.utf8.starts(with: prefix.utf8))
        },
        GROQFunction("array", "join", arity: 2) { args, scope throws(GROQError) in
            guard case .array(let items) = args[0], case .string(let separator) = args[1] else { return .null }
            try scope.context.tick(items.count)
            var parts: [String] = []
            parts.reserveCapacity(items.count)
            for item in items {
                switch item {
                case .number, .string, .bool: parts.append(GlobalFunctions.stringForm(Value(item)) ?? "")
                default: return .null
                }
            }
            return .string(parts.joined(separator: separator))
        },
        GROQFunction("array", "compact", arity: 1) { args, scope throws(GROQError) in
            guard case .array(let items) = args[0] else { return .null }
            try scope.context.tick(items.count)
            return .array(items.filter { !$0.isNull })
        },
        GROQFunction("array", "unique", arity: 1) { args, scope throws(GROQError) in
            guard case .array(let items) = args[0] else { return .null }
            try scope.context.tick(items.count)
            var seen = Set<JSONValue>()
            var result: [JSONValue] = []
            for item in items {
                switch item {
                case .null, .number, .string, .bool:
                    if seen.insert(item).inserted { result.append(item) }
                default:
                    result.append(item)
                }
            }
            return .array(result)
        },
        GROQFunction("array", "intersects", arity: 2) { args, scope throws(GROQError) in
            guard case .array(let a) = args[0], case .array(let b) = args[1] else { return .null }
            for x in a {
                // Quadratic: count each pass over `b`, so two large arrays cannot outrun the deadline.
                try scope.context.tick(b.count)
                let vx = Value(x)
                for y in b where Ordering.equal(vx, Value(y)) { return .true }
            }
            return .false
        },
        GROQFunction("math", "sum", arity: 1) { args, scope throws(GROQError) in
            try numbers(args[0], scope).map { .numberOrNull($0.reduce(0, +)) } ?? .null
        },
        GROQFunction("math", "avg", arity: 1) { args, scope throws(GROQError) in
            guard let ns = try numbers(args[0], scope), !ns.isEmpty else { return .null }
            return .numberOrNull(ns.reduce(0, +) / Double(ns.count))
        },
        GROQFunction("math", "min", arity: 1) { args, scope throws(GROQError) in
            guard let ns = try numbers(args[0], scope), let m = ns.min() else { return .null }
            return .number(m)
        },
        GROQFunction("math", "max", arity: 1) { args, scope throws(GROQError) in
            guard let ns = try numbers(args[0], scope), let m = ns.max() else { return .null }
            return .number(m)
        },
    ]

    /// The numbers of an array, nulls skipped; `nil` when it is not an array or holds a non-number.
    static func numbers(_ value: Value, _ scope: Scope) throws(GROQError) -> [Double]? {
        guard case .array(let items) = value else { return nil }
        try scope.context.tick(items.count)
        var out: [Double] = []
        out.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .null: continue
            case .number(let n): out.append(n)
            default: return nil
            }
        }
        return out
    }

    /// JavaScript's `split`: every occurrence of `separator`, empty pieces kept.
    static func split(_ s: String, _ separator: String) -> [String] {
        let text = Array(s.utf8), sep = Array(separator.utf8)
        var pieces: [String] = []
        var start = 0, i = 0
        while i + sep.count <= text.count {
            if text[i..<(i + sep.count)].elementsEqual(sep) {
                pieces.append(String(decoding: text[start..<i], as: UTF8.self))
                i += sep.count
                start = i
            } else {
                i += 1
            }
        }
        pieces.append(String(decoding: text[start...], as: UTF8.self))
        return pieces
    }
}
