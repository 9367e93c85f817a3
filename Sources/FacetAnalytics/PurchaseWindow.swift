import Foundation

/// When a client's next purchase falls if they buy again: the central interval of their waiting
/// time under BG/NBD, in calendar days once the seasonal index has stretched or compressed it.
///
/// While a client is active each purchase follows an exponential wait at their rate λ, and λ's
/// posterior given their record (x repeat purchases over T days) and given that they are still
/// active is Gamma(r + x, α + T). The wait from the forecast date is then Lomax:
/// P(W > t) = (s/(s + t))^k with s = α + T and k = r + x, whose q-quantile is
/// s·((1 − q)^(−1/k) − 1) average-season days. This is the posterior the churn probability and
/// the chance of a purchase within 30 days come from, so the window, the 30-day chance and the
/// risk never contradict each other. Whether the client buys again at all is P(alive), kept
/// beside the window rather than folded into it: "if they buy again, 80% chance between…".
///
/// ```swift
/// let window = PurchaseWindow(model: fit.model, summary: summary, seasonality: index, at: today)
/// window?.earliest; window?.latest   // 80% of the client's next purchases fall between these days
/// ```
public struct PurchaseWindow: Sendable, Hashable, Codable {
    /// The share of next purchases the window holds, e.g. 0.8.
    public var level: Double
    /// The window's ends in calendar days from the forecast date.
    public var earliestDays: Double
    public var latestDays: Double
    /// The same ends in average-season days, the model's own time.
    public var earliestWait: Double
    public var latestWait: Double
    /// The window's ends as days.
    public var earliest: Date
    public var latest: Date
    /// The median wait, in calendar days from the forecast date, and its day: the one date to
    /// name, always inside the window.
    public var medianDays: Double
    public var median: Date
    /// The probability that the client buys again at all (BG/NBD's P(alive)).
    public var probabilityAlive: Double
    /// True when the window's end lies beyond the ten years the seasonal calendar is walked:
    /// ``latest`` is then ten years on, a floor, not the end (a rare buyer may wait decades).
    public var isOpenEnded: Bool

    /// The window for the client `summary` describes, as of `date`; nil for a level outside (0, 1).
    public init?(model: BGNBDModel, summary: RFMSummary, seasonality: SeasonalIndex, at date: Date, level: Double = 0.8) {
        guard level > 0, level < 1 else { return nil }
        let tail = (1 - level) / 2
        self.level = level
        earliestWait = Self.waitingQuantile(tail, model: model, summary: summary)
        latestWait = Self.waitingQuantile(1 - tail, model: model, summary: summary)
        earliestDays = seasonality.calendarDays(for: earliestWait, from: date)
        latestDays = seasonality.calendarDays(for: latestWait, from: date)
        isOpenEnded = !latestWait.isFinite || seasonality.averageSeasonDays(from: date, to: AnalyticsCalendar.adding(days: latestDays, to: date)) < latestWait * (1 - 1e-9)
        medianDays = seasonality.calendarDays(for: Self.waitingQuantile(0.5, model: model, summary: summary), from: date)
        median = AnalyticsCalendar.adding(days: medianDays, to: date)
        earliest = AnalyticsCalendar.adding(days: earliestDays, to: date)
        latest = AnalyticsCalendar.adding(days: latestDays, to: date)
        probabilityAlive = model.probabilityAlive(frequency: summary.frequency, recency: summary.recency, age: summary.age)
    }

    /// The q-quantile of an active client's wait for their next purchase, in average-season days.
    public static func waitingQuantile(_ q: Double, model: BGNBDModel, summary: RFMSummary) -> Double {
        let (scale, shape) = lomax(model, summary)
        guard q > 0 else { return 0 }
        guard q < 1 else { return .infinity }
        // expm1 keeps the digits of a short wait for a client with many purchases (k large).
        return scale * expm1(-log1p(-q) / shape)
    }

    /// P(W ≤ `days`) for an active client, `days` in average-season days.
    public static func waitingProbability(within days: Double, model: BGNBDModel, summary: RFMSummary) -> Double {
        guard days > 0 else { return 0 }
        let (scale, shape) = lomax(model, summary)
        return -expm1(shape * (log(scale) - log(scale + days)))
    }

    private static func lomax(_ model: BGNBDModel, _ summary: RFMSummary) -> (scale: Double, shape: Double) {
        (model.alpha + summary.age, model.r + Double(summary.frequency))
    }
}

