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
    /// projection): built without merging or duplicate checks.
    case record(keys: [String], values: [Node])
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
