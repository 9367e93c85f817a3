import Foundation

/// One trend analysis in one of the brief's seven dimensions, shaped like a `trendAnalysis`
/// document: the aggregates, what they mean (narrative, findings, patterns, anomalies), what they
/// are worth and what to do. Every figure is computed from the input; the text is generated from
/// the figures.
public struct TrendReport: Sendable, Hashable, Codable {
    /// The brief's seven trend dimensions (the `trendType` values).
    public enum Dimension: String, Sendable, Hashable, Codable, CaseIterable {
        case seasonal
        case culturalPreferences = "cultural-preferences"
        case musicalJewelryCorrelation = "musical-jewelry-correlation"
        case engagementEffectiveness = "engagement-effectiveness"
        case collectionPerformance = "collection-performance"
        case experienceAdoption = "experience-adoption"
        case energyAlignment = "energy-alignment"
    }

    /// A labelled figure (a category with its value, or a point of a series).
    public struct Entry: Sendable, Hashable, Codable {
        public var label: String
        public var value: Double

        public init(_ label: String, _ value: Double) {
            self.label = label
            self.value = value
        }
    }

    public var dimension: Dimension
    public var title: String
    /// `monthly`, `quarterly`, `yearly`, `multi-year`…
    public var timeframe: String
    public var periodStart: Date?
    public var periodEnd: Date?
    public var total: Double
    public var average: Double
    /// Change of the headline measure against the previous period, in percent; nil without a previous period.
    public var percentageChange: Double?
    public var topCategories: [Entry]
    public var bottomCategories: [Entry]
    public var series: [Entry]
    public var narrative: String
    public var keyFindings: [String]
    public var patterns: [String]
    public var anomalies: [String]
    public var revenueImpact: Double
    public var customerCount: Int
    /// `low`, `medium` or `high`.
    public var implementationEffort: String
    public var priority: RiskLevel
    public var recommendations: [String]
    /// The test statistics behind the findings (p-values, Cramér's V, slopes), by name.
    public var statistics: [String: Double]

    public init(dimension: Dimension, title: String, timeframe: String, periodStart: Date? = nil, periodEnd: Date? = nil,
                total: Double, average: Double, percentageChange: Double?, topCategories: [Entry], bottomCategories: [Entry],
                series: [Entry], narrative: String, keyFindings: [String], patterns: [String] = [], anomalies: [String] = [],
                revenueImpact: Double, customerCount: Int, implementationEffort: String, priority: RiskLevel,
                recommendations: [String], statistics: [String: Double] = [:]) {
        self.dimension = dimension
        self.title = title
        self.timeframe = timeframe
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.total = total
        self.average = average
        self.percentageChange = percentageChange
        self.topCategories = topCategories
        self.bottomCategories = bottomCategories
        self.series = series
        self.narrative = narrative
        self.keyFindings = keyFindings
        self.patterns = patterns
        self.anomalies = anomalies
        self.revenueImpact = revenueImpact
        self.customerCount = customerCount
        self.implementationEffort = implementationEffort
        self.priority = priority
        self.recommendations = recommendations
        self.statistics = statistics
    }
}

/// An amount on a date, optionally in a category (an order, an order line, a month's revenue).
public struct DatedAmount: Sendable, Hashable, Codable {
    public var date: Date
    public var amount: Double
    public var category: String?

    public init(date: Date, amount: Double, category: String? = nil) {
        self.date = date
        self.amount = amount
        self.category = category
    }
}

/// Shared arithmetic and wording of the trend dimensions.
enum TrendText {
    /// 100·(current − previous)/previous; nil when there is no previous amount.
    static func percentageChange(current: Double, previous: Double) -> Double? {
        previous > 0 ? 100 * (current - previous) / previous : nil
    }

    /// Totals of the last `days` before `end` and of the `days` before those.
    static func periods(_ values: [DatedAmount], end: Date, days: Double) -> (current: Double, previous: Double) {
        let split = AnalyticsCalendar.adding(days: -days, to: end), start = AnalyticsCalendar.adding(days: -2 * days, to: end)
        var current = 0.0, previous = 0.0
        for value in values {
            if value.date >= split && value.date < end { current += value.amount }
            else if value.date >= start && value.date < split { previous += value.amount }
        }
        return (current, previous)
    }

    static func percent(_ share: Double, digits: Int = 0) -> String { String(format: "%.\(digits)f%%", 100 * share) }
    static func signedPercent(_ change: Double) -> String { String(format: "%+.1f%%", change) }
    /// The currency the trend texts name amounts in, for the analyses running in this task
    /// (``Trends/inCurrency(_:_:)``): an ambient setting, like a locale, rather than a parameter
    /// of every analysis.
    @TaskLocal static var currency = HouseCurrency.usd

    static func money(_ value: Double) -> String { currency.text(value) }
    static func number(_ value: Double, digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

    /// "p < 0.001" or "p = 0.034".
    static func pValue(_ p: Double) -> String { p < 0.001 ? "p < 0.001" : "p = \(String(format: "%.3f", p))" }

    static func words(_ value: String) -> String { value.replacingOccurrences(of: "-", with: " ") }

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]

    /// The first and last dates of `dates`.
    static func span(_ dates: [Date]) -> (Date?, Date?) { (dates.min(), dates.max()) }
}
