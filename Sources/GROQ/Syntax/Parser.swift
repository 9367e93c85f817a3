/// Turns GROQ text into a ``Node`` tree, following the grammar and operator precedence of the
/// GROQ specification (and the reference parser where the specification is silent).
///
/// Parameters known at parse time are substituted as literals, which lets `*[$field]` mean an
/// attribute access when `$field` is a string, as it does in Sanity.
struct Parser {
    let source: String
    let b: [UInt8]
    var pos = 0
    let params: [String: JSONValue]?
    var customFunctions: [String: CustomFunction] = [:]
    var expanding: Set<String> = []
    var allowBoost = false
    /// Inside a custom function body: the name of its parameter, which parses as `.parameter`.
    var functionParameter: String? = nil
    /// While finding the end of a custom function body, calls of custom functions are not expanded.
    var skimCustomCalls = false
    /// How deeply expressions nest right now; bounded so that a hostile query cannot exhaust the
    /// stack of the parser or, later, of the evaluator.
    private var depth = 0
    static let maximumDepth = 200

    struct CustomFunction {
        let name: String
        let parameter: String
        let bodyStart: Int
        let offset: Int
    }

    // Precedence levels, highest binds tightest.
    private static let precPair = 1, precOr = 2, precAnd = 3, precComp = 4, precOrder = 4
    private static let precAdd = 6, precMul = 7, precPow = 8, precNeg = 8, precNot = 10, precPos = 10

    init(_ source: String, params: [String: JSONValue]?) {
        self.source = source
        self.b = Array(source.utf8)
        self.params = params
    }

    // MARK: Entry

    mutating func parseQuery() throws(GROQError) -> Node {
        skipWS()
        while atKeyword("fn") {
            try parseFunctionDeclaration()
            skipWS()
        }
        let node = try parseExpr(0)
        skipWS()
        if pos < b.count {
            throw syntax("unexpected \(describeHere()) after the end of the expression", at: pos)
        }
        try validateTopLevel(node)
        try rejectMisplacedOrdering(node)
        return node
    }

    /// `asc` and `desc` only mean something as the direct arguments of `order()`.
    private func rejectMisplacedOrdering(_ node: Node) throws(GROQError) {
        switch node {
        case .pipe(.order, let base, let args):
            try rejectMisplacedOrdering(base)
            for arg in args {
                switch arg {
                case .asc(let inner, _), .desc(let inner, _): try rejectMisplacedOrdering(inner)
                default: try rejectMisplacedOrdering(arg)
                }
            }
        case .asc(_, let offset), .desc(_, let offset):
            throw query("'asc' and 'desc' may only follow a whole argument of order(), as in order(name desc)", at: offset)
        default:
            for child in node.children { try rejectMisplacedOrdering(child) }
        }
    }

    /// Pairs and tuples are only allowed in `select()`, conditional projections and selectors.
    func validateTopLevel(_ node: Node) throws(GROQError) {
        switch node {
        case .pair(_, _, let offset):
            throw query("'=>' is only allowed inside select() and object projections", at: offset)
        case .tuple(_, let offset):
            throw query("a tuple '(a, b)' is only allowed as a diff::changedAny() selector", at: offset)
        default: return
        }
    }

    // MARK: Errors

    func syntax(_ message: String, at offset: Int) -> GROQError {
        GROQError(.syntax, message, at: offset, in: source)
    }

    func query(_ message: String, at offset: Int?) -> GROQError {
        GROQError(.query, message, at: offset, in: source)
    }

    func describeHere() -> String {
        guard pos < b.count else { return "end of query" }
        var end = pos + 1
        while end < b.count, b[end] & 0xC0 == 0x80 { end += 1 }
        let text = String(decoding: b[pos..<end], as: UTF8.self)
        return "'\(text)'"
    }

    // MARK: Lexical helpers

    @inline(__always) func peek(_ offset: Int = 0) -> UInt8 {
        let i = pos + offset
        return i < b.count ? b[i] : 0
    }

    mutating func skipWS() {
        while pos < b.count {
            let c = b[pos]
            switch c {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20:
                pos += 1
            case 0xC2 where pos + 1 < b.count && (b[pos + 1] == 0x85 || b[pos + 1] == 0xA0):
                pos += 2
            case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                while pos < b.count, b[pos] != 0x0A { pos += 1 }
            default:
                return
            }
        }
    }

