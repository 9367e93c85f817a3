import Foundation

/// When a client will next buy: an expected interval that blends the client's own inter-purchase
/// intervals with the BG/NBD model's view of their purchase rate, stretched or compressed by the
/// seasonal index, and a confidence score.
///
/// - The model's interval is 1/E[λ | x, T] = (α + T)/(r + x): the posterior mean rate of a client
///   who made x repeat purchases in T days, inverted.
/// - The blend weighs the client's mean interval by the number of intervals n and the model's by
///   `modelWeight` pseudo-intervals: (n·own + k·model)/(n + k). A client with one purchase gets
///   the model's interval; a client with twenty, essentially their own.
/// - The interval is in average-season days; ``SeasonalIndex/calendarDays(for:from:)`` turns it
///   into calendar days from the last purchase (or from today, when the client is already overdue:
///   under a Poisson rate the wait does not shorten with time already waited).
/// - With a model, the expected date is the median of BG/NBD's waiting time from the forecast date,
///   inside its 80% window (``PurchaseWindow``): a client with one repeat purchase who is "due in 6
///   days" by their rhythm may buy in a month or in four years, and a date named alone would
///   promise more than the data hold. The blended interval stays the client's usual rhythm, and
///   says whether they are overdue. Without a model, the date is when the rhythm comes round.
/// - Confidence = P(alive) × (n + 1)/(n + 4) × 1/(1 + cv): more intervals, steadier intervals
///   (cv, their coefficient of variation; 1, as for exponential gaps, with fewer than two) and a
///   client likely still active give a higher score, never 1.
///
/// ```swift
/// let forecaster = NextPurchaseForecaster(model: fit.model, seasonality: .estimate(from: histories, until: today))
/// let next = try forecaster.forecast(history, at: today)
/// next?.expectedDate; next?.confidence
/// ```
public struct NextPurchaseForecaster: Sendable, Hashable, Codable {
    /// A BG/NBD model fitted in days; nil to rely on the client's own intervals alone.
    public var model: BGNBDModel?
    public var seasonality: SeasonalIndex
    /// How many of the client's intervals the model's interval is worth.
    public var modelWeight: Double
    /// The share of next purchases the forecast's ``NextPurchaseForecast/window`` holds.
    public var windowLevel: Double

    public init(model: BGNBDModel? = nil, seasonality: SeasonalIndex = .flat, modelWeight: Double = 2, windowLevel: Double = 0.8) {
        self.model = model
        self.seasonality = seasonality
        self.modelWeight = modelWeight
        self.windowLevel = windowLevel
    }

    /// The forecast for `history` as of `date`; nil when the client never bought before `date`, or
    /// bought once and there is no model to supply an interval.
    public func forecast(_ history: CustomerHistory, at date: Date) throws(AnalyticsError) -> NextPurchaseForecast? {
        guard let summary = try history.rfmSummary(at: date), let last = history.purchaseDays(before: date).last?.day else { return nil }
        let intervals = history.interPurchaseIntervals(before: date)
        let n = Double(intervals.count)
        let own = intervals.isEmpty ? nil : intervals.reduce(0, +) / n
        let modelInterval = model.map { ($0.alpha + summary.age) / ($0.r + Double(summary.frequency)) }
        let interval: Double
        switch (own, modelInterval) {
        case let (own?, model?): interval = (n * own + modelWeight * model) / (n + modelWeight)
        case let (own?, nil): interval = own
        case let (nil, model?): interval = model
        case (nil, nil): return nil
        }
        var variation = 1.0
        if intervals.count >= 2, let own, own > 0 {
            let variance = intervals.reduce(0) { $0 + ($1 - own) * ($1 - own) } / (n - 1)
            variation = sqrt(variance) / own
        }
        let alive = model?.probabilityAlive(frequency: summary.frequency, recency: summary.recency, age: summary.age) ?? 1
        let confidence = alive * (n + 1) / (n + 4) / (1 + variation)

        let due = AnalyticsCalendar.adding(days: seasonality.calendarDays(for: interval, from: last), to: last)
        let overdue = due < date
        let window = model.flatMap { PurchaseWindow(model: $0, summary: summary, seasonality: seasonality, at: date, level: windowLevel) }
        let rhythm = overdue ? AnalyticsCalendar.adding(days: seasonality.calendarDays(for: interval, from: date), to: date) : due
        let expected = window?.median ?? rhythm
        return NextPurchaseForecast(customerID: history.id, lastPurchase: last, intervals: intervals.count, ownMeanInterval: own,
                                    modelInterval: modelInterval, expectedInterval: interval, dueDate: due, expectedDate: expected,
                                    daysUntil: AnalyticsCalendar.days(from: date, to: expected), isOverdue: overdue,
                                    seasonalFactor: seasonality.factor(for: expected), probabilityAlive: alive,
                                    intervalVariation: intervals.count >= 2 ? variation : nil, confidence: confidence,
                                    window: window)
    }
}

/// One client's next-purchase forecast.
public struct NextPurchaseForecast: Sendable, Hashable, Codable {
    public var customerID: String
    /// The last purchase day before the forecast date.
    public var lastPurchase: Date
    /// How many inter-purchase intervals the client has.
    public var intervals: Int
    /// The client's mean interval in days; nil with a single purchase.
    public var ownMeanInterval: Double?
    /// The model's interval (α + T)/(r + x) in days; nil without a model.
    public var modelInterval: Double?
    /// The blended interval, in average-season days.
    public var expectedInterval: Double
    /// When the interval runs out after the last purchase (before the forecast date when overdue).
    public var dueDate: Date
    /// When the next purchase is expected: the median of the model's waiting time (inside
    /// ``window``); without a model, when the usual interval runs out (from today when overdue).
    public var expectedDate: Date
    /// Days from the forecast date to `expectedDate`.
    public var daysUntil: Double
    /// True when the blended interval had already run out at the forecast date.
    public var isOverdue: Bool
    /// The seasonal index of the expected month.
    public var seasonalFactor: Double
    /// P(alive) from the model (1 without one).
    public var probabilityAlive: Double
    /// The coefficient of variation of the client's intervals; nil with fewer than two.
    public var intervalVariation: Double?
    /// 0…1; see ``NextPurchaseForecaster``.
    public var confidence: Double
    /// When the next purchase falls if the client buys again, from the forecast date
    /// (``PurchaseWindow``); nil without a model.
    public var window: PurchaseWindow?

    /// A sentence for the client advisor: when to reach out.
    public var outreach: String {
        let days = Int(daysUntil.rounded())
        let lead = max(0, days - 7)
        if isOverdue {
            return "Overdue on their usual \(Int(expectedInterval.rounded()))-day rhythm: reach out now"
        }
        return "Next purchase expected in about \(days) days: reach out in \(lead) days with something that fits"
    }
}
