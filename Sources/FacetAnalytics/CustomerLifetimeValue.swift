import Foundation

/// The discounted value of a customer's future purchases, from a purchase model (``BGNBDModel``)
/// and a spend model (``GammaGammaModel``): month by month, the expected purchases in that month
/// (the difference of cumulative expectations) × the expected value of a purchase × the discount
/// factor 1/(1 + d)ⁱ of the month's end.
///
/// ```swift
/// // CDNOW-style data in weeks: five years, 1% a month.
/// let projection = try LifetimeValueProjection(months: 60, monthlyDiscountRate: 0.01, timeUnitsPerMonth: 365.25 / 12 / 7)
/// let clv = try projection.value(of: customer, purchases: bgnbd, spend: gammaGamma)
/// ```
public struct LifetimeValueProjection: Sendable, Hashable, Codable {
    /// The horizon in months (60 for the usual five years).
    public var months: Int
    /// The discount rate per month (0.01 is about 12.7% a year).
    public var monthlyDiscountRate: Double
    /// How many of the data's time units make a month: 365.25/12/7 ≈ 4.35 for weeks, 365.25/12 ≈ 30.4 for days.
    public var timeUnitsPerMonth: Double

    /// Weeks in an average month.
    public static let weeksPerMonth = 365.25 / 12 / 7
    /// Days in an average month.
    public static let daysPerMonth = 365.25 / 12

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` for a horizon below one
    ///   month, a negative discount rate, or a non-positive month length.
    public init(months: Int = 60, monthlyDiscountRate: Double = 0.01, timeUnitsPerMonth: Double = weeksPerMonth) throws(AnalyticsError) {
        guard months >= 1 else {
            throw .invalidArgument(name: "months", value: Double(months), requirement: "the horizon is at least one month")
        }
        guard monthlyDiscountRate >= 0, monthlyDiscountRate.isFinite else {
            throw .invalidArgument(name: "monthlyDiscountRate", value: monthlyDiscountRate, requirement: "a rate of zero or more, e.g. 0.01 for 1% a month")
        }
        guard timeUnitsPerMonth > 0, timeUnitsPerMonth.isFinite else {
            throw .invalidArgument(name: "timeUnitsPerMonth", value: timeUnitsPerMonth,
                                   requirement: "the number of the data's time units in a month, e.g. \(Self.weeksPerMonth) for weeks")
        }
        self.months = months
        self.monthlyDiscountRate = monthlyDiscountRate
        self.timeUnitsPerMonth = timeUnitsPerMonth
    }

    /// One month of a projection.
    public struct Month: Sendable, Hashable, Codable {
        /// 1 for the first month after the end of the observation period.
        public var index: Int
        /// Expected purchases in this month.
        public var expectedPurchases: Double
        /// Their expected value, discounted to today.
        public var discountedValue: Double
    }

    /// The month-by-month projection for one customer.
    public func schedule(of customer: RFMSummary, purchases: BGNBDModel, spend: GammaGammaModel) throws(AnalyticsError) -> [Month] {
        let value = try spend.expectedAverageValue(for: customer)
        var previous = 0.0
        var months: [Month] = []
        months.reserveCapacity(self.months)
        for index in 1...self.months {
            let cumulative = try purchases.expectedPurchases(in: Double(index) * timeUnitsPerMonth, for: customer)
            let inMonth = cumulative - previous
            previous = cumulative
            months.append(Month(index: index, expectedPurchases: inMonth,
                                discountedValue: inMonth * value / pow(1 + monthlyDiscountRate, Double(index))))
        }
        return months
    }

    /// The customer's discounted lifetime value over the horizon.
    public func value(of customer: RFMSummary, purchases: BGNBDModel, spend: GammaGammaModel) throws(AnalyticsError) -> Double {
        try schedule(of: customer, purchases: purchases, spend: spend).reduce(0) { $0 + $1.discountedValue }
    }
}
