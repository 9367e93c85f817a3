/// Finds sub-queries inside loops that do not depend on the loop, so they run once per query
/// instead of once per element.
///
/// `*[_type == "order" && customer._ref in *[_type == "customer" && tier == "gold"]._id]` runs
/// its inner `*[…]` for every order if taken literally; it reads nothing of the order, so its
/// value is the same each time. Such a sub-expression (one that reads `*` but neither `@`, `^`
/// nor a function of the current document) is wrapped in ``Node/invariant(_:slot:)`` and its
/// value kept for the rest of the evaluation.
enum InvariantHoisting {
    static func apply(_ root: Node) -> (Node, slots: Int) {
        var slots = 0
        let node = rewrite(root, inLoop: false, slots: &slots)
        return (node, slots)
    }

    private static func rewrite(_ node: Node, inLoop: Bool, slots: inout Int) -> Node {
        // `*` alone costs nothing, and the planner must still see it as the base of a filter.
        if inLoop, !isEverything(node), readsDataset(node), !usesOuterScope(node) {
            // Its own loops may hold invariants of their own.
            let inner = rewrite(node, inLoop: false, slots: &slots)
            defer { slots += 1 }
            return .invariant(inner, slot: slots)
        }
        func same(_ n: Node) -> Node { rewrite(n, inLoop: inLoop, slots: &slots) }
        func loop(_ n: Node) -> Node { rewrite(n, inLoop: true, slots: &slots) }
        switch node {
        case .filter(let b, let c): return .filter(same(b), loop(c))
        case .projection(let b, let e): return .projection(same(b), loop(e))
        case .map(let b, let e): return .map(same(b), loop(e))
        case .flatMap(let b, let e): return .flatMap(same(b), loop(e))
        case .pipe(let f, let b, let args): return .pipe(f, same(b), args.map(loop))
        case .attribute(let b, let n): return .attribute(same(b), n)
        case .element(let b, let i): return .element(same(b), i)
        case .slice(let b, let f, let t, let inc): return .slice(same(b), from: f, to: t, inclusive: inc)
        case .dereference(let b): return .dereference(same(b))
        case .arrayCoerce(let b): return .arrayCoerce(same(b))
        case .group(let b): return .group(same(b))
        case .not(let b): return .not(same(b))
        case .negate(let b): return .negate(same(b))
        case .plus(let b): return .plus(same(b))
        case .asc(let b, let o): return .asc(same(b), offset: o)
        case .desc(let b, let o): return .desc(same(b), offset: o)
        case .and(let l, let r): return .and(same(l), same(r))
        case .or(let l, let r): return .or(same(l), same(r))
        case .binary(let op, let l, let r): return .binary(op, same(l), same(r))
        case .inRange(let v, let l, let r, let inc): return .inRange(same(v), same(l), same(r), inclusive: inc)
        case .record(let keys, let values): return .record(keys: keys, values: values.map(same))
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
        default:
            return node
        }
    }

    private static func isEverything(_ node: Node) -> Bool {
        if case .everything = node { return true }
        return false
    }

    /// Whether evaluating the node reads documents or loops (otherwise caching it gains nothing).
    private static func readsDataset(_ node: Node) -> Bool {
        switch node {
        case .everything, .dereference, .filter, .map, .flatMap, .pipe, .projection: return true
        default: return node.children.contains(where: readsDataset)
        }
    }

    /// Whether the node's value can change with the scope it is evaluated in. `^` anywhere
    /// inside counts (conservatively), `@` only outside the node's own nested scopes.
    private static func usesOuterScope(_ node: Node) -> Bool {
        switch node {
        case .this, .parent, .diff, .delta, .invariant:
            return true
        case .filter(let b, let inner), .projection(let b, let inner), .map(let b, let inner), .flatMap(let b, let inner):
            return usesOuterScope(b) || mentionsParent(inner)
        case .pipe(_, let b, let args):
            return usesOuterScope(b) || args.contains(where: mentionsParent)
        case .call(let call) where call.function.readsScope:
            return true
        default:
            return node.children.contains(where: usesOuterScope)
        }
    }

    private static func mentionsParent(_ node: Node) -> Bool {
        switch node {
        case .parent, .diff, .delta: return true
        default: return node.children.contains(where: mentionsParent)
        }
    }
}
