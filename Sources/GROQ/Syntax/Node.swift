/// The syntax tree of a GROQ expression, after traversals have been combined into the explicit
/// `map` / `flatMap` forms the specification describes (so `*[_type == "a"].tags[]` is a
/// flat-map over the filtered documents).
///
/// Positions are kept where an evaluation error may need to point (function calls).
indirect enum Node: Sendable {
    case everything
    case this
    /// `^` (1), `^.^` (2), ...
    case parent(Int)
    case parameter(String, offset: Int)
    case literal(Value)
    case attribute(Node, String)
    case element(Node, Int)
    case slice(Node, from: Int, to: Int, inclusive: Bool)
    case filter(Node, Node)
    case projection(Node, Node)
    case dereference(Node)
    case arrayCoerce(Node)
    case map(Node, Node)
    case flatMap(Node, Node)
    case group(Node)
    case object([ObjectEntry])
    /// An object literal whose members are all `key: value` with distinct keys (the usual
    /// projection). `template` holds the keys with null values: each object built is a copy of
    /// it with its values filled in, so the keys are neither hashed nor stored again per object.
    case record(template: JSONObject, values: [Node])
    case array([ArrayElement])
    case and(Node, Node)
    case or(Node, Node)
    case not(Node)
    case negate(Node)
    case plus(Node)
    case binary(BinaryOperator, Node, Node)
    case inRange(Node, Node, Node, inclusive: Bool)
    case select([(condition: Node, value: Node)], fallback: Node?)
    case call(FunctionCall)
    case pipe(PipeFunction, Node, [Node])
    /// `x asc` / `x desc`, with the offset of the keyword (only valid as an argument of `order()`).
    case asc(Node, offset: Int)
    case desc(Node, offset: Int)
    /// `diff::changedAny(before, after, selector)` / `changedOnly`.
    case diff(only: Bool, Node, Node, Selector)
    /// `delta::changedAny(selector)` / `changedOnly` in a mutation context.
    case delta(only: Bool, Selector)
    /// `before()` / `after()` in a mutation context.
    case context(String)
    /// `a => b`: only meaningful inside `select()` and object projections.
    case pair(Node, Node, offset: Int)
    /// A sub-expression inside a loop that does not depend on it: evaluated once per query and
    /// kept in `slot` (see ``InvariantHoisting``).
    case invariant(Node, slot: Int)
    /// `(a, b)`: only meaningful as a diff selector.
    case tuple([Node], offset: Int)
}

enum ObjectEntry: Sendable {
    case value(String, Node)
    case splat(Node)
    case conditional(Node, Node)
}

struct ArrayElement: Sendable {
    let value: Node
    let isSplat: Bool
}

enum BinaryOperator: String, Sendable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
    case `in` = "in"
    case match = "match"
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case power = "**"

    /// `<`, `<=`, `>` or `>=`.
    var isComparison: Bool { self == .less || self == .lessOrEqual || self == .greater || self == .greaterOrEqual }
}

/// A call of a built-in function, resolved at parse time.
struct FunctionCall: Sendable {
    let function: GROQFunction
    let arguments: [Node]
    /// Byte offset of the call in the query, for errors raised while evaluating it.
    let offset: Int
}

enum PipeFunction: String, Sendable {
    case order
    case score
}

/// A diff selector: which paths of a document `diff::changedAny` compares.
indirect enum Selector: Sendable {
    case attribute(Selector?, String)
    case arrayCoerce(Selector)
    case filter(Selector, Node)
    case tuple([Selector])
    case group(Selector)
    case nested(Selector, Selector)
    case anywhere(Node)
}

