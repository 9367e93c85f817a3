import Foundation

/// The direction of a series and whether it is more than noise: the Mann–Kendall test (with the
/// tie-corrected variance) and Sen's slope, the median of all pairwise slopes. Both are
/// rank-based, so one outlying month neither fakes nor hides a trend.
///
/// ```swift
/// let trend = try MonotonicTrend(monthlyRevenue)
/// trend.senSlope   // per step of the series, e.g. +1,240 a month
/// trend.pValue     // two-sided
/// ```
public struct MonotonicTrend: Sendable, Hashable, Codable {
    /// The Mann–Kendall statistic S: concordant minus discordant pairs.
    public var s: Double
    /// The normal score of S, with the continuity correction.
    public var z: Double
    /// Two-sided p-value of "no monotonic trend".
    public var pValue: Double
    /// Sen's slope: the median pairwise slope, per step.
    public var senSlope: Double
    /// Kendall's τ: S over the number of pairs.
    public var tau: Double

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` with fewer than three
    ///   values or a value that is not finite.
    public init(_ values: [Double]) throws(AnalyticsError) {
        let n = values.count
        guard n >= 3 else {
            throw .invalidArgument(name: "values.count", value: Double(n), requirement: "a trend needs at least three points")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw .invalidArgument(name: "values[\(bad)]", value: values[bad], requirement: "finite numbers")
        }
        var s = 0.0
        var slopes: [Double] = []
        slopes.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<(n - 1) {
            for j in (i + 1)..<n {
                let difference = values[j] - values[i]
                s += difference > 0 ? 1 : (difference < 0 ? -1 : 0)
                slopes.append(difference / Double(j - i))
            }
        }
        // Tied groups reduce the variance of S by Σ t(t − 1)(2t + 5)/18.
        var tieCounts: [Double: Int] = [:]
        for value in values { tieCounts[value, default: 0] += 1 }
        let ties = tieCounts.values.reduce(0.0) { sum, t in sum + Double(t * (t - 1) * (2 * t + 5)) }
        let nn = Double(n)
        let variance = (nn * (nn - 1) * (2 * nn + 5) - ties) / 18
        let z = variance > 0 ? (s > 0 ? (s - 1) : (s < 0 ? s + 1 : 0)) / variance.squareRoot() : 0
        self.s = s
        self.z = z
        self.pValue = min(1, 2 * (1 - Distributions.normalCDF(abs(z))))
        self.senSlope = median(slopes)
        self.tau = s / (nn * (nn - 1) / 2)
    }

    /// "rising", "falling" or "no clear direction" at significance `alpha`.
    public func direction(at alpha: Double = 0.05) -> String {
        guard pValue < alpha else { return "no clear direction" }
        return s > 0 ? "rising" : "falling"
    }
}

/// Growth per step of a positive series, from the least-squares line through the logarithms:
/// log yₜ = a + b·t gives a growth rate e^b − 1 per step, with a confidence interval from the
/// slope's t interval.
///
/// ```swift
/// let growth = try GrowthRate(monthlyRevenue)
/// growth.rate                 // 0.012: 1.2% a month
/// growth.annualised           // (1 + rate)¹² − 1 for monthly data
/// growth.lower, growth.upper  // 95% interval of the rate
/// ```
public struct GrowthRate: Sendable, Hashable, Codable {
    /// Growth per step, e^b − 1.
    public var rate: Double
    /// Lower end of the interval for the rate.
    public var lower: Double
    /// Upper end of the interval for the rate.
    public var upper: Double
    /// The interval's level, e.g. 0.95.
    public var level: Double
    /// R² of the log-linear fit.
    public var rSquared: Double

