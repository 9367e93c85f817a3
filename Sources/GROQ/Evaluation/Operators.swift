/// GROQ's binary operators over evaluated values.
enum Operators {
    static func apply(_ op: BinaryOperator, _ l: Value, _ r: Value) -> Value {
        switch op {
        case .equal: return .bool(Ordering.equal(l, r))
        case .notEqual: return .bool(!Ordering.equal(l, r))
        case .less: return Ordering.partialCompare(l, r).map { .bool($0 < 0) } ?? .null
        case .lessOrEqual: return Ordering.partialCompare(l, r).map { .bool($0 <= 0) } ?? .null
        case .greater: return Ordering.partialCompare(l, r).map { .bool($0 > 0) } ?? .null
        case .greaterOrEqual: return Ordering.partialCompare(l, r).map { .bool($0 >= 0) } ?? .null
        case .in: return contains(l, r)
        case .match: return .bool(TextMatch.matches(text: l, pattern: r))
        case .add, .subtract, .multiply, .divide, .modulo, .power: return arithmetic(op, l, r)
        }
    }

    static func contains(_ l: Value, _ r: Value) -> Value {
        switch r {
        case .path(let pattern):
            switch l {
            case .string(let s): return .bool(pattern.matches(s))
            case .path(let p): return .bool(pattern.matches(p.pattern))
            default: return .null
            }
        case .array(let items):
            for item in items where Ordering.equal(l, Value(item)) { return .true }
            return .false
        default:
            return .null
        }
    }

    static func arithmetic(_ op: BinaryOperator, _ l: Value, _ r: Value) -> Value {
        switch (op, l, r) {
        case (.add, .number(let a), .number(let b)): return .numberOrNull(a + b)
        case (.add, .string(let a), .string(let b)): return .string(a + b)
        case (.add, .array(let a), .array(let b)): return .array(a + b)
        case (.add, .object(let a), .object(let b)):
            var merged = a
            for (key, value) in b { merged[key] = value }
            return .object(merged)
        case (.add, .dateTime(let d), .number(let n)), (.add, .number(let n), .dateTime(let d)):
            return d.adding(seconds: n).map { .dateTime($0) } ?? .null
        case (.subtract, .number(let a), .number(let b)): return .numberOrNull(a - b)
        case (.subtract, .dateTime(let d), .number(let n)):
            return d.adding(seconds: -n).map { .dateTime($0) } ?? .null
        case (.subtract, .dateTime(let a), .dateTime(let b)):
            return .number(Double(a.milliseconds - b.milliseconds) / 1000)
        case (.multiply, .number(let a), .number(let b)): return .numberOrNull(a * b)
        case (.divide, .number(let a), .number(let b)): return .numberOrNull(a / b)
        case (.modulo, .number(let a), .number(let b)): return .numberOrNull(a.truncatingRemainder(dividingBy: b))
        case (.power, .number(let a), .number(let b)): return .numberOrNull(pow(a, b))
        default: return .null
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
