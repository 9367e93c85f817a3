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
        return node.replacingChildren { child, nested in
            rewrite(child, inLoop: inLoop || nested, slots: &slots)
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
