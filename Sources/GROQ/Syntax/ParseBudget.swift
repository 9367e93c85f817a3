/// What one parse has spent: the expressions parsed so far, against ``GROQLimits``, and the
/// deadline, which the parser reads once every few thousand expressions.
///
/// A class because the parser is a value that is copied to expand each custom function call:
/// every copy must spend from the same budget, or a function that calls the next one twice, a
/// few levels deep, would expand without bound.
final class ParseBudget {
    let limits: GROQLimits
    let deadline: ContinuousClock.Instant?
    private(set) var expressions = 0

    init(limits: GROQLimits, deadline: ContinuousClock.Instant?) {
        self.limits = limits
        self.deadline = deadline
    }

    /// Counts one expression; `false` when it is one too many.
    func spendExpression() -> Bool {
        expressions += 1
        return expressions <= limits.maxExpressions
    }

    /// Whether the deadline has passed; looked at only every 4,096 expressions.
    var isPastDeadline: Bool {
        guard let deadline, expressions & 4095 == 0 else { return false }
        return ContinuousClock.now >= deadline
    }
}

extension Parser {
    /// Goes one level deeper into the tree at `offset`, and counts one more expression; throws
    /// when either passes its limit, or the parse is past its deadline.
    mutating func deepen(at offset: Int) throws(GROQError) {
        depth += 1
        let limits = budget.limits
        guard depth <= limits.maxDepth else {
            throw query("""
                the query is too deep: it nests more than \(limits.maxDepth) levels here. Brackets, projections and \
                sub-queries nest, and so does each link of a chain of operators (a || b || …, 1 - 1 - …) or of \
                traversals (.a.b.c…). Write a long list of alternatives as `field in [...]`, or split the query
                """, at: offset)
        }
        guard budget.spendExpression() else {
            throw query("""
                the query is too large: it has more than \(limits.maxExpressions) expressions, counting each call of a \
                custom function as a copy of its body. Split it into several queries, or call custom functions fewer times
                """, at: offset)
        }
        if budget.isPastDeadline {
            throw GROQError(.timeout, "parsing the query ran past its time limit and was stopped", at: offset, in: source)
        }
    }
}
