import Foundation

/// The brief's seven trend dimensions, each a function from plain dated values to a
/// ``TrendReport``.
///
/// ```swift
/// let seasonal = try Trends.seasonal(orders.map { DatedAmount(date: $0.date, amount: $0.total) })
/// seasonal.topCategories.first   // ("December", 1.42): the peak season and its index
/// ```
public enum Trends {
    /// Runs `body` with the trend texts naming amounts in `currency` ("EUR 1,200").
    ///
    /// ```swift
    /// let report = try Trends.inCurrency(try HouseCurrency("EUR")) { try Trends.seasonal(revenue) }
    /// ```
    public static func inCurrency<Result>(_ currency: HouseCurrency, _ body: () throws -> Result) rethrows -> Result {
        try TrendText.$currency.withValue(currency, operation: body)
    }
}

/// Monthly aggregation and a seasonal decomposition of a revenue series.
public struct MonthlySeries: Sendable, Hashable, Codable {
    /// First day (UTC) of each month from the first to the last month with data, empty months included.
    public var months: [Date]
    public var totals: [Double]
    /// The seasonal index by calendar month (January first), averaging 1 over the months seen:
    /// per calendar month, the mean of the ratios to the centred 12-month moving average with 24
    /// months or more, to the overall mean with fewer (which then confounds trend with season),
    /// computed after replacing ``outliers`` by their prediction.
    public var index: [Double?]
    /// The centred 2×12 moving average (the trend-cycle), nil within six months of either end.
    public var trendCycle: [Double?]

    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` with fewer than three months of data.
    public init(_ values: [DatedAmount]) throws(AnalyticsError) {
        let calendar = AnalyticsCalendar.utc
        guard let first = values.map(\.date).min(), let last = values.map(\.date).max(),
              let start = calendar.dateInterval(of: .month, for: first)?.start else {
            throw .unusableInput(problem: "There are no dated amounts to aggregate", advice: "Give at least three months of orders")
        }
        var months: [Date] = [], cursor = start
        while cursor <= last {
            months.append(cursor)
            guard let next = calendar.date(byAdding: .month, value: 1, to: cursor) else { break }
            cursor = next
        }
        guard months.count >= 3 else {
            throw .unusableInput(problem: "The data spans \(months.count) month\(months.count == 1 ? "" : "s")",
                                 advice: "A seasonal analysis needs at least three months, and two years for a trend-free seasonal index")
        }
        var totals = Array(repeating: 0.0, count: months.count)
        for value in values {
            let offset = calendar.dateComponents([.month], from: start, to: calendar.dateInterval(of: .month, for: value.date)?.start ?? start).month ?? 0
            if offset >= 0 && offset < totals.count { totals[offset] += value.amount }
        }
        // Two passes, as in X-11: decompose with medians (robust to a one-off month), replace the
        // months that decomposition cannot explain by its prediction, decompose again with means.
        let robust = Self.decompose(totals, months: months, robust: true)
        let firstOutliers = Set(Self.outliers(Self.residuals(totals, months: months, cycle: robust.cycle, index: robust.index)))
        var cleaned = totals
        for t in firstOutliers {
            if let level = robust.cycle[t], let factor = robust.index[AnalyticsCalendar.month(of: months[t]) - 1] { cleaned[t] = level * factor }
        }
        let second = Self.decompose(cleaned, months: months, robust: false)
        self.months = months
        self.totals = totals
        self.index = second.index
        self.trendCycle = second.cycle
        self.outliers = Self.outliers(Self.residuals(totals, months: months, cycle: second.cycle, index: second.index))
    }

    /// Months (positions in ``totals``) that season × trend-cycle does not explain: residual
    /// ratios beyond 3.5 robust standard deviations (1.4826 × the median absolute deviation).
    public var outliers: [Int]

    /// The trend-cycle and the seasonal index of `totals`.
    static func decompose(_ totals: [Double], months: [Date], robust: Bool) -> (cycle: [Double?], index: [Double?]) {
        let n = totals.count
        var cycle: [Double?] = Array(repeating: nil, count: n)
        if n >= 13 {
            for t in 6..<(n - 6) {
                // 2×12 centred average: half weights on the two ends make it centred on t.
                var sum = 0.5 * (totals[t - 6] + totals[t + 6])
                for k in (t - 5)...(t + 5) { sum += totals[k] }
                cycle[t] = sum / 12
            }
        }
        var ratios = Array(repeating: [Double](), count: 12)
        let overall = totals.reduce(0, +) / Double(n)
        let useCycle = n >= 24
        for t in 0..<n {
            let month = AnalyticsCalendar.month(of: months[t]) - 1
            if useCycle {
                if let level = cycle[t], level > 0 { ratios[month].append(totals[t] / level) }
            } else if overall > 0 {
                ratios[month].append(totals[t] / overall)
            }
        }
        let raw = ratios.map { values -> Double? in
            guard !values.isEmpty else { return nil }
            return robust && values.count >= 3 ? median(values) : values.reduce(0, +) / Double(values.count)
        }
        let present = raw.compactMap { $0 }
        let mean = present.isEmpty ? 1 : present.reduce(0, +) / Double(present.count)
        return (cycle, raw.map { $0.map { mean > 0 ? $0 / mean : $0 } })
    }

    /// total/(trend-cycle × index) − 1 for the months where both are known.
    static func residuals(_ totals: [Double], months: [Date], cycle: [Double?], index: [Double?]) -> [(Int, Double)] {
        totals.indices.compactMap { t in
            guard let level = cycle[t], level > 0, let factor = index[AnalyticsCalendar.month(of: months[t]) - 1], factor > 0 else { return nil }
            return (t, totals[t] / (level * factor) - 1)
        }
    }

    static func outliers(_ residuals: [(Int, Double)]) -> [Int] {
        guard residuals.count >= 6 else { return [] }
        let centre = median(residuals.map(\.1))
        let spread = 1.4826 * median(residuals.map { abs($0.1 - centre) })
        guard spread > 0 else { return [] }
        return residuals.filter { abs($0.1 - centre) > 3.5 * spread }.map(\.0)
    }

    /// The totals with the seasonal index divided out (months without an index left as they are).
    public var seasonallyAdjusted: [Double] {
        zip(months, totals).map { month, total in
            let factor = index[AnalyticsCalendar.month(of: month) - 1] ?? 1
            return factor > 0 ? total / factor : total
        }
    }

    /// "2024-12".
    static func label(_ month: Date) -> String {
        let parts = AnalyticsCalendar.utc.dateComponents([.year, .month], from: month)
        return String(format: "%04d-%02d", parts.year ?? 0, parts.month ?? 0)
    }
}

extension Trends {
    /// Seasonal patterns: monthly aggregation, the seasonal index with its peak and low season,
    /// the change of the last `periodDays` against the ones before, the direction of the
    /// seasonally adjusted series (Mann–Kendall, Sen's slope, log-linear growth with its 95%
    /// interval) and the months that neither season nor trend explain.
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` with fewer than three months of data.
    public static func seasonal(_ orders: [DatedAmount], periodDays: Double = 365) throws(AnalyticsError) -> TrendReport {
        let monthly = try MonthlySeries(orders)
        let n = monthly.totals.count
        let total = monthly.totals.reduce(0, +), average = total / Double(n)
        let end = orders.map(\.date).max() ?? Date()
        let (current, previous) = TrendText.periods(orders, end: AnalyticsCalendar.adding(days: 1.0 / 86_400, to: end), days: periodDays)
        let change = TrendText.percentageChange(current: current, previous: previous)
        let indexed = monthly.index.enumerated().compactMap { month, value in value.map { TrendReport.Entry(TrendText.monthNames[month], $0) } }
        let ranked = indexed.sorted { ($0.value, $1.label) > ($1.value, $0.label) }
        let peak = ranked.first, low = ranked.last

        var statistics: [String: Double] = [:]
        var patterns: [String] = [], findings: [String] = [], recommendations: [String] = []
        if let peak, let low {
            statistics["peakIndex"] = peak.value
            statistics["lowIndex"] = low.value
            findings.append("Peak season is \(peak.label) (index \(TrendText.number(peak.value))), low season \(low.label) (\(TrendText.number(low.value)))")
            recommendations.append("Build stock and advisor availability for \(peak.label) from two months ahead")
            recommendations.append("Plan private events and campaigns for \(low.label), the quietest month")
        }
        if n < 24 {
            patterns.append("With \(n) months of data the seasonal index is a ratio to the overall mean and still contains any trend")
        }
        let adjusted = monthly.seasonallyAdjusted
        var direction = "no clear direction"
        if let trend = try? MonotonicTrend(adjusted) {
            direction = trend.direction()
            statistics["mannKendallP"] = trend.pValue
            statistics["senSlopePerMonth"] = trend.senSlope
            patterns.append("Seasonally adjusted revenue is \(direction) (Mann–Kendall \(TrendText.pValue(trend.pValue)), Sen's slope \(TrendText.money(trend.senSlope)) a month)")
        }
        if let growth = try? GrowthRate(adjusted) {
            statistics["monthlyGrowth"] = growth.rate
            statistics["monthlyGrowthLower"] = growth.lower
            statistics["monthlyGrowthUpper"] = growth.upper
            patterns.append("Growth \(TrendText.percent(growth.rate, digits: 2)) a month (95% interval \(TrendText.percent(growth.lower, digits: 2)) to \(TrendText.percent(growth.upper, digits: 2))), \(TrendText.percent(growth.compounded(over: 12), digits: 1)) a year")
            if growth.upper < 0 { recommendations.append("Revenue is shrinking beyond seasonal swings: review assortment and outreach before the next peak") }
        }
        let anomalies = Self.anomalies(monthly)
        let narrative = [
            peak.map { "Revenue peaks in \($0.label) at \(TrendText.number($0.value))× an average month" },
            low.map { "and is lowest in \($0.label) (\(TrendText.number($0.value))×)" },
        ].compactMap { $0 }.joined(separator: " ")
            + ". " + (change.map { "The last \(Int(periodDays)) days brought \(TrendText.money(current)), \(TrendText.signedPercent($0)) on the period before. " } ?? "")
            + "Adjusted for season, revenue shows \(direction == "no clear direction" ? "no clear direction" : "a \(direction) trend")."
        let amplitude = (peak?.value ?? 1) / max(low?.value ?? 1, 1e-9)
        return TrendReport(
            dimension: .seasonal, title: "Seasonal patterns", timeframe: "monthly", periodStart: monthly.months.first, periodEnd: end,
            total: total, average: average, percentageChange: change,
            topCategories: Array(ranked.prefix(3)), bottomCategories: Array(ranked.suffix(3).reversed()),
            series: zip(monthly.months, monthly.totals).map { TrendReport.Entry(MonthlySeries.label($0), $1) },
            narrative: narrative, keyFindings: findings, patterns: patterns, anomalies: anomalies,
            revenueImpact: max(0, ((peak?.value ?? 1) - 1) * average), customerCount: 0, implementationEffort: "medium",
            priority: amplitude > 2 ? .high : (amplitude > 1.3 ? .medium : .low), recommendations: recommendations, statistics: statistics)
    }

    /// The outlying months in words.
    static func anomalies(_ monthly: MonthlySeries) -> [String] {
        monthly.outliers.compactMap { t in
            guard let level = monthly.trendCycle[t], let factor = monthly.index[AnalyticsCalendar.month(of: monthly.months[t]) - 1] else { return nil }
            let residual = monthly.totals[t] / (level * factor) - 1
            return "\(MonthlySeries.label(monthly.months[t])): revenue \(TrendText.money(monthly.totals[t])) is \(TrendText.percent(abs(residual))) \(residual > 0 ? "above" : "below") what season and trend predict"
        }
    }
}
