import Foundation

/// What a weekly contact list would have been worth, measured after the fact: at a cut-off, each
/// advisor's top `listSize` clients by a score are compared with a random `listSize` of theirs
/// and with their `listSize` highest lifetime values, by the revenue those clients brought in
/// over the following period.
///
/// The random list's revenue is its exact expectation (`listSize`/n of the advisor's total), so
/// the comparison carries no sampling noise of its own. Advisors are the unit of replication:
/// the standard errors are those of the mean per-advisor difference, paired, since the lists
/// of one advisor share their clients.
///
/// ```swift
/// let report = try ContactListBacktest.run(clients, listSize: 20)
/// report.ranked / report.random   // 2.4: the list brought 2.4 times a random one's revenue
/// ```
public enum ContactListBacktest {
    /// One client as the backtest sees them.
    public struct Client: Sendable, Hashable {
        public var id: String
        /// Whose list the client is on.
        public var advisor: String
        /// The list's ranking score, from before the cut-off.
        public var score: Double
        /// The comparison's ranking, from before the cut-off.
        public var lifetimeValue: Double
        /// What the client spent in the period after the cut-off.
        public var revenueAfter: Double

        public init(id: String, advisor: String, score: Double, lifetimeValue: Double, revenueAfter: Double) {
            self.id = id
            self.advisor = advisor
            self.score = score
            self.lifetimeValue = lifetimeValue
            self.revenueAfter = revenueAfter
        }
    }

    /// One advisor's three lists.
    public struct Advisor: Sendable, Hashable, Codable {
        public var advisor: String
        public var clients: Int
        public var ranked: Double
        public var random: Double
        public var topLifetimeValue: Double
    }

    /// The three lists summed over advisors, and how the ranked one compares.
    public struct Report: Sendable, Hashable, Codable {
        public var listSize: Int
        public var clients: Int
        public var advisors: [Advisor]
        /// Revenue after the cut-off from the ranked lists, the random ones (expected) and the
        /// highest lifetime values.
        public var ranked: Double
        public var random: Double
        public var topLifetimeValue: Double
        /// Standard errors of the mean per-advisor difference between the ranked list and each
        /// comparison (nil with fewer than two advisors).
        public var standardErrorOverRandom: Double?
        public var standardErrorOverLifetimeValue: Double?

        /// ranked − random and ranked − top lifetime values, per advisor on average.
        public var meanGainOverRandom: Double { (ranked - random) / Double(max(1, advisors.count)) }
        public var meanGainOverLifetimeValue: Double { (ranked - topLifetimeValue) / Double(max(1, advisors.count)) }
    }

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` for a list size
    ///   below 1 or a figure that is not finite, and ``AnalyticsError/unusableInput(problem:advice:)``
    ///   without clients.
    public static func run(_ clients: [Client], listSize: Int = 20) throws(AnalyticsError) -> Report {
        guard listSize >= 1 else {
            throw .invalidArgument(name: "listSize", value: Double(listSize), requirement: "at least one client per list")
        }
        guard !clients.isEmpty else {
            throw .unusableInput(problem: "No client to put on a list", advice: "Assign clients to advisors and record their orders")
        }
        if let bad = clients.first(where: { !$0.score.isFinite || !$0.lifetimeValue.isFinite || !$0.revenueAfter.isFinite }) {
            throw .invalidArgument(name: "figures of client \(bad.id)", value: .nan, requirement: "scores, values and revenue are finite numbers")
        }
        let grouped = Dictionary(grouping: clients, by: \.advisor)
        var advisors: [Advisor] = []
        for name in grouped.keys.sorted() {
            let own = grouped[name] ?? []
            // Ties are broken by id, so that the same data always give the same list.
            let byScore = own.sorted { ($0.score, $1.id) > ($1.score, $0.id) }
            let byValue = own.sorted { ($0.lifetimeValue, $1.id) > ($1.lifetimeValue, $0.id) }
            let total = own.reduce(0) { $0 + $1.revenueAfter }
            let take = min(listSize, own.count)
            advisors.append(Advisor(advisor: name, clients: own.count,
                                    ranked: byScore.prefix(take).reduce(0) { $0 + $1.revenueAfter },
                                    random: total * Double(take) / Double(own.count),
                                    topLifetimeValue: byValue.prefix(take).reduce(0) { $0 + $1.revenueAfter }))
        }
        func standardError(_ difference: (Advisor) -> Double) -> Double? {
            advisors.count >= 2 ? MeanAndError(advisors.map(difference)).error : nil
        }
        return Report(listSize: listSize, clients: clients.count, advisors: advisors,
                      ranked: advisors.reduce(0) { $0 + $1.ranked }, random: advisors.reduce(0) { $0 + $1.random },
                      topLifetimeValue: advisors.reduce(0) { $0 + $1.topLifetimeValue },
                      standardErrorOverRandom: standardError { $0.ranked - $0.random },
                      standardErrorOverLifetimeValue: standardError { $0.ranked - $0.topLifetimeValue })
    }
}
