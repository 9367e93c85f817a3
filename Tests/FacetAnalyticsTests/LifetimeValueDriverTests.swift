import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Lifetime value drivers and the brief's heuristic", .ownThread(computing: true))
struct LifetimeValueDriverTests {
    static func day(_ year: Int, _ month: Int, _ day: Int) -> Date { HistorySimulator.date(year, month, day) }

    @Test func briefHeuristicByHand() throws {
        // Six $1,000 orders over two years: three a year, half of the six that saturate frequency.
        let start = Self.day(2023, 1, 1)
        let orders = (0..<6).map { CustomerHistory.Order(date: AnalyticsCalendar.adding(days: Double($0) * 120, to: start), amount: 1_000) }
        let history = CustomerHistory(id: "vip", orders: orders, segment: .vip, energyAlignment: .exceptional)
        let asOf = AnalyticsCalendar.adding(days: 2 * 365.25, to: start)
        let forecast = try #require(BriefLifetimeValue().forecast(history, at: asOf))
        let growth = (0..<5).reduce(0.0) { $0 + pow(1.15, Double($1)) }
        let frequency = 0.8 + 2.7 * 0.5
        #expect(abs(forecast.value - 1_000 * frequency * 4.0 * 2.5 * growth) < 1e-6)
        #expect(forecast.drivers.map(\.input) == ["segment", "energy-alignment", "frequency"])
        #expect(abs(forecast.drivers[0].effect - forecast.value * 0.75) < 1e-6)
        // The multipliers stay within the brief's ranges at the extremes.
        let quiet = CustomerHistory(id: "new", orders: [.init(date: start, amount: 500)], segment: .new)
        let low = try #require(BriefLifetimeValue().forecast(quiet, at: AnalyticsCalendar.adding(days: 30, to: start)))
        #expect(abs(low.value - 500 * (0.8 + 2.7 / 6) * 0.8 * 1.0 * growth) < 1e-6)
        let busy = CustomerHistory(id: "busy", orders: (0..<40).map { .init(date: AnalyticsCalendar.adding(days: Double($0) * 9, to: start), amount: 100) },
                                   segment: .vip, energyAlignment: .exceptional)
        let high = try #require(BriefLifetimeValue().forecast(busy, at: AnalyticsCalendar.adding(days: 365.25, to: start)))
        #expect(abs(high.value - 100 * 3.5 * 4.0 * 2.5 * growth) < 1e-6)
        #expect(BriefLifetimeValue().forecast(quiet, at: start) == nil)
    }

    @Test func keyDriversNameWhatSetsTheClientApart() throws {
        let population = try CustomerSimulator(purchases: try BGNBDModel(r: 0.25, alpha: 4, a: 0.8, b: 2.5),
                                               spend: try GammaGammaModel(p: 6, q: 4, gamma: 15), ages: 27...39).simulate(customers: 3_000, seed: 17)
        let purchases = try BGNBDModel.fit(population).model, spend = try GammaGammaModel.fit(population).model
        let reference = try RFMSummary.populationMean(population)
        let projection = try LifetimeValueProjection(months: 60, monthlyDiscountRate: 0.01)
        // Typical in every way but spending three times as much per purchase.
        let bigSpender = try RFMSummary(id: "big", frequency: max(1, reference.frequency), recency: max(reference.recency, 10), age: reference.age,
                                        monetaryValue: 3 * reference.monetaryValue)
        let forecast = try projection.forecast(of: bigSpender, reference: reference, purchases: purchases, spend: spend)
        #expect(forecast.drivers.first?.input == "monetary-value")
        #expect(try #require(forecast.drivers.first).effect > 0)
        #expect(forecast.drivers.first { $0.input == "T" }?.effect == 0)
        // A frequent buyer who bought last week: frequency and recency lead, both raising the
        // forecast (at typical recency, twelve purchases long ago would mean the client has left).
        let frequent = try RFMSummary(id: "frequent", frequency: 12, recency: reference.age - 1, age: reference.age, monetaryValue: reference.monetaryValue)
        let busy = try projection.forecast(of: frequent, reference: reference, purchases: purchases, spend: spend)
        #expect(Set(busy.drivers.prefix(2).map(\.input)) == ["frequency", "recency"])
        #expect(busy.drivers.prefix(2).allSatisfy { $0.effect > 0 })
        #expect(busy.algorithm == "bg-nbd+gamma-gamma")
        #expect(throws: AnalyticsError.self) { try RFMSummary.populationMean([]) }
    }

    @Test func spearmanByHand() {
        #expect(RankCorrelation.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == 1)
        #expect(RankCorrelation.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        // Ranks (1, 2.5, 2.5, 4) against (1, 2, 3, 4): 4.5/√(4.5 · 5).
        #expect(abs(RankCorrelation.spearman([1, 5, 5, 9], [1, 2, 3, 4]) - 4.5 / (4.5 * 5).squareRoot()) < 1e-12)
        #expect(RankCorrelation.spearman([1, 1, 1], [1, 2, 3]) == 0)
    }

    /// On data from the BG/NBD process the model's forecast ranks next year's spend far better
    /// than chance (the null standard error of Spearman's ρ is about 1/√n).
    @Test func comparesBothForecastsOnHeldOutSpend() throws {
        let simulator = HistorySimulator(purchases: try BGNBDModel(r: 0.5, alpha: 60, a: 0.8, b: 2.5),
                                         acquisition: Self.day(2022, 1, 1)...Self.day(2024, 6, 30), end: Self.day(2026, 1, 1))
        let histories = try simulator.simulate(clients: 2_000, seed: 55).map(\.history)
        let comparison = try LifetimeValueComparison.run(histories, cutoff: Self.day(2025, 1, 1), horizonDays: 365)
        print("Spearman with next year's spend: BG/NBD + Gamma-Gamma \(comparison.probabilisticCorrelation), brief heuristic \(comparison.heuristicCorrelation) over \(comparison.customers) clients")
        let nullError = 1 / Double(comparison.customers - 1).squareRoot()
        #expect(comparison.probabilisticCorrelation > 4 * nullError)
        #expect(comparison.customers == 2_000)
    }
}
