import Foundation
@testable import FacetAnalytics

/// Dated client histories from the BG/NBD process in days (rate λ ~ Gamma(r, α) while alive,
/// dropout with probability p ~ Beta(a, b) after each repeat purchase), with an optional monthly
/// seasonal multiplier on the purchase rate, simulated by thinning, and Gamma-Gamma order values. It records when each client
/// truly dropped out, the truth the churn scores are judged against.
struct HistorySimulator {
    struct Client {
        var history: CustomerHistory
        /// When the client dropped out (the date of the purchase after which they left); nil if never.
        var dropout: Date?
        var rate: Double
    }

    var purchases: BGNBDModel
    /// Clients are acquired uniformly between these dates (their first purchase).
    var acquisition: ClosedRange<Date>
    /// Nothing happens after this date.
    var end: Date
    /// Rate multiplier per calendar month, January first.
    var seasonality: [Double] = Array(repeating: 1, count: 12)
    var meanOrderValue: Double = 1_000

    static func date(_ year: Int, _ month: Int, _ day: Int) -> Date {
        AnalyticsCalendar.utc.date(from: DateComponents(year: year, month: month, day: day)) ?? Date(timeIntervalSince1970: 0)
    }

    func simulate(clients count: Int, seed: UInt64) throws -> [Client] {
        var random = SeededGenerator(seed: seed)
        let peak = seasonality.max() ?? 1
        let span = acquisition.upperBound.timeIntervalSince(acquisition.lowerBound)
        let segments = CustomerSegment.allCases, alignments = EnergyAlignment.allCases
        return (0..<count).map { index in
            let lambda = random.gamma(shape: purchases.r) / purchases.alpha
            let p = random.beta(purchases.a, purchases.b)
            let first = acquisition.lowerBound.addingTimeInterval(random.uniform() * span)
            // Gamma-Gamma spend: amounts ~ Gamma(4, ν) with ν ~ Gamma(4, γ), γ set so that the mean is meanOrderValue.
            let nu = random.gamma(shape: 4) / (meanOrderValue * 3 / 4)
            var orders = [CustomerHistory.Order(date: first, amount: random.gamma(shape: 4) / nu, categories: ["rings"])]
            var time = first, dropout: Date?
            while true {
                time = AnalyticsCalendar.adding(days: random.exponential(rate: lambda * peak), to: time)
                guard time < end else { break }
                // Thinning: a candidate at the peak rate is kept with probability s(month)/peak.
                guard random.uniform() < seasonality[AnalyticsCalendar.month(of: time) - 1] / peak else { continue }
                orders.append(.init(date: time, amount: random.gamma(shape: 4) / nu, categories: ["rings"]))
                if random.uniform() < p {
                    dropout = time
                    break
                }
            }
            let history = CustomerHistory(id: "client-\(index)", orders: orders, contacts: orders.map(\.date),
                                          segment: segments[Int(random.uniform() * Double(segments.count))],
                                          energyAlignment: alignments[Int(random.uniform() * Double(alignments.count))])
            return Client(history: history, dropout: dropout, rate: lambda)
        }
    }
}
