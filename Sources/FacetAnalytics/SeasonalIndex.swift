import Foundation

/// A monthly purchase-rate index estimated from the data: how much more (or less) clients buy in
/// each calendar month than on average, with each month shrunk toward a prior in proportion to
/// how little evidence it has.
///
/// Month m's raw index is its repeat purchases over the purchases expected at the overall rate
/// given the client-days observed in that month (first purchases are left out: they mark
/// acquisition, not buying rhythm). The estimate is the gamma–Poisson posterior mean
/// (observedₘ + k·priorₘ) / (expectedₘ + k), with k = `priorStrength` pseudo-purchases, then
/// rescaled so that the index averages 1 over a year's days. The brief's "holiday boost 30%" is
/// the default prior (``briefPrior``), not the answer: with enough data the index is the data's.
///
/// ```swift
/// let index = SeasonalIndex.estimate(from: histories, until: today)
/// index.factors[11]   // December, e.g. 1.42
/// index.peakMonth     // 12
/// ```
public struct SeasonalIndex: Sendable, Hashable, Codable {
    /// The index for January … December (index 0 … 11); averages 1 over a year's days.
    public var factors: [Double]
    /// Repeat purchases observed in each calendar month.
    public var observed: [Int]
    /// Purchases expected in each month at the overall rate.
    public var expected: [Double]
    /// The prior the estimate shrinks toward.
    public var prior: [Double]
    /// Pseudo-purchases of prior evidence per month.
    public var priorStrength: Double

