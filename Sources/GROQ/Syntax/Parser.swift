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
    /// How deep the tree being built is at this point: one level per enclosing expression and
    /// one per link of an operator or traversal chain before it (`1-1-1…` nests its links as
    /// deeply as `((1-1)-1)…`). Bounded, so that no query can exhaust the stack of the parser,
    /// of the passes over its tree or of the evaluator.
    var depth = 0
    /// What the query may cost to parse (``GROQLimits``), and the expressions parsed so far,
    /// shared with the copies that expand custom functions: the size of the expanded tree is
    /// bounded, not only that of the text.
    let budget: ParseBudget

    struct CustomFunction {
        let name: String
        let parameter: String
        let bodyStart: Int
        let offset: Int
    }

    // Precedence levels, highest binds tightest.
    private static let precPair = 1, precOr = 2, precAnd = 3, precComp = 4, precOrder = 4
    private static let precAdd = 6, precMul = 7, precPow = 8, precNeg = 8, precNot = 10, precPos = 10, precPipe = 11

    init(_ source: String, params: [String: JSONValue]?, limits: GROQLimits = .standard,
         deadline: ContinuousClock.Instant? = nil) {
        self.source = source
        self.b = Array(source.utf8)
        self.params = params
        self.budget = ParseBudget(limits: limits, deadline: deadline)
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
        let entryDepth = depth
        defer { depth = entryDepth }
        try deepen(at: pos)
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
        while true {
            skipWS()
            guard pos < b.count else { break }
            if let traversals = try parseTraversals() {
                lhs = buildTraversal(base: lhs, traversals)
                continue
            }
            guard let op = try infixOperator() else { break }
            // Binding: a left-associative operator continues a chain of its own level; a right- or
            // non-associative one does not (`a == b == c` stops at the second `==`).
            let continues = op.associativity == .left ? lhsLevel >= op.precedence : lhsLevel > op.precedence
            guard level <= op.precedence, continues else { break }
            let opStart = pos
            // Each link puts the chain so far one level further down the tree.
            try deepen(at: opStart)
            pos += op.length
            switch op.kind {
            case .binary(let binary):
                let rhsLevel = op.associativity == .right ? op.precedence : op.precedence + 1
                lhs = .binary(binary, lhs, try parseExpr(rhsLevel))
            case .and:
                lhs = .and(lhs, try parseExpr(op.precedence + 1))
            case .or:
                lhs = .or(lhs, try parseExpr(op.precedence + 1))
            case .pair:
                lhs = .pair(lhs, try parseExpr(op.precedence), offset: opStart)
            case .pipe:
                lhs = try parsePipeCall(base: lhs, pipeOffset: opStart)
            case .asc:
                lhs = .asc(lhs, offset: opStart)
            case .desc:
                lhs = .desc(lhs, offset: opStart)
            case .in:
                lhs = try parseIn(lhs)
            }
            lhsLevel = op.precedence
        }
        return lhs
    }

    enum Associativity { case left, right, none }

    /// An infix or postfix operator: what it builds, how tightly it binds, how many bytes it is.
    struct InfixOperator {
        enum Kind {
            case binary(BinaryOperator)
            case and, or, pair, pipe, asc, desc, `in`
        }

        let kind: Kind
        let length: Int
        let precedence: Int
        let associativity: Associativity
    }

    /// The operator at the current position, or `nil` when the expression ends here.
    private func infixOperator() throws(GROQError) -> InfixOperator? {
        func op(_ kind: InfixOperator.Kind, _ length: Int, _ precedence: Int, _ associativity: Associativity) -> InfixOperator {
            InfixOperator(kind: kind, length: length, precedence: precedence, associativity: associativity)
        }
        let next = peek(1)
        switch peek() {
        case UInt8(ascii: "="):
            if next == UInt8(ascii: ">") { return op(.pair, 2, Self.precPair, .right) }
            if next == UInt8(ascii: "=") { return op(.binary(.equal), 2, Self.precComp, .none) }
            throw syntax("expected '==' or '=>', found a single '='", at: pos)
        case UInt8(ascii: "!"):
            return next == UInt8(ascii: "=") ? op(.binary(.notEqual), 2, Self.precComp, .none) : nil
        case UInt8(ascii: "<"):
            return next == UInt8(ascii: "=") ? op(.binary(.lessOrEqual), 2, Self.precComp, .none) : op(.binary(.less), 1, Self.precComp, .none)
        case UInt8(ascii: ">"):
            return next == UInt8(ascii: "=") ? op(.binary(.greaterOrEqual), 2, Self.precComp, .none) : op(.binary(.greater), 1, Self.precComp, .none)
        case UInt8(ascii: "+"): return op(.binary(.add), 1, Self.precAdd, .left)
        case UInt8(ascii: "-"): return op(.binary(.subtract), 1, Self.precAdd, .left)
        case UInt8(ascii: "*"):
            return next == UInt8(ascii: "*") ? op(.binary(.power), 2, Self.precPow, .right) : op(.binary(.multiply), 1, Self.precMul, .left)
        case UInt8(ascii: "/"): return op(.binary(.divide), 1, Self.precMul, .left)
        case UInt8(ascii: "%"): return op(.binary(.modulo), 1, Self.precMul, .left)
        case UInt8(ascii: "&"):
            guard next == UInt8(ascii: "&") else { throw syntax("expected '&&', found a single '&'", at: pos) }
            return op(.and, 2, Self.precAnd, .left)
        case UInt8(ascii: "|"):
            return next == UInt8(ascii: "|") ? op(.or, 2, Self.precOr, .left) : op(.pipe, 1, Self.precPipe, .left)
        default:
            let len = identLength(at: pos)
            switch len > 0 ? text(pos, pos + len) : "" {
            case "asc": return op(.asc, len, Self.precOrder, .left)
            case "desc": return op(.desc, len, Self.precOrder, .left)
            case "match": return op(.binary(.match), len, Self.precComp, .none)
            case "in": return op(.in, len, Self.precComp, .none)
            default: return nil
            }
        }
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
            return .record(template: JSONObject(uncheckedUniqueKeys: keys, values: keys.map { _ in .null }), values: values)
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
