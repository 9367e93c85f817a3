import Foundation

/// A client's own purchase rhythm, and when silence means they are lapsing.
///
/// A fixed horizon ("no purchase in 180 days") calls most of a jewellery house's book lapsed,
/// because its clients buy once or twice a year. Here each client is measured against their own
/// rhythm: the usual interval between their purchases is the posterior mean of the gamma–Poisson
/// purchase rate of BG/NBD, (α + T)/(r + x) days, which weighs the client's own record (x repeat
/// purchases over T days) against the clientele's (r, α) and counts the silence since the last
/// purchase, so a one-time buyer of three years ago is not given the regulars' rhythm. A client is
/// lapsing when they have not bought within ``windowMultiple`` usual intervals (kept between
/// ``shortestWindow`` and ``longestWindow`` days).
///
/// ```swift
/// let rhythm = PurchaseRhythm(model: fit.model)
/// let usual = rhythm.usualInterval(summary)          // 420 days: about every 14 months
/// let window = rhythm.lapseWindow(summary)           // 630 days
/// let p = try rhythm.probabilityOfNoPurchase(summary, within: window)
/// ```
public struct PurchaseRhythm: Sendable, Hashable, Codable {
    /// A BG/NBD model fitted on histories in days.
    public var model: BGNBDModel
    /// How many usual intervals of silence make a client lapsing (default 1.5).
    public var windowMultiple: Double
    /// The shortest and longest lapse windows, in days (default 60 and 730).
    public var shortestWindow: Double
    public var longestWindow: Double

    public init(model: BGNBDModel, windowMultiple: Double = 1.5, shortestWindow: Double = 60, longestWindow: Double = 730) {
        self.model = model
        self.windowMultiple = windowMultiple
        self.shortestWindow = shortestWindow
        self.longestWindow = max(shortestWindow, longestWindow)
    }

    /// The client's usual interval between purchases, in days: 1 / E[λ | x, T] = (α + T)/(r + x).
    public func usualInterval(_ summary: RFMSummary) -> Double {
        (model.alpha + summary.age) / (model.r + Double(summary.frequency))
    }

    /// The days of silence after which the client counts as lapsing.
    public func lapseWindow(_ summary: RFMSummary) -> Double {
        min(longestWindow, max(shortestWindow, windowMultiple * usualInterval(summary)))
    }

    /// P(no purchase in the next `days` | x, tₓ, T) under BG/NBD, exactly: the client has dropped
    /// out, or is still active and their next purchase (exponential in λ, with λ's gamma posterior
    /// Gamma(r + x, α + T)) comes later than `days`:
    /// (1 − P(alive)) + P(alive) · ((α + T)/(α + T + days))^(r + x).
    /// Dropout happens only just after a purchase, so an active client cannot drop out silently
    /// within the window: the formula has no other term.
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` for a negative or infinite span.
    public func probabilityOfNoPurchase(_ summary: RFMSummary, within days: Double) throws(AnalyticsError) -> Double {
        guard days >= 0, days.isFinite else {
            throw .invalidArgument(name: "days", value: days, requirement: "the window is zero or a positive, finite number of days")
        }
        let alive = model.probabilityAlive(frequency: summary.frequency, recency: summary.recency, age: summary.age)
        let x = Double(summary.frequency), scale = model.alpha + summary.age
        let silent = exp((model.r + x) * (log(scale) - log(scale + days)))
        return min(1, max(0, (1 - alive) + alive * silent))
    }

    /// The chance of at least one purchase in the next `days`: 1 − ``probabilityOfNoPurchase(_:within:)``.
    public func probabilityOfPurchase(_ summary: RFMSummary, within days: Double) throws(AnalyticsError) -> Double {
        1 - (try probabilityOfNoPurchase(summary, within: days))
    }

    /// The probability that the client lapses: no purchase within their own lapse window.
    public func probabilityOfLapse(_ summary: RFMSummary) throws(AnalyticsError) -> Double {
        try probabilityOfNoPurchase(summary, within: lapseWindow(summary))
    }
}
