import Foundation

/// The brief's weighted churn score: five factors, each scored 0 (no sign of churn) to 1 (strong
/// sign), combined with the brief's weights, then bucketed into risk levels with generated
/// intervention recommendations.
///
/// The brief weighs days since contact 30%, frequency trend 25%, energy alignment 20%, LTV trend
/// 25% and engagement spacing 20%: 120% in all. The score divides by the sum of the weights, so the
/// brief's proportions are kept (days since contact counts 30/120 = 25%, and so on) and the score
/// stays in 0…1.
///
/// ```swift
/// let churn = ChurnModel()
/// let assessment = churn.assess(history, at: today)
/// assessment.score            // 0.71
/// assessment.riskLevel        // .high
/// assessment.recommendations  // ["No contact for 143 days: …", …]
/// ```
public struct ChurnModel: Sendable, Hashable, Codable {
    /// Relative weight of each factor; only their proportions matter.
    public var weights: [ChurnFactor: Double]
    /// Where the risk levels begin.
    public var thresholds: RiskThresholds
    /// The length of the two windows whose orders and spend are compared for the trends (days).
    public var trendWindowDays: Double
    /// Days without contact at which that factor reaches 1 (it rises linearly from 0).
    public var contactSaturationDays: Double
    /// The currency the drivers' amounts are written in.
    public var currency: HouseCurrency

    /// The brief's weights, as written (they sum to 1.2; the score normalises them).
    public static let briefWeights: [ChurnFactor: Double] = [
        .daysSinceContact: 0.30, .frequencyTrend: 0.25, .energyAlignment: 0.20, .lifetimeValueTrend: 0.25, .engagementSpacing: 0.20,
    ]

    public init(weights: [ChurnFactor: Double] = briefWeights, thresholds: RiskThresholds = RiskThresholds(),
                trendWindowDays: Double = 180, contactSaturationDays: Double = 180, currency: HouseCurrency = .usd) {
        self.currency = currency
        self.weights = weights
        self.thresholds = thresholds
        self.trendWindowDays = trendWindowDays
        self.contactSaturationDays = contactSaturationDays
    }

    /// The factor scores, weighted score, risk level and recommendations for `history` as of `date`
    /// (only what happened before `date` is read).
    public func assess(_ history: CustomerHistory, at date: Date) -> ChurnAssessment {
        let factors = factorScores(history, at: date)
        let total = ChurnFactor.allCases.reduce(0) { $0 + max(0, weights[$1] ?? 0) }
        var contributions: [ChurnAssessment.Contribution] = []
        for factor in ChurnFactor.allCases {
            let weight = total > 0 ? max(0, weights[factor] ?? 0) / total : 0
            let (score, detail) = factors[factor] ?? (0, "")
            contributions.append(.init(factor: factor, score: score, weight: weight, contribution: weight * score, detail: detail))
        }
        let score = min(1, max(0, contributions.reduce(0) { $0 + $1.contribution }))
        contributions.sort { $0.contribution > $1.contribution }
        let level = thresholds.level(of: score)
        return ChurnAssessment(customerID: history.id, score: score, riskLevel: level, drivers: contributions,
                               recommendations: Self.recommendations(for: contributions, level: level))
    }

    /// Each factor's score in 0…1 and a sentence with the numbers behind it.
    func factorScores(_ history: CustomerHistory, at date: Date) -> [ChurnFactor: (Double, String)] {
        var result: [ChurnFactor: (Double, String)] = [:]
        let known = history.known(before: date)

        if let last = known.lastTouch(before: date) {
            let days = AnalyticsCalendar.days(from: last, to: date)
            result[.daysSinceContact] = (min(1, days / contactSaturationDays), "last order or contact \(Int(days.rounded())) days ago")
        } else {
            result[.daysSinceContact] = (1, "no order or contact on record")
        }

        let recentStart = AnalyticsCalendar.adding(days: -trendWindowDays, to: date)
        let previousStart = AnalyticsCalendar.adding(days: -2 * trendWindowDays, to: date)
        let recent = known.orders(from: recentStart, to: date), previous = known.orders(from: previousStart, to: recentStart)
        let window = Int(trendWindowDays.rounded())
        result[.frequencyTrend] = (Self.decline(from: Double(previous.count), to: Double(recent.count)),
                                   "\(recent.count) orders in the last \(window) days against \(previous.count) in the \(window) before")
        let recentSpend = recent.reduce(0) { $0 + $1.amount }, previousSpend = previous.reduce(0) { $0 + $1.amount }
        result[.lifetimeValueTrend] = (Self.decline(from: previousSpend, to: recentSpend),
                                       "spend \(currency.text(recentSpend)) in the last \(window) days against \(currency.text(previousSpend)) before")

        if let alignment = known.energyAlignment {
            result[.energyAlignment] = (1 - alignment.score, "energy alignment \(alignment.rawValue)")
        } else {
            // Unknown is neither good nor bad news: the middle of the scale.
            result[.energyAlignment] = (0.5, "energy alignment not assessed")
        }

        let touches = (known.contacts + known.orders.map(\.date)).sorted()
        let gaps = zip(touches, touches.dropFirst()).map { AnalyticsCalendar.days(from: $0, to: $1) }.filter { $0 > 0 }
        if let last = touches.last, gaps.count >= 2 {
            let usual = median(gaps)
            let current = AnalyticsCalendar.days(from: last, to: date)
            // ratio/(1 + ratio): on the usual rhythm (ratio 1) scores ½, three times overdue ¾.
            let ratio = usual > 0 ? current / usual : 0
            result[.engagementSpacing] = (ratio / (1 + ratio),
                                          "\(Int(current.rounded())) days since the last touch against a usual \(Int(usual.rounded()))-day rhythm")
        } else {
            result[.engagementSpacing] = (0.5, "too few touches to know the client's rhythm")
        }
        return result
    }

