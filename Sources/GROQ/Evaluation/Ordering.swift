/// GROQ's equality and orderings: partial comparison for `<` and friends (only values of the
/// same comparable type compare), and the total order `order()` sorts by.
enum Ordering {
    /// `==`: only null, booleans, numbers, strings and date-times are ever equal.
    @inline(__always)
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.dateTime(let x), .dateTime(let y)): return x == y
        default: return false
        }
    }

    /// Negative, zero or positive; `nil` when the two values do not compare.
    @inline(__always)
    static func partialCompare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.string(let x), .string(let y)): return compareStrings(x, y)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (x ? 1 : -1)
        case (.dateTime(let x), .dateTime(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        default: return nil
        }
    }

    /// Strings compare by UTF-16 code unit, as in the reference implementation.
    @inline(__always)
    static func compareStrings(_ x: String, _ y: String) -> Int {
        if x == y { return 0 }
        var ix = x.utf16.makeIterator(), iy = y.utf16.makeIterator()
        while true {
            switch (ix.next(), iy.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let cx?, let cy?):
                if cx != cy { return cx < cy ? -1 : 1 }
            }
        }
    }

    private static func rank(_ v: Value) -> Int {
        switch v {
        case .dateTime: 1
        case .number: 2
        case .string: 3
        case .bool: 4
        default: 100
        }
    }

    /// The total order of `order()`: date-times, numbers, strings, booleans, then everything
    /// else (which ties).
    static func totalCompare(_ a: Value, _ b: Value) -> Int {
        let ra = rank(a), rb = rank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        return partialCompare(a, b) ?? 0
    }
}