    @inline(__always) private static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c == 95
    }

    @inline(__always) private static func isIdentChar(_ c: UInt8) -> Bool {
        isIdentStart(c) || (c >= 48 && c <= 57)
    }

    func identLength(at start: Int) -> Int {
        guard start < b.count, Self.isIdentStart(b[start]) else { return 0 }
        var i = start + 1
        while i < b.count, Self.isIdentChar(b[i]) { i += 1 }
        return i - start
    }

    func text(_ start: Int, _ end: Int) -> String {
        String(decoding: b[start..<end], as: UTF8.self)
    }

    private func atKeyword(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard pos + w.count <= b.count else { return false }
        for (i, c) in w.enumerated() where b[pos + i] != c { return false }
        return pos + w.count == b.count || !Self.isIdentChar(b[pos + w.count])
    }

    mutating func expect(_ char: UInt8, _ what: String) throws(GROQError) {
        skipWS()
        guard peek() == char else {
            throw syntax("expected \(what), found \(describeHere())", at: pos)
        }
        pos += 1
    }

    // MARK: Expressions

    mutating func parseExpr(_ level: Int) throws(GROQError) -> Node {
        skipWS()
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw query("the query nests deeper than \(Self.maximumDepth) levels; simplify it", at: pos)
        }
        let start = pos
        guard pos < b.count else { throw syntax("expected an expression, found end of query", at: pos) }
        var lhs: Node
        let c = b[pos]
        switch c {
        case UInt8(ascii: "+"):
            pos += 1
            lhs = .plus(try parseExpr(Self.precPos))
        case UInt8(ascii: "-"):
            pos += 1
            lhs = .negate(try parseExpr(Self.precNeg))
        case UInt8(ascii: "!"):
            pos += 1
            lhs = .not(try parseExpr(Self.precNot))
        case UInt8(ascii: "("):
            lhs = try parseGroupOrTuple()
        case UInt8(ascii: "{"):
            lhs = try parseObject()
        case UInt8(ascii: "["):
            lhs = try parseArray()
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            lhs = .literal(.string(try parseString()))
        case UInt8(ascii: "^"):
            pos += 1
            var n = 1
            while peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: "^") {
                n += 1
                pos += 2
            }
            lhs = .parent(n)
        case UInt8(ascii: "@"):
            pos += 1
            lhs = .this
        case UInt8(ascii: "*"):
            pos += 1
            lhs = .everything
        case UInt8(ascii: "$"):
            let len = identLength(at: pos + 1)
            guard len > 0 else { throw syntax("expected a parameter name after '$'", at: pos + 1) }
            let name = text(pos + 1, pos + 1 + len)
            pos += 1 + len
            if name == functionParameter {
                lhs = .parameter(name, offset: start)
            } else if let params, let value = params[name] {
                lhs = .literal(Value(value))
            } else {
                lhs = .parameter(name, offset: start)
            }
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            lhs = .literal(try parseNumber())
        default:
            let len = identLength(at: pos)
            guard len > 0 else {
                throw syntax("expected an expression, found \(describeHere())", at: pos)
            }
            let name = text(pos, pos + len)
            pos += len
            if peek() == UInt8(ascii: "(") || (peek() == UInt8(ascii: ":") && peek(1) == UInt8(ascii: ":")) {
                lhs = try parseFunctionCall(name: name, start: start)
            } else {
                switch name {
                case "true": lhs = .literal(.true)
                case "false": lhs = .literal(.false)
                case "null": lhs = .literal(.null)
                default: lhs = .attribute(.this, name)
                }
            }
        }

        var lhsLevel = 12
        loop: while true {
            skipWS()
            guard pos < b.count else { break }
            if let traversals = try parseTraversals() {
                lhs = buildTraversal(base: lhs, traversals)
                continue
            }
            let opStart = pos
            let c = b[pos]
            switch c {
            case UInt8(ascii: "="):
                if peek(1) == UInt8(ascii: ">") {
                    if level > Self.precPair || lhsLevel <= Self.precPair { break loop }
                    pos += 2
                    let rhs = try parseExpr(Self.precPair)
                    lhs = .pair(lhs, rhs, offset: opStart)
                    lhsLevel = Self.precPair
                } else if peek(1) == UInt8(ascii: "=") {
                    if level > Self.precComp || lhsLevel <= Self.precComp { break loop }
                    pos += 2
                    lhs = .binary(.equal, lhs, try parseExpr(Self.precComp + 1))
                    lhsLevel = Self.precComp
                } else {
                    throw syntax("expected '==' or '=>', found a single '='", at: pos)
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                if level > Self.precAdd || lhsLevel < Self.precAdd { break loop }
                pos += 1
                let rhs = try parseExpr(Self.precAdd + 1)
                lhs = .binary(c == UInt8(ascii: "+") ? .add : .subtract, lhs, rhs)
                lhsLevel = Self.precAdd
            case UInt8(ascii: "*"):
                if peek(1) == UInt8(ascii: "*") {
                    if level > Self.precPow || lhsLevel <= Self.precPow { break loop }
                    pos += 2
                    lhs = .binary(.power, lhs, try parseExpr(Self.precPow))
                    lhsLevel = Self.precPow
                } else {
                    if level > Self.precMul || lhsLevel < Self.precMul { break loop }
                    pos += 1
                    lhs = .binary(.multiply, lhs, try parseExpr(Self.precMul + 1))
                    lhsLevel = Self.precMul
                }
            case UInt8(ascii: "/"), UInt8(ascii: "%"):
                if level > Self.precMul || lhsLevel < Self.precMul { break loop }
                pos += 1
                let rhs = try parseExpr(Self.precMul + 1)
                lhs = .binary(c == UInt8(ascii: "/") ? .divide : .modulo, lhs, rhs)
                lhsLevel = Self.precMul
            case UInt8(ascii: "<"), UInt8(ascii: ">"):
                if level > Self.precComp || lhsLevel <= Self.precComp { break loop }
                let orEqual = peek(1) == UInt8(ascii: "=")
                pos += orEqual ? 2 : 1
                let op: BinaryOperator =
                    c == UInt8(ascii: "<") ? (orEqual ? .lessOrEqual : .less) : (orEqual ? .greaterOrEqual : .greater)
                lhs = .binary(op, lhs, try parseExpr(Self.precComp + 1))
                lhsLevel = Self.precComp
            case UInt8(ascii: "!"):
                guard peek(1) == UInt8(ascii: "=") else { break loop }
                if level > Self.precComp || lhsLevel <= Self.precComp { break loop }
                pos += 2
                lhs = .binary(.notEqual, lhs, try parseExpr(Self.precComp + 1))
                lhsLevel = Self.precComp
            case UInt8(ascii: "&"):
                guard peek(1) == UInt8(ascii: "&") else {
                    throw syntax("expected '&&', found a single '&'", at: pos)
                }
                if level > Self.precAnd || lhsLevel < Self.precAnd { break loop }
                pos += 2
                lhs = .and(lhs, try parseExpr(Self.precAnd + 1))
                lhsLevel = Self.precAnd
            case UInt8(ascii: "|"):
                if peek(1) == UInt8(ascii: "|") {
                    if level > Self.precOr || lhsLevel < Self.precOr { break loop }
                    pos += 2
                    lhs = .or(lhs, try parseExpr(Self.precOr + 1))
                    lhsLevel = Self.precOr
                } else {
                    if level > 11 || lhsLevel < 11 { break loop }
                    pos += 1
                    lhs = try parsePipeCall(base: lhs, pipeOffset: opStart)
                    lhsLevel = 11
                }
            default:
                let len = identLength(at: pos)
                guard len > 0 else { break loop }
                let word = text(pos, pos + len)
                switch word {
                case "asc", "desc":
                    if level > Self.precOrder || lhsLevel < Self.precOrder { break loop }
                    let keyword = pos
                    pos += len
                    lhs = word == "asc" ? .asc(lhs, offset: keyword) : .desc(lhs, offset: keyword)
                    lhsLevel = Self.precOrder
                case "match":
                    if level > Self.precComp || lhsLevel <= Self.precComp { break loop }
                    pos += len
                    lhs = .binary(.match, lhs, try parseExpr(Self.precComp + 1))
                    lhsLevel = Self.precComp
                case "in":
                    if level > Self.precComp || lhsLevel <= Self.precComp { break loop }
                    pos += len
                    lhs = try parseIn(lhs)
                    lhsLevel = Self.precComp
                default:
                    break loop
                }
            }
        }
        return lhs
    }

    private mutating func parseIn(_ lhs: Node) throws(GROQError) -> Node {
        skipWS()
        var isGroup = false
        if peek() == UInt8(ascii: "(") {
            isGroup = true
            pos += 1
        }
        let left = try parseExpr(Self.precComp + 1)
        skipWS()
        var result: Node
        if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: ".") {
            let inclusive = peek(2) != UInt8(ascii: ".")
            pos += inclusive ? 2 : 3
            let right = try parseExpr(Self.precComp + 1)
            result = .inRange(lhs, left, right, inclusive: inclusive)
        } else {
            result = .binary(.in, lhs, left)
        }
        if isGroup {
            try expect(UInt8(ascii: ")"), "')' to close the group after 'in'")
        }
        return result
    }

    private mutating func parseNumber() throws(GROQError) -> Value {
        let start = pos
        while peek() >= 48, peek() <= 57 { pos += 1 }
        if peek() == UInt8(ascii: "."), peek(1) >= 48, peek(1) <= 57 {
            pos += 1
            while peek() >= 48, peek() <= 57 { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            pos += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { pos += 1 }
            let digits = pos
            while peek() >= 48, peek() <= 57 { pos += 1 }
            guard pos > digits else { throw syntax("expected digits in the exponent of a number", at: pos) }
        }
        guard let value = Double(text(start, pos)) else {
            throw syntax("invalid number", at: start)
        }
        return .number(value)
    }

    /// A string literal in single or double quotes, with JSON escapes plus `\'` and `\u{...}`.
    private mutating func parseString() throws(GROQError) -> String {
        let quote = b[pos]
        let start = pos
        pos += 1
        var out = [UInt8]()
        var pendingHigh: UInt32? = nil
        func flushHigh(_ out: inout [UInt8]) {
            if pendingHigh != nil {
                out.append(contentsOf: [0xEF, 0xBF, 0xBD])
                pendingHigh = nil
            }
        }
        while true {
            guard pos < b.count else {
                throw syntax("unterminated string: expected a closing \(quote == 34 ? "\"" : "'")", at: start)
            }
            let c = b[pos]
            if c == quote {
                pos += 1
                flushHigh(&out)
                break
            }
            if c != UInt8(ascii: "\\") {
                flushHigh(&out)
                out.append(c)
                pos += 1
                continue
            }
            let escapeStart = pos
            pos += 1
            guard pos < b.count else { throw syntax("unterminated escape sequence", at: escapeStart) }
            let e = b[pos]
            pos += 1
            var scalarValue: UInt32
            switch e {
            case UInt8(ascii: "'"): scalarValue = 0x27
            case UInt8(ascii: "\""): scalarValue = 0x22
            case UInt8(ascii: "\\"): scalarValue = 0x5C
            case UInt8(ascii: "/"): scalarValue = 0x2F
            case UInt8(ascii: "b"): scalarValue = 0x08
            case UInt8(ascii: "f"): scalarValue = 0x0C
            case UInt8(ascii: "n"): scalarValue = 0x0A
            case UInt8(ascii: "r"): scalarValue = 0x0D
            case UInt8(ascii: "t"): scalarValue = 0x09
            case UInt8(ascii: "u"):
                var hexStart = pos
                var hexEnd: Int
                if peek() == UInt8(ascii: "{") {
                    hexStart = pos + 1
                    hexEnd = hexStart
                    while hexEnd < b.count, b[hexEnd] != UInt8(ascii: "}") { hexEnd += 1 }
                    guard hexEnd < b.count else { throw syntax("expected '}' to end the \\u{...} escape", at: escapeStart) }
                    pos = hexEnd + 1
                } else {
                    hexEnd = hexStart + 4
                    guard hexEnd <= b.count else { throw syntax("expected four hex digits after \\u", at: escapeStart) }
                    pos = hexEnd
                }
                guard hexEnd > hexStart, hexEnd - hexStart <= 6,
                    let v = UInt32(text(hexStart, hexEnd), radix: 16)
                else { throw syntax("invalid unicode escape: expected hex digits", at: escapeStart) }
                scalarValue = v
            default:
                throw syntax("unknown escape sequence '\\\(String(UnicodeScalar(e)))'", at: escapeStart)
            }
            if (0xD800...0xDBFF).contains(scalarValue) {
                flushHigh(&out)
                pendingHigh = scalarValue
                continue
            }
            if (0xDC00...0xDFFF).contains(scalarValue) {
                if let high = pendingHigh {
                    scalarValue = 0x10000 + ((high - 0xD800) << 10) + (scalarValue - 0xDC00)
                    pendingHigh = nil
                } else {
                    scalarValue = 0xFFFD
                }
            } else {
                flushHigh(&out)
            }
            let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func parseGroupOrTuple() throws(GROQError) -> Node {
        let start = pos
        pos += 1
        let first = try parseExpr(0)
        skipWS()
        if peek() == UInt8(ascii: ")") {
            pos += 1
            if case .pair(_, _, let offset) = first {
                throw query("'=>' is only allowed inside select() and object projections", at: offset)
            }
            return .group(first)
        }
        guard peek() == UInt8(ascii: ",") else {
            throw syntax("expected ')' to close the group, found \(describeHere())", at: pos)
        }
        var members = [first]
        while peek() == UInt8(ascii: ",") {
            pos += 1
            members.append(try parseExpr(0))
            skipWS()
        }
        try expect(UInt8(ascii: ")"), "')' after the tuple")
        return .tuple(members, offset: start)
    }

    private mutating func parseArray() throws(GROQError) -> Node {
        let start = pos
        pos += 1
        var elements: [ArrayElement] = []
        skipWS()
        if peek() != UInt8(ascii: "]") {
            while true {
                skipWS()
                var isSplat = false
                if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: "."), peek(2) == UInt8(ascii: ".") {
                    isSplat = true
                    pos += 3
                }
                let value = try parseExpr(0)
                try validateTopLevel(value)
                elements.append(ArrayElement(value: value, isSplat: isSplat))
                skipWS()
                guard peek() == UInt8(ascii: ",") else { break }
                pos += 1
                skipWS()
                if peek() == UInt8(ascii: "]") { break }
            }
        }
        skipWS()
        guard peek() == UInt8(ascii: "]") else {
            throw syntax("expected ',' or ']' in the array that starts at offset \(start), found \(describeHere())", at: pos)
        }
        pos += 1
        return .array(elements)
    }

    mutating func parseObject() throws(GROQError) -> Node {
        pos += 1
        var entries: [ObjectEntry] = []
        skipWS()
        while peek() != UInt8(ascii: "}") {
            let entryStart = pos
            if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: "."), peek(2) == UInt8(ascii: ".") {
                pos += 3
                skipWS()
                if peek() == UInt8(ascii: "}") || peek() == UInt8(ascii: ",") {
                    entries.append(.splat(.this))
                } else {
                    let value = try parseExpr(0)
                    try validateTopLevel(value)
                    entries.append(.splat(value))
                }
            } else {
                let isStringKey = peek() == UInt8(ascii: "\"") || peek() == UInt8(ascii: "'")
                let expr = try parseExpr(0)
                skipWS()
                if isStringKey, case .literal(.string(let key)) = expr, peek() == UInt8(ascii: ":") {
                    pos += 1
                    let value = try parseExpr(0)
                    try validateTopLevel(value)
                    entries.append(.value(key, value))
                } else if case .pair(let condition, let value, _) = expr {
                    entries.append(.conditional(condition, value))
                } else {
                    try validateTopLevel(expr)
                    guard let key = Self.propertyKey(expr) else {
                        throw query(
                            "cannot tell which key this projection member should have: write it as \"name\": expression",
                            at: entryStart)
                    }
                    entries.append(.value(key, expr))
                }
            }
            skipWS()
            guard peek() == UInt8(ascii: ",") else { break }
            pos += 1
            skipWS()
        }
        guard peek() == UInt8(ascii: "}") else {
            throw syntax("expected ',' or '}' in the object, found \(describeHere())", at: pos)
        }
        pos += 1
        var keys: [String] = []
        var values: [Node] = []
        for case .value(let key, let value) in entries {
            keys.append(key)
            values.append(value)
        }
        if keys.count == entries.count && Set(keys).count == keys.count {
            return .record(keys: keys, values: values)
        }
        return .object(entries)
    }

    /// The key a bare projection member gets: `{name}` → "name", `{author->name}` → "author".
    static func propertyKey(_ node: Node) -> String? {
        switch node {
        case .attribute(.this, let name): return name
        case .attribute(.dereference(let base), _): return propertyKey(base)
        case .pipe(_, let base, _), .dereference(let base), .map(let base, _), .flatMap(let base, _),
            .projection(let base, _), .slice(let base, _, _, _), .filter(let base, _), .element(let base, _),
            .arrayCoerce(let base), .group(let base):
            return propertyKey(base)
        default: return nil
        }
    }
}