    /// Compounded over `steps` steps (12 for monthly data gives the annual rate).
    public func compounded(over steps: Double) -> Double { pow(1 + rate, steps) - 1 }

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` with fewer than three
    ///   points, or a value that is not positive (its logarithm does not exist).
    public init(_ values: [Double], level: Double = 0.95) throws(AnalyticsError) {
        let n = values.count
        guard n >= 3 else {
            throw .invalidArgument(name: "values.count", value: Double(n), requirement: "a growth rate needs at least three points")
        }
        if let bad = values.firstIndex(where: { !($0 > 0 && $0.isFinite) }) {
            throw .invalidArgument(name: "values[\(bad)]", value: values[bad],
                                   requirement: "growth on a log scale needs positive values; leave empty periods out or aggregate more coarsely")
        }
        let logs = values.map { log($0) }
        let nn = Double(n)
        let meanT = (nn - 1) / 2, meanY = logs.reduce(0, +) / nn
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for (t, y) in logs.enumerated() {
            let dx = Double(t) - meanT, dy = y - meanY
            sxx += dx * dx
            sxy += dx * dy
            syy += dy * dy
        }
        let slope = sxy / sxx
        let residual = max(0, syy - slope * sxy)
        let standardError = (residual / (nn - 2) / sxx).squareRoot()
        let t = n > 3 ? Distributions.studentTQuantile(0.5 + level / 2, degreesOfFreedom: nn - 2) : 12.706
        self.rate = exp(slope) - 1
        self.lower = exp(slope - t * standardError) - 1
        self.upper = exp(slope + t * standardError) - 1
        self.level = level
        self.rSquared = syy > 0 ? slope * sxy / syy : 1
    }
}

/// A two-way table of counts with the chi-square test of independence, Cramér's V (φ for a 2×2
/// table) and the lift of each cell, observed over expected.
///
/// ```swift
/// var table = ContingencyTable()
/// for client in clients { table.add(row: client.genre, column: client.aesthetic) }
/// table.cramersV; table.pValue; table.lift(row: "world-fusion", column: "bohemian")
/// ```
public struct ContingencyTable: Sendable, Hashable, Codable {
    public private(set) var counts: [String: [String: Double]] = [:]

    public init() {}

    /// Counts one observation (or `weight` of them) in a cell.
    public mutating func add(row: String, column: String, weight: Double = 1) {
        counts[row, default: [:]][column, default: 0] += weight
    }

    public var rows: [String] { counts.keys.sorted() }
    public var columns: [String] { Set(counts.values.flatMap(\.keys)).sorted() }
    public var total: Double { counts.values.reduce(0) { $0 + $1.values.reduce(0, +) } }

    public func count(row: String, column: String) -> Double { counts[row]?[column] ?? 0 }
    public func rowTotal(_ row: String) -> Double { counts[row]?.values.reduce(0, +) ?? 0 }
    public func columnTotal(_ column: String) -> Double { counts.values.reduce(0) { $0 + ($1[column] ?? 0) } }

    /// Observed over expected under independence; above 1, the pair occurs more often than chance.
    public func lift(row: String, column: String) -> Double {
        let expected = rowTotal(row) * columnTotal(column) / total
        return expected > 0 ? count(row: row, column: column) / expected : 0
    }

    /// Pearson's chi-square statistic over the rows and columns that have observations.
    public var chiSquare: Double {
        let total = self.total
        guard total > 0 else { return 0 }
        let columnTotals = Dictionary(uniqueKeysWithValues: columns.map { ($0, columnTotal($0)) })
        var statistic = 0.0
        for row in rows {
            let rowTotal = self.rowTotal(row)
            for (column, columnTotal) in columnTotals {
                let expected = rowTotal * columnTotal / total
                guard expected > 0 else { continue }
                let difference = count(row: row, column: column) - expected
                statistic += difference * difference / expected
            }
        }
        return statistic
    }

    /// (rows − 1)(columns − 1).
    public var degreesOfFreedom: Int { max(0, rows.count - 1) * max(0, columns.count - 1) }

    /// The p-value of independence; 1 when the table has a single row or column.
    public var pValue: Double {
        degreesOfFreedom > 0 ? Distributions.chiSquareSurvival(chiSquare, degreesOfFreedom: Double(degreesOfFreedom)) : 1
    }

    /// Cramér's V = √(χ²/(n·(min(r, c) − 1))): 0 for independence, 1 for a perfect association.
    /// For a 2×2 table it is |φ|.
    public var cramersV: Double {
        let smaller = min(rows.count, columns.count) - 1
        guard smaller > 0, total > 0 else { return 0 }
        return (chiSquare / (total * Double(smaller))).squareRoot()
    }
}

/// A Wilson score interval for a proportion: unlike p ± z·√(p(1−p)/n), it stays inside 0…1 and
/// is honest for small counts and rates near 0 or 1.
public struct ProportionEstimate: Sendable, Hashable, Codable {
    public var successes: Int
    public var trials: Int
    public var rate: Double
    public var lower: Double
    public var upper: Double

    public init(successes: Int, trials: Int, level: Double = 0.95) {
        self.successes = successes
        self.trials = trials
        guard trials > 0 else {
            rate = 0
            lower = 0
            upper = 1
            return
        }
        let n = Double(trials), p = Double(successes) / n, z = Distributions.normalQuantile(0.5 + level / 2)
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z / (1 + z * z / n) * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()
        rate = p
        // At 0 or n successes the bound is exactly 0 or 1; rounding would leave a crumb.
        lower = successes == 0 ? 0 : max(0, centre - half)
        upper = successes == trials ? 1 : min(1, centre + half)
    }
}
