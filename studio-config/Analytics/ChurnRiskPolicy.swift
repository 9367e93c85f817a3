import FacetAnalytics
import Foundation

/// The house's churn risk levels: how likely a client is to lapse (the calibrated probability of
/// no purchase within their own rhythm's window) *and* how much of their forecast value that puts
/// at risk. A level needs both, so "critical" names the few clients worth an urgent call, not
/// every occasional buyer who is quiet this season: a likely lapse of a small spender is at most
/// medium, a big spender who will probably buy again is low.
///
/// ```swift
/// let policy = ChurnRiskPolicy()
/// policy.level(probability: 0.71, valueAtRisk: 12_400)   // .critical
/// policy.level(probability: 0.71, valueAtRisk: 800)      // .low
/// ```
public struct ChurnRiskPolicy: Sendable, Equatable {
    /// Where a level begins: at least this probability and at least this much value at risk.
    public struct Threshold: Sendable, Equatable {
        public var probability: Double
        public var valueAtRisk: Double

        public init(probability: Double, valueAtRisk: Double) {
            self.probability = probability
            self.valueAtRisk = valueAtRisk
        }
    }

    public var critical: Threshold
    public var high: Threshold
    public var medium: Threshold

    /// The house's levels: critical from 60% and 5,000 at risk, high from 55% and 2,500, medium
    /// from 50% and 1,000 (in the house currency); below those, low.
    public init(critical: Threshold = .init(probability: 0.60, valueAtRisk: 5_000),
                high: Threshold = .init(probability: 0.55, valueAtRisk: 2_500),
                medium: Threshold = .init(probability: 0.50, valueAtRisk: 1_000)) {
        self.critical = critical
        self.high = high
        self.medium = medium
    }

    /// The highest level whose two figures are both reached.
    public func level(probability: Double, valueAtRisk: Double) -> RiskLevel {
        for (level, threshold) in [(RiskLevel.critical, critical), (.high, high), (.medium, medium)]
            where probability >= threshold.probability && valueAtRisk >= threshold.valueAtRisk {
            return level
        }
        return .low
    }

    /// The threshold of `level` (nil for low, which has none).
    public func threshold(_ level: RiskLevel) -> Threshold? {
        switch level {
        case .critical: critical
        case .high: high
        case .medium: medium
        case .low: nil
        }
    }
}
