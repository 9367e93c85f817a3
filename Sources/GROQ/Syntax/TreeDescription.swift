/// Prints a ``Node`` tree as an indented outline, one node per line.
enum TreeDescription {
    static func describe(_ node: Node) -> String {
        var lines: [String] = []
        write(node, depth: 0, label: nil, into: &lines)
        return lines.joined(separator: "\n")
    }

    private static func write(_ node: Node, depth: Int, label: String?, into lines: inout [String]) {
        let indent = String(repeating: "  ", count: depth)
        let prefix = label.map { "\($0): " } ?? ""
        func line(_ text: String) { lines.append(indent + prefix + text) }
        func child(_ n: Node, _ l: String? = nil) { write(n, depth: depth + 1, label: l, into: &lines) }
        switch node {
        case .everything: line("Everything *")
        case .this: line("This @")
        case .parent(let n): line("Parent ^ (\(n))")
        case .parameter(let name, _): line("Parameter $\(name)")
        case .literal(let v): line("Value \(v.json.serialized())")
        case .attribute(let base, let name): line("AccessAttribute \(name)"); child(base)
        case .element(let base, let i): line("AccessElement [\(i)]"); child(base)
        case .slice(let base, let from, let to, let inclusive): line("Slice [\(from)\(inclusive ? ".." : "...")\(to)]"); child(base)
        case .filter(let base, let cond): line("Filter"); child(base, "base"); child(cond, "where")
        case .projection(let base, let expr): line("Projection"); child(base, "base"); child(expr, "object")
        case .dereference(let base): line("Dereference ->"); child(base)
        case .arrayCoerce(let base): line("ArrayCoerce []"); child(base)
        case .map(let base, let expr): line("Map"); child(base, "base"); child(expr, "each")
        case .flatMap(let base, let expr): line("FlatMap"); child(base, "base"); child(expr, "each")
        case .group(let inner): line("Group ( )"); child(inner)
        case .invariant(let inner, let slot): line("Invariant (evaluated once, slot \(slot))"); child(inner)
        case .object(let entries):
            line("Object")
            for entry in entries {
                switch entry {
                case .value(let key, let value): child(value, "\"\(key)\"")
                case .splat(let value): child(value, "...")
                case .conditional(let c, let v): child(c, "if"); child(v, "then ...")
                }
            }
        case .record(let template, let values):
            line("Object")
            for (k, v) in zip(template.keys, values) { child(v, "\"\(k)\"") }
        case .array(let elements):
            line("Array")
            for e in elements { child(e.value, e.isSplat ? "..." : nil) }
        case .and(let l, let r): line("And &&"); child(l); child(r)
        case .or(let l, let r): line("Or ||"); child(l); child(r)
        case .not(let inner): line("Not !"); child(inner)
        case .negate(let inner): line("Neg -"); child(inner)
        case .plus(let inner): line("Pos +"); child(inner)
        case .binary(let op, let l, let r): line("OpCall \(op.rawValue)"); child(l); child(r)
        case .inRange(let v, let l, let r, let inclusive):
            line("InRange \(inclusive ? ".." : "...")"); child(v, "value"); child(l, "from"); child(r, "to")
        case .select(let alternatives, let fallback):
            line("Select")
            for (c, v) in alternatives { child(c, "when"); child(v, "then") }
            if let fallback { child(fallback, "default") }
        case .call(let call):
            line("FuncCall \(call.function.displayName)()")
            for a in call.arguments { child(a) }
        case .pipe(let f, let base, let args):
            line("PipeFuncCall \(f.rawValue)()"); child(base, "base")
            for a in args { child(a) }
        case .asc(let inner, _): line("Asc"); child(inner)
        case .desc(let inner, _): line("Desc"); child(inner)
        case .diff(let only, let b, let a, _): line("FuncCall diff::\(only ? "changedOnly" : "changedAny")()"); child(b, "before"); child(a, "after")
        case .delta(let only, _): line("FuncCall delta::\(only ? "changedOnly" : "changedAny")()")
        case .context(let key): line("Context \(key)()")
        case .pair(let l, let r, _): line("Pair =>"); child(l); child(r)
        case .tuple(let members, _): line("Tuple"); for m in members { child(m) }
        }
    }
}
