import Foundation

/// The brief's lifetime-value heuristic, kept beside the probabilistic model so that the two can
/// be compared: the client's average order value × a frequency multiplier (0.8–3.5×) × a segment
/// multiplier (0.8–4.0×) × an alignment multiplier (1.0–2.5×), summed over five years growing
/// 15% a year.
///
/// The brief gives the ranges, not how a client maps into them; the mappings here are the
/// simplest that span them: frequency rises linearly with orders per year up to
/// `saturationOrdersPerYear`; segments step from `new` to `vip`; alignment rises linearly with
/// its level (an unassessed client gets 1×).
///
/// ```swift
/// let heuristic = BriefLifetimeValue()
/// let forecast = heuristic.forecast(history, at: today)
/// forecast.value       // 5-year value
/// forecast.drivers     // the multipliers, largest effect first
/// ```
public struct BriefLifetimeValue: Sendable, Hashable, Codable {
    public var frequencyRange: ClosedRange<Double>
    /// Orders per year at which the frequency multiplier reaches its top.
    public var saturationOrdersPerYear: Double
    public var segmentMultipliers: [CustomerSegment: Double]
    public var alignmentRange: ClosedRange<Double>
    public var annualGrowth: Double
    public var years: Int

    public static let briefSegmentMultipliers: [CustomerSegment: Double] = [.new: 0.8, .occasional: 1.2, .regular: 1.8, .loyal: 2.8, .vip: 4.0]

    public init(frequencyRange: ClosedRange<Double> = 0.8...3.5, saturationOrdersPerYear: Double = 6,
                segmentMultipliers: [CustomerSegment: Double] = briefSegmentMultipliers, alignmentRange: ClosedRange<Double> = 1.0...2.5,
                annualGrowth: Double = 0.15, years: Int = 5) {
        self.frequencyRange = frequencyRange
        self.saturationOrdersPerYear = saturationOrdersPerYear
        self.segmentMultipliers = segmentMultipliers
        self.alignmentRange = alignmentRange
        self.annualGrowth = annualGrowth
        self.years = years
    }

    /// The forecast for `history` as of `date`; nil for a client without orders before `date`.
    /// Orders per year count from the first order, over at least one year (a client of one
    /// month with two orders is not a 24-orders-a-year client yet).
    public func forecast(_ history: CustomerHistory, at date: Date) -> LifetimeValueForecast? {
        let orders = history.orders.filter { $0.date < date }
        guard let first = orders.first else { return nil }
        let averageOrder = orders.reduce(0) { $0 + $1.amount } / Double(orders.count)
        let years = max(1, AnalyticsCalendar.days(from: first.date, to: date) / 365.25)
        let perYear = Double(orders.count) / years
        let frequency = frequencyRange.lowerBound
            + (frequencyRange.upperBound - frequencyRange.lowerBound) * min(1, perYear / max(saturationOrdersPerYear, 1e-9))
        let segment = segmentMultipliers[history.segment] ?? 1
        let alignment = history.energyAlignment.map { alignmentRange.lowerBound + (alignmentRange.upperBound - alignmentRange.lowerBound) * $0.score }
            ?? alignmentRange.lowerBound
        let growth = (0..<max(0, self.years)).reduce(0.0) { $0 + pow(1 + annualGrowth, Double($1)) }
        let value = averageOrder * frequency * segment * alignment * growth
        // Each multiplier's effect: how much lower the value would be at 1× (negative below 1×).
        let drivers = [
            LifetimeValueDriver(input: "frequency", customerValue: perYear, referenceValue: saturationOrdersPerYear,
                                effect: value - value / frequency, detail: "\(String(format: "%.1f", perYear)) orders a year: \(String(format: "%.2f", frequency))×"),
            LifetimeValueDriver(input: "segment", customerValue: segment, referenceValue: 1, effect: value - value / segment,
                                detail: "\(history.segment.rawValue) segment: \(String(format: "%.2f", segment))×"),
            LifetimeValueDriver(input: "energy-alignment", customerValue: alignment, referenceValue: 1, effect: value - value / alignment,
                                detail: "\(history.energyAlignment?.rawValue ?? "unassessed") alignment: \(String(format: "%.2f", alignment))×"),
        ].sorted { abs($0.effect) > abs($1.effect) }
        return LifetimeValueForecast(customerID: history.id, value: value, algorithm: "brief-heuristic", drivers: drivers)
    }
}

/// A lifetime-value forecast and what drove it.
public struct LifetimeValueForecast: Sendable, Hashable, Codable {
    public var customerID: String
    public var value: Double
    /// `brief-heuristic` or `bg-nbd+gamma-gamma`.
    public var algorithm: String
    /// Inputs, largest absolute effect first.
    public var drivers: [LifetimeValueDriver]
}

/// How much one input moved a forecast.
public struct LifetimeValueDriver: Sendable, Hashable, Codable {
    /// `frequency`, `recency`, `T`, `monetary-value`, `segment`, `energy-alignment`.
    public var input: String
    /// The client's value of the input.
    public var customerValue: Double
    /// The value it is compared against (the population mean, or 1× for a multiplier).
    public var referenceValue: Double
    /// Forecast minus the forecast with the input at its reference value.
    public var effect: Double
    public var detail: String
}
