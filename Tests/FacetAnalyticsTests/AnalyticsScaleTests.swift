import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

/// Every model over 5,000 simulated clients, the size of the demo book, timed and printed (no
/// bound is asserted: the machine is shared). Checks only that each produced a result per client.
@Suite("Analytics at the scale of the demo", .ownThread(computing: true))
struct AnalyticsScaleTests {
    @Test func allModelsOnFiveThousandClients() throws {
        let end = HistorySimulator.date(2025, 1, 1)
        var simulator = HistorySimulator(purchases: try BGNBDModel(r: 0.5, alpha: 60, a: 0.8, b: 2.5),
                                         acquisition: HistorySimulator.date(2021, 1, 1)...HistorySimulator.date(2024, 10, 1), end: end)
        simulator.seasonality = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.2, 1.4]
        let histories = try simulator.simulate(clients: 5_000, seed: 5_000).map(\.history)
        let clock = ContinuousClock()
        var lines: [String] = []
        func time<T>(_ name: String, _ work: () throws -> T) rethrows -> T {
            var result: T?
            let duration = try clock.measure { result = try work() }
            lines.append("\(name): \(duration)")
            return result!
        }
        let summaries = try time("RFM summaries") { try histories.compactMap { try $0.rfmSummary(at: end) } }
        let purchases = try time("BG/NBD fit") { try BGNBDModel.fit(summaries).model }
        let spend = try time("Gamma-Gamma fit") { try GammaGammaModel.fit(summaries).model }
        let projection = try LifetimeValueProjection(months: 60, monthlyDiscountRate: 0.01, timeUnitsPerMonth: LifetimeValueProjection.daysPerMonth)
        let reference = try RFMSummary.populationMean(summaries)
        let forecasts = try time("5-year CLV with drivers") {
            try summaries.map { try projection.forecast(of: $0, reference: reference, purchases: purchases, spend: spend) }
        }
        let churn = time("churn heuristic") { histories.map { ChurnModel().assess($0, at: end) } }
        let backtest = try time("churn backtest") { try ChurnBacktest(cutoff: HistorySimulator.date(2024, 10, 1), horizonDays: 90).run(histories) }
        let seasonality = time("seasonal index") { SeasonalIndex.estimate(from: histories, until: end) }
        let next = try time("next purchase") {
            try histories.compactMap { try NextPurchaseForecaster(model: purchases, seasonality: seasonality).forecast($0, at: end) }
        }
        let upsell = time("upsell") { zip(histories, forecasts).map { UpsellPolicy().assess($0.0, forecastLifetimeValue: $0.1.value, at: end) } }
        let seasonal = try time("seasonal trend") {
            try Trends.seasonal(histories.flatMap { $0.orders.map { DatedAmount(date: $0.date, amount: $0.amount) } })
        }
        print("5,000 clients — " + lines.joined(separator: "; "))
        print("seasonal index: \(seasonality.factors.map { String(format: "%.2f", $0) }), backtest AUC (no purchase) \(backtest.evaluation(of: .bgnbdNoPurchase)?.metrics.auc ?? .nan)")
        #expect(forecasts.count == histories.count && churn.count == histories.count && next.count == histories.count)
        #expect(upsell.count == histories.count && seasonal.series.count == 48)
        #expect(seasonality.peakMonth == 12)
    }
}
