import FacetAnalytics
import Foundation

/// The product recommenders' backtest in plain words, for the affinity cohort document and the
/// refresh's answer.
enum RecommenderWording {
    /// "Pieces are recommended by bought together (item-item), chosen on … : it found a piece the
    /// client went on to buy for 37% of clients (best-sellers: 34%), +3.2 points ± 1.7."
    static func summary(_ backtest: RecommenderBacktest) -> String {
        guard let chosen = backtest.evaluation(of: backtest.chosen), let baseline = backtest.evaluation(of: .popularity) else {
            return "Pieces are recommended by \(backtest.chosen.title)."
        }
        let points = { (value: Double) in String(format: "%.1f", value * 100) }
        var text = """
            Pieces are recommended by \(backtest.chosen.title), chosen by NDCG@\(backtest.k) on purchases from \
            \(AnalyticsDate.day(backtest.validationStart)) to \(AnalyticsDate.day(backtest.testStart)) among \
            \(RecommenderAlgorithm.allCases.map(\.title).joined(separator: ", ")). On the later \(backtest.horizonDays) days, \
            never used to choose, its \(backtest.k) pieces held one the client went on to buy for \
            \(ModelDocuments.percent(chosen.hitRate)) of \(CRMActions.grouped(chosen.customers)) returning clients (best-sellers: \
            \(ModelDocuments.percent(baseline.hitRate))), \(chosen.hitRateGain >= 0 ? "+" : "−")\(points(abs(chosen.hitRateGain))) points \
            ± \(points(chosen.hitRateGainError)) (paired standard error); NDCG@\(backtest.k) \(String(format: "%.3f", chosen.ndcg)) \
            against \(String(format: "%.3f", baseline.ndcg)); \(ModelDocuments.percent(chosen.coverage)) of the catalogue recommended \
            to someone against \(ModelDocuments.percent(baseline.coverage)).
            """
        if chosen.hitRateGain <= chosen.hitRateGainError {
            text += " The margin is within its standard error: treat the pieces as suggestions, not evidence."
        }
        return text
    }
}