    /// Days in each month of a mean Gregorian year, for averaging over a year.
    static let monthDays = [31, 28.2425, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// The month with the highest index, 1 for January.
    public var peakMonth: Int { (factors.indices.max { factors[$0] < factors[$1] } ?? 0) + 1 }
    /// The month with the lowest index, 1 for January.
    public var lowMonth: Int { (factors.indices.min { factors[$0] < factors[$1] } ?? 0) + 1 }

    /// The factor for the month of `date`.
    public func factor(for date: Date) -> Double { factors[AnalyticsCalendar.month(of: date) - 1] }

    /// The raw index of month `month` (1…12): observed over expected; nil when nothing was expected.
    public func rawFactor(month: Int) -> Double? {
        expected[month - 1] > 0 ? Double(observed[month - 1]) / expected[month - 1] : nil
    }

    /// The brief's prior: the `holidayMonths` (1-based) boosted by `boost` (0.3 for 30%), the other
    /// months lowered alike so that the prior still averages 1 over a year.
    public static func briefPrior(holidayMonths: Set<Int> = [11, 12], boost: Double = 0.3) -> [Double] {
        normalised((1...12).map { holidayMonths.contains($0) ? 1 + boost : 1 })
    }

    /// A flat index (every month 1), for when seasonality should be ignored.
    public static let flat = SeasonalIndex(factors: Array(repeating: 1, count: 12), observed: Array(repeating: 0, count: 12),
                                           expected: Array(repeating: 0, count: 12), prior: Array(repeating: 1, count: 12), priorStrength: 0)

    /// Scales `values` so that their day-weighted mean over a year is 1.
    static func normalised(_ values: [Double]) -> [Double] {
        let mean = zip(values, monthDays).reduce(0) { $0 + $1.0 * $1.1 } / monthDays.reduce(0, +)
        return mean > 0 ? values.map { $0 / mean } : values
    }

    /// Estimates the index from the repeat purchases in `histories` before `end`.
    /// - Parameters:
    ///   - prior: the index to shrink toward, January first (default: the brief's 30% holiday boost).
    ///   - priorStrength: how many purchases of evidence the prior is worth in each month.
    public static func estimate(from histories: [CustomerHistory], until end: Date, prior: [Double] = briefPrior(),
                                priorStrength: Double = 30) -> SeasonalIndex {
        let prior = prior.count == 12 ? normalised(prior) : briefPrior()
        var observed = Array(repeating: 0, count: 12)
        var exposure = Array(repeating: 0.0, count: 12)
        var firsts: [Date] = []
        for history in histories {
            let days = history.purchaseDays(before: end)
            guard let first = days.first?.day else { continue }
            firsts.append(first)
            for purchase in days.dropFirst() { observed[AnalyticsCalendar.month(of: purchase.day) - 1] += 1 }
        }
        // Client-days in each calendar month between each client's first purchase and the end:
        // the month boundaries are computed once, then each client adds a partial first month
        // and whole months after it (a running sum from the end makes that one lookup).
        if let earliest = firsts.min(), earliest < end {
            let boundaries = Self.monthBoundaries(from: earliest, to: end)
            let count = boundaries.count - 1
            // suffix[i][m]: days of calendar month m in the months i..<count.
            var suffix = Array(repeating: Array(repeating: 0.0, count: 12), count: count + 1)
            for i in stride(from: count - 1, through: 0, by: -1) {
                suffix[i] = suffix[i + 1]
                suffix[i][AnalyticsCalendar.month(of: boundaries[i]) - 1] += AnalyticsCalendar.days(from: boundaries[i], to: boundaries[i + 1])
            }
            for first in firsts where first < end {
                // The month holding the first purchase: the last boundary at or before it.
                var low = 0, high = count - 1
                while low < high {
                    let middle = (low + high + 1) / 2
                    if boundaries[middle] <= first { low = middle } else { high = middle - 1 }
                }
                for month in 0..<12 { exposure[month] += suffix[low + 1][month] }
                exposure[AnalyticsCalendar.month(of: boundaries[low]) - 1] += AnalyticsCalendar.days(from: first, to: boundaries[low + 1])
            }
        }
        let totalExposure = exposure.reduce(0, +), totalObserved = Double(observed.reduce(0, +))
        let rate = totalExposure > 0 ? totalObserved / totalExposure : 0
        let expected = exposure.map { $0 * rate }
        let strength = max(0, priorStrength)
        let posterior = (0..<12).map { month -> Double in
            let denominator = expected[month] + strength
            return denominator > 0 ? (Double(observed[month]) + strength * prior[month]) / denominator : prior[month]
        }
        return SeasonalIndex(factors: normalised(posterior), observed: observed, expected: expected, prior: prior, priorStrength: strength)
    }

    /// The starts of the months from the one holding `start` up to `end`, then `end` itself.
    static func monthBoundaries(from start: Date, to end: Date) -> [Date] {
        var boundaries = [AnalyticsCalendar.startOfMonth(start)]
        while let last = boundaries.last, last < end {
            boundaries.append(min(AnalyticsCalendar.startOfNextMonth(last), end))
        }
        return boundaries
    }

    /// The average-season time that passes between `start` and `end`: the inverse of
    /// ``calendarDays(for:from:)`` (each calendar day counts its month's index).
    public func averageSeasonDays(from start: Date, to end: Date) -> Double {
        guard end > start else { return 0 }
        var total = 0.0, current = start
        while current < end {
            let monthEnd = min(AnalyticsCalendar.startOfNextMonth(current), end)
            total += AnalyticsCalendar.days(from: current, to: monthEnd) * max(factor(for: current), 1e-6)
            current = monthEnd
        }
        return total
    }

    /// The calendar time, in days from `start`, in which `days` of average-season time pass when
    /// time runs at the seasonal index: a 30-day interval starting in a month indexed 1.5 takes 20
    /// days. (For a purchase rate λ·index(t), the expected count reaches λ·days at that point.)
    public func calendarDays(for days: Double, from start: Date) -> Double {
        guard days > 0 else { return 0 }
        var remaining = days, elapsed = 0.0, current = start
        // Ten years of calendar time bound the walk even for a nearly zero index.
        while remaining > 0, elapsed < 3_653 {
            let factor = max(self.factor(for: current), 1e-6)
            let monthEnd = AnalyticsCalendar.startOfNextMonth(current)
            let available = max(AnalyticsCalendar.days(from: current, to: monthEnd), 1e-9)
            if available * factor >= remaining {
                return elapsed + remaining / factor
            }
            remaining -= available * factor
            elapsed += available
            current = monthEnd
        }
        return elapsed
    }
}