/// How the next-purchase windows held on data they never saw: the model fitted before a cut-off,
/// each client's window computed as of it, and their first purchase after it placed before,
/// inside or after their window (after includes no purchase before the data end). Each count is
/// set beside the count the model expected, which takes P(alive) and the data's end into account:
/// a window running past the data can only be partly tested, and the expectation says how much.
///
/// ```swift
/// let check = try PurchaseWindowBacktest.run(histories, model: cutoffFit.model, seasonality: index,
///                                            cutoff: cutoff, dataEnd: today)
/// check.inside; check.expectedInside; check.insideError   // 1,212 against 1,187 ± 27
/// ```
public struct PurchaseWindowBacktest: Sendable, Hashable, Codable {
    public var cutoff: Date
    public var dataEnd: Date
    public var level: Double
    /// Clients with a purchase before the cut-off.
    public var clients: Int
    /// First purchases after the cut-off before, inside and after their window, observed.
    public var before: Int
    public var inside: Int
    public var later: Int
    /// The same, as the model expected them.
    public var expectedBefore: Double
    public var expectedInside: Double
    public var expectedLater: Double
    /// The standard deviation of the inside count under the model (clients independent).
    public var insideError: Double

    /// Places every client's first purchase after `cutoff` against the window `model` and
    /// `seasonality` (both fitted on data before `cutoff`) gave them.
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` when the data end
    ///   does not follow the cut-off, or a client's amounts are invalid;
    ///   ``AnalyticsError/unusableInput(problem:advice:)`` when no client bought before the cut-off.
    public static func run(_ histories: [CustomerHistory], model: BGNBDModel, seasonality: SeasonalIndex,
                           cutoff: Date, dataEnd: Date, level: Double = 0.8) throws(AnalyticsError) -> PurchaseWindowBacktest {
        let span = AnalyticsCalendar.days(from: cutoff, to: dataEnd)
        guard span > 0 else {
            throw .invalidArgument(name: "dataEnd", value: span, requirement: "the data end after the cut-off")
        }
        let seasonalSpan = seasonality.averageSeasonDays(from: cutoff, to: dataEnd)
        var report = PurchaseWindowBacktest(cutoff: cutoff, dataEnd: dataEnd, level: level, clients: 0, before: 0, inside: 0, later: 0,
                                            expectedBefore: 0, expectedInside: 0, expectedLater: 0, insideError: 0)
        var variance = 0.0
        for history in histories {
            guard let summary = try history.rfmSummary(at: cutoff),
                  let window = PurchaseWindow(model: model, summary: summary, seasonality: seasonality, at: cutoff, level: level) else { continue }
            report.clients += 1
            let low = min(window.earliestWait, seasonalSpan), high = min(window.latestWait, seasonalSpan)
            let alive = window.probabilityAlive
            let before = alive * PurchaseWindow.waitingProbability(within: low, model: model, summary: summary)
            let inside = alive * PurchaseWindow.waitingProbability(within: high, model: model, summary: summary) - before
            report.expectedBefore += before
            report.expectedInside += inside
            report.expectedLater += 1 - before - inside
            variance += inside * (1 - inside)
            if let next = history.orders.first(where: { $0.date >= cutoff && $0.date < dataEnd }) {
                let wait = AnalyticsCalendar.days(from: cutoff, to: next.date)
                if wait < window.earliestDays { report.before += 1 } else if wait <= window.latestDays { report.inside += 1 } else { report.later += 1 }
            } else {
                report.later += 1
            }
        }
        guard report.clients > 0 else {
            throw .unusableInput(problem: "no client bought before the cut-off \(AnalyticsCalendar.isoDay(cutoff)), so no window can be checked",
                                 advice: "choose a later cut-off")
        }
        report.insideError = variance.squareRoot()
        return report
    }

    /// Observed minus expected inside the windows, in standard deviations of the count (which
    /// leave out the fitted parameters' error: a few are usual on large data).
    public var insideZ: Double { insideError > 0 ? (Double(inside) - expectedInside) / insideError : 0 }
    /// Next purchases inside the windows over the number expected: 1 when the windows hold what
    /// they promise, below 1 when they are too narrow or misplaced.
    public var insideRatio: Double { expectedInside > 0 ? Double(inside) / expectedInside : 0 }
}
