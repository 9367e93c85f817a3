/// The operands of a filter's condition that are the same for every document it tests (`^._id`,
/// `^.customer._ref`, `$ids`, `[^._id, "x"]`), evaluated once and put in the condition as
/// literals, so that the planner answers `references(^._id)`, `customer._ref == ^._id`,
/// `_id in $ids`, `_type == ^.kind` or `total > ^.total` from its indexes.
///
/// `*[_type == "customer"]{"orders": count(*[_type == "salesOrder" && references(^._id)])}` runs
/// its inner filter once per client; without this, each run tests every order, with it each
/// run reads the few orders that name that client.
enum CorrelatedOperands {
    /// `conjunct` with its document-independent operands replaced by their values in `probe`
    /// (a scope nested in the filter's, whose `^` is the outer row). An operand that fails to
    /// evaluate is left as it is: the normal evaluation then reports the failure.
    static func substituting(_ conjunct: Node, _ probe: Scope) -> Node {
        switch conjunct {
        case .binary(let op, let left, let right) where op == .equal || op == .in || op == .match || op.isComparison:
            return .binary(op, known(left, probe), known(right, probe))
        case .call(let call) where call.function.name == "references" && call.function.namespace == "global":
            return .call(FunctionCall(function: call.function, arguments: call.arguments.map { known($0, probe) }, offset: call.offset))
        case .group(let inner):
            return .group(substituting(inner, probe))
        case .or(let left, let right):
            // Each side is planned on its own (a union of their candidates).
            return .or(substituting(left, probe), substituting(right, probe))
        case .and(let left, let right):
            return .and(substituting(left, probe), substituting(right, probe))
        default:
            return conjunct
        }
    }

    private static func known(_ operand: Node, _ probe: Scope) -> Node {
        if case .literal = operand { return operand }
        guard readsNoDocument(operand), let value = try? Evaluator.evaluate(operand, probe) else { return operand }
        return .literal(value)
    }

    /// Whether `node` reads nothing of the document being tested: only literals, parameters and
    /// the enclosing rows (`^`), through attributes, elements and arrays.
    static func readsNoDocument(_ node: Node) -> Bool {
        switch node {
        // A hoisted sub-expression is by construction independent of the loop's element:
        // `_id in *[_type == "model" && level == "high"].client._ref` is a list computed once.
        case .literal, .parameter, .parent, .invariant: return true
        case .attribute(let base, _), .element(let base, _), .group(let base): return readsNoDocument(base)
        case .array(let elements): return elements.allSatisfy { !$0.isSplat && readsNoDocument($0.value) }
        default: return false
        }
    }
}
