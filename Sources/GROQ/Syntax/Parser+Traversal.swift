/// Traversals (`.a`, `[…]`, `->`, `{…}`, `[]`) and how a chain of them combines into `map` and
/// `flatMap`, as the specification's traversal table prescribes: each traversal maps a plain value
/// or an array to a plain value or an array, and combining two decides whether the right-hand one
/// runs once or once per element.
extension Parser {
    enum TraversalShape { case arrayToArray, arrayToPlain, plainToArray, plainToPlain }

    struct Traversal {
        let shape: TraversalShape
        let build: (Node) -> Node
    }

    typealias PendingTraversal = (Traversal?) -> Traversal

    static func join(_ a: @escaping (Node) -> Node, _ b: @escaping (Node) -> Node) -> (Node) -> Node {
        { b(a($0)) }
    }

    static func map(_ inner: @escaping (Node) -> Node) -> (Node) -> Node {
        { .map($0, inner(.this)) }
    }

    static func flatMap(_ inner: @escaping (Node) -> Node) -> (Node) -> Node {
        { .flatMap($0, inner(.this)) }
    }

    static func array(_ build: @escaping (Node) -> Node, _ right: Traversal?) -> Traversal {
        guard let right else { return Traversal(shape: .arrayToArray, build: build) }
        switch right.shape {
        case .arrayToArray: return Traversal(shape: .arrayToArray, build: join(build, right.build))
        case .arrayToPlain: return Traversal(shape: .arrayToPlain, build: join(build, right.build))
        case .plainToPlain: return Traversal(shape: .arrayToArray, build: join(build, map(right.build)))
        case .plainToArray: return Traversal(shape: .arrayToArray, build: join(build, flatMap(right.build)))
        }
    }

    static func plain(_ build: @escaping (Node) -> Node, _ right: Traversal?) -> Traversal {
        guard let right else { return Traversal(shape: .plainToPlain, build: build) }
        switch right.shape {
        case .arrayToArray, .plainToArray: return Traversal(shape: .plainToArray, build: join(build, right.build))
        case .arrayToPlain, .plainToPlain: return Traversal(shape: .plainToPlain, build: join(build, right.build))
        }
    }

    static func element(_ build: @escaping (Node) -> Node, _ right: Traversal?) -> Traversal {
        guard let right else { return Traversal(shape: .arrayToPlain, build: build) }
        switch right.shape {
        case .arrayToArray, .plainToArray: return Traversal(shape: .arrayToArray, build: join(build, right.build))
        case .arrayToPlain, .plainToPlain: return Traversal(shape: .arrayToPlain, build: join(build, right.build))
        }
    }

    static func projection(_ build: @escaping (Node) -> Node, _ right: Traversal?) -> Traversal {
        guard let right else { return Traversal(shape: .plainToPlain, build: build) }
        switch right.shape {
        case .arrayToArray: return Traversal(shape: .arrayToArray, build: join(map(build), right.build))
        case .arrayToPlain: return Traversal(shape: .arrayToPlain, build: join(map(build), right.build))
        case .plainToArray: return Traversal(shape: .plainToArray, build: join(build, right.build))
        case .plainToPlain: return Traversal(shape: .plainToPlain, build: join(build, right.build))
        }
    }

    /// Applies a parsed chain of traversals to `base`.
    func buildTraversal(base: Node, _ pending: [PendingTraversal]) -> Node {
        var traversal: Traversal? = nil
        for item in pending.reversed() { traversal = item(traversal) }
        switch base {
        case .everything, .array, .pipe:
            traversal = Self.array({ $0 }, traversal)
        default:
            break
        }
        return traversal.map { $0.build(base) } ?? base
    }

    /// Parses as many traversals as follow; `nil` when none does (the pos is left unchanged).
    mutating func parseTraversals() throws(GROQError) -> [PendingTraversal]? {
        var list: [PendingTraversal] = []
        while true {
            let save = pos
            skipWS()
            guard let next = try parseOneTraversal() else {
                pos = save
                break
            }
            // `.a.a.a…` nests one map or attribute per segment, as deeply as brackets would.
            try deepen(at: save)
            list.append(next)
        }
        return list.isEmpty ? nil : list
    }