extension Node {
    /// The direct sub-expressions, for checks that walk the whole tree.
    var children: [Node] {
        switch self {
        case .everything, .this, .parent, .parameter, .literal, .context, .delta: return []
        case .attribute(let b, _), .element(let b, _), .slice(let b, _, _, _), .dereference(let b), .arrayCoerce(let b),
            .group(let b), .invariant(let b, _), .not(let b), .negate(let b), .plus(let b), .asc(let b, _), .desc(let b, _):
            return [b]
        case .filter(let a, let b), .projection(let a, let b), .map(let a, let b), .flatMap(let a, let b),
            .and(let a, let b), .or(let a, let b), .binary(_, let a, let b), .pair(let a, let b, _), .diff(_, let a, let b, _):
            return [a, b]
        case .inRange(let a, let b, let c, _): return [a, b, c]
        case .object(let entries):
            return entries.flatMap { entry -> [Node] in
                switch entry {
                case .value(_, let v), .splat(let v): return [v]
                case .conditional(let c, let v): return [c, v]
                }
            }
        case .array(let elements): return elements.map(\.value)
        case .record(_, let values): return values
        case .select(let alternatives, let fallback):
            return alternatives.flatMap { [$0.condition, $0.value] } + (fallback.map { [$0] } ?? [])
        case .call(let call): return call.arguments
        case .pipe(_, let base, let args): return [base] + args
        case .tuple(let members, _): return members
        }
    }
}

extension Node {
    /// This node with each direct sub-expression replaced by `transform(child, nested)`, where
    /// `nested` says whether the child is evaluated in a scope of its own (a filter's condition,
    /// a projection's object, a map's body, a pipe function's arguments).
    func replacingChildren(_ transform: (Node, _ nested: Bool) -> Node) -> Node {
        func same(_ n: Node) -> Node { transform(n, false) }
        func nested(_ n: Node) -> Node { transform(n, true) }
        switch self {
        case .everything, .this, .parent, .parameter, .literal, .context, .delta: return self
        case .filter(let b, let c): return .filter(same(b), nested(c))
        case .projection(let b, let e): return .projection(same(b), nested(e))
        case .map(let b, let e): return .map(same(b), nested(e))
        case .flatMap(let b, let e): return .flatMap(same(b), nested(e))
        case .pipe(let f, let b, let args): return .pipe(f, same(b), args.map(nested))
        case .attribute(let b, let n): return .attribute(same(b), n)
        case .element(let b, let i): return .element(same(b), i)
        case .slice(let b, let f, let t, let inc): return .slice(same(b), from: f, to: t, inclusive: inc)
        case .dereference(let b): return .dereference(same(b))
        case .arrayCoerce(let b): return .arrayCoerce(same(b))
        case .group(let b): return .group(same(b))
        case .invariant(let b, let slot): return .invariant(same(b), slot: slot)
        case .not(let b): return .not(same(b))
        case .negate(let b): return .negate(same(b))
        case .plus(let b): return .plus(same(b))
        case .asc(let b, let o): return .asc(same(b), offset: o)
        case .desc(let b, let o): return .desc(same(b), offset: o)
        case .and(let l, let r): return .and(same(l), same(r))
        case .or(let l, let r): return .or(same(l), same(r))
        case .binary(let op, let l, let r): return .binary(op, same(l), same(r))
        case .inRange(let v, let l, let r, let inc): return .inRange(same(v), same(l), same(r), inclusive: inc)
        case .record(let template, let values): return .record(template: template, values: values.map(same))
        case .object(let entries):
            return .object(entries.map { entry in
                switch entry {
                case .value(let k, let v): .value(k, same(v))
                case .splat(let v): .splat(same(v))
                case .conditional(let c, let v): .conditional(same(c), same(v))
                }
            })
        case .array(let elements): return .array(elements.map { ArrayElement(value: same($0.value), isSplat: $0.isSplat) })
        case .select(let alternatives, let fallback):
            return .select(alternatives.map { (same($0.condition), same($0.value)) }, fallback: fallback.map(same))
        case .call(let call):
            return .call(FunctionCall(function: call.function, arguments: call.arguments.map(same), offset: call.offset))
        case .diff(let only, let b, let a, let selector): return .diff(only: only, same(b), same(a), selector)
        case .pair(let l, let r, let o): return .pair(same(l), same(r), offset: o)
        case .tuple(let members, let o): return .tuple(members.map(same), offset: o)
        }
    }

    /// A copy that shares no storage with this tree. Threads that evaluate the same expression
    /// each use their own copy, so they do not contend over the reference counts of shared nodes.
    func privateCopy() -> Node {
        if case .record(let template, let values) = self {
            // Every object the record builds shares its template's keys: give each copy its own.
            let keys = template.keys.map { $0 }
            return .record(template: JSONObject(uncheckedUniqueKeys: keys, values: keys.map { _ in .null }),
                           values: values.map { $0.privateCopy() })
        }
        return replacingChildren { child, _ in child.privateCopy() }
    }
}