    /// The relative decline (previous − recent)/(previous + recent): 0 when the measure held or
    /// grew (growth is not a churn sign, and steady clients must be able to score low), ⅓ when it
    /// halved, 1 when it fell to nothing. Nothing in either window is no activity at all, the strongest sign.
    static func decline(from previous: Double, to recent: Double) -> Double {
        guard previous + recent > 0 else { return 1 }
        return min(1, max(0, (previous - recent) / (previous + recent)))
    }


    /// One recommendation per factor that scores at least ½, strongest contribution first; a
    /// client at `level` critical also gets a personal escalation. The level may come from
    /// another model than the drivers (a calibrated churn probability), so that the escalation
    /// follows the level the advisor is shown.
    public static func recommendations(for drivers: [ChurnAssessment.Contribution], level: RiskLevel) -> [String] {
        var lines: [String] = []
        if level == .critical {
            lines.append("Escalate to the client advisor's manager: a personal call this week, before any campaign")
        }
        for driver in drivers where driver.score >= 0.5 && driver.weight > 0 {
            switch driver.factor {
            case .daysSinceContact:
                lines.append("Reconnect personally (\(driver.detail)): an invitation or a new-arrival preview in the preferred channel")
            case .frequencyTrend:
                lines.append("Purchases are slowing (\(driver.detail)): offer a private appointment around an upcoming occasion")
            case .energyAlignment:
                lines.append("Improve alignment (\(driver.detail)): refresh the creative profile and tailor the next experience to it")
            case .lifetimeValueTrend:
                lines.append("Spend is falling (\(driver.detail)): present pieces that complete what the client already owns")
            case .engagementSpacing:
                lines.append("The usual rhythm is broken (\(driver.detail)): schedule a check-in now rather than at the next campaign")
            }
        }
        if lines.isEmpty { lines.append("No intervention needed: keep the usual rhythm of contact") }
        return lines
    }
}

/// The five factors of the brief's churn score.
public enum ChurnFactor: String, Sendable, Hashable, Codable, CaseIterable {
    case daysSinceContact = "days-since-contact"
    case frequencyTrend = "frequency-trend"
    case energyAlignment = "energy-alignment"
    case lifetimeValueTrend = "ltv-trend"
    case engagementSpacing = "engagement-spacing"
}

/// Risk levels, most urgent first (the CRM's `riskLevels` vocabulary).
public enum RiskLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case critical, high, medium, low
}

/// Where each risk level begins on a 0…1 score: `critical` at or above `critical`, `high` at or
/// above `high`, and so on; `low` below `medium`. The defaults split the scale into quarters.
public struct RiskThresholds: Sendable, Hashable, Codable {
    public var critical: Double
    public var high: Double
    public var medium: Double

    public init(critical: Double = 0.75, high: Double = 0.5, medium: Double = 0.25) {
        self.critical = critical
        self.high = high
        self.medium = medium
    }

    /// The level of `score`.
    public func level(of score: Double) -> RiskLevel {
        if score >= critical { return .critical }
        if score >= high { return .high }
        if score >= medium { return .medium }
        return .low
    }
}

/// One client's churn assessment by the brief's heuristic.
public struct ChurnAssessment: Sendable, Hashable, Codable {
    /// How much one factor adds to the score.
    public struct Contribution: Sendable, Hashable, Codable {
        public var factor: ChurnFactor
        /// The factor's own score, 0…1.
        public var score: Double
        /// Its normalised weight (the weights sum to 1).
        public var weight: Double
        /// weight × score: what it adds to the total.
        public var contribution: Double
        /// The numbers behind the factor score, in words.
        public var detail: String
    }

    public var customerID: String
    /// The weighted score, 0…1.
    public var score: Double
    public var riskLevel: RiskLevel
    /// The factors, largest contribution first (the key drivers).
    public var drivers: [Contribution]
    /// Interventions, most pressing first.
    public var recommendations: [String]
}

/// The median of a non-empty array (the mean of the middle two for an even count); 0 when empty.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted(), middle = sorted.count / 2
    return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
}

// Dictionaries keyed by these encode as JSON objects ({"ltv-trend": 0.25}), not as arrays of pairs.
extension ChurnFactor: CodingKeyRepresentable {}
