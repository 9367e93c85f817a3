import Foundation
import GROQ

/// What one query may spend: time from its arrival, the array elements its evaluation builds,
/// and the bytes of its answer. Each caller's queries get the budget of its role.
///
/// ```swift
/// var configuration = ServerConfiguration()
/// configuration.queryBudgets["support"] = QueryBudget(timeLimit: .seconds(2), maxElements: 500_000,
///                                                     maxResultBytes: 4 << 20)
/// ```
public struct QueryBudget: Sendable, Equatable {
    /// From the moment the request arrives: waiting for a slot, parsing and evaluating included.
    public var timeLimit: Duration
    /// Array elements built across all nesting (``GROQ/GROQLimits/maxElements``).
    public var maxElements: Int
    /// The largest answer, serialised.
    public var maxResultBytes: Int

    public init(timeLimit: Duration, maxElements: Int, maxResultBytes: Int) {
        self.timeLimit = timeLimit
        self.maxElements = maxElements
        self.maxResultBytes = maxResultBytes
    }

    /// The limits a query's text and evaluation get from this budget.
    var groqLimits: GROQLimits {
        var limits = GROQLimits.standard
        limits.maxElements = maxElements
        return limits
    }

    /// A restricted role's share of a default budget: half the time, a tenth of the elements and
    /// a quarter of the bytes. A client advisor's or a support agent's day needs pages of
    /// documents, not the whole dataset at once, and a flood of its queries then costs the server
    /// a fraction of what an administrator's would.
    func restricted() -> QueryBudget {
        QueryBudget(timeLimit: timeLimit / 2, maxElements: max(1, maxElements / 10), maxResultBytes: max(1024, maxResultBytes / 4))
    }
}

extension ServerConfiguration {
    /// The budget of a query from `role` (`nil`: an unrestricted caller): the role's own from
    /// ``queryBudgets``, else the restricted share of the default for ``restrictedRoles``,
    /// else the default (``queryTimeLimit``, ``maxQueryElements``, ``maxResultBytes``).
    public func queryBudget(forRole role: String?) -> QueryBudget {
        let standard = QueryBudget(timeLimit: queryTimeLimit, maxElements: maxQueryElements, maxResultBytes: maxResultBytes)
        guard let role else { return standard }
        if let own = queryBudgets[role] { return own }
        return restrictedRoles.contains(role) ? standard.restricted() : standard
    }
}