    private mutating func parseOneTraversal() throws(GROQError) -> PendingTraversal? {
        let start = pos
        switch peek() {
        case UInt8(ascii: "."):
            pos += 1
            skipWS()
            if peek() == UInt8(ascii: "(") {
                throw GROQError(.query, "'.(' groups are only allowed in diff::changedAny() selectors", at: start, in: source)
            }
            guard let name = identifier() else {
                pos = start
                return nil
            }
            return { Self.plain({ .attribute($0, name) }, $0) }
        case UInt8(ascii: "-"):
            guard peek(1) == UInt8(ascii: ">") else { return nil }
            pos += 2
            let save = pos
            skipWS()
            if let name = identifier() {
                return { Self.plain({ .attribute(.dereference($0), name) }, $0) }
            }
            pos = save
            return { Self.plain({ .dereference($0) }, $0) }
        case UInt8(ascii: "["):
            pos += 1
            skipWS()
            if peek() == UInt8(ascii: "]") {
                pos += 1
                return { Self.array({ .arrayCoerce($0) }, $0) }
            }
            let expr = try parseExpr(0)
            skipWS()
            if peek() == UInt8(ascii: "."), peek(1) == UInt8(ascii: ".") {
                let inclusive = peek(2) != UInt8(ascii: ".")
                pos += inclusive ? 2 : 3
                let rhs = try parseExpr(0)
                skipWS()
                guard peek() == UInt8(ascii: "]") else {
                    throw GROQError(.syntax, "expected ']' to close the slice, found \(describeHere())", at: pos, in: source)
                }
                pos += 1
                guard case .number(let from)? = Self.constantValue(expr), case .number(let to)? = Self.constantValue(rhs) else {
                    throw GROQError(.query, "a slice needs constant integer bounds, such as [0...10]", at: start, in: source)
                }
                let lo = Self.clampIndex(from), hi = Self.clampIndex(to)
                return { Self.array({ .slice($0, from: lo, to: hi, inclusive: inclusive) }, $0) }
            }
            guard peek() == UInt8(ascii: "]") else {
                throw GROQError(.syntax, "expected ']' to close '[', found \(describeHere())", at: pos, in: source)
            }
            pos += 1
            switch Self.constantValue(expr) {
            case .number(let n)?:
                let index = n == n.rounded() && abs(n) < 1e15 ? Int(n) : Int.min
                return { Self.element({ .element($0, index) }, $0) }
            case .string(let name)?:
                return { Self.plain({ .attribute($0, name) }, $0) }
            default:
                try validateTopLevel(expr)
                return { Self.array({ .filter($0, expr) }, $0) }
            }
        case UInt8(ascii: "|"):
            pos += 1
            skipWS()
            guard peek() == UInt8(ascii: "{") else {
                pos = start
                return nil
            }
            let object = try parseObject()
            return { Self.projection({ .projection($0, object) }, $0) }
        case UInt8(ascii: "{"):
            let object = try parseObject()
            return { Self.projection({ .projection($0, object) }, $0) }
        default:
            return nil
        }
    }

    private static func clampIndex(_ n: Double) -> Int {
        if n.isNaN { return 0 }
        return Int(max(-1e15, min(1e15, n.rounded(.towardZero))))
    }

    /// Evaluates literals, groups, unary signs and arithmetic at parse time, as the reference
    /// does to decide what `[…]` means; `nil` when the expression depends on data.
    static func constantValue(_ node: Node) -> Value? {
        switch node {
        case .literal(let v): return v
        case .parameter: return .null
        case .group(let inner): return constantValue(inner)
        case .plus(let inner):
            guard let v = constantValue(inner) else { return nil }
            if case .number = v { return v }
            return .null
        case .negate(let inner):
            guard let v = constantValue(inner) else { return nil }
            if case .number(let n) = v { return .number(-n) }
            return .null
        case .binary(let op, let l, let r):
            switch op {
            case .add, .subtract, .multiply, .divide, .modulo, .power:
                guard let lv = constantValue(l), let rv = constantValue(r) else { return nil }
                return Operators.arithmetic(op, lv, rv)
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
