import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Trend statistics", .ownThread(computing: true))
struct TrendStatisticsTests {
    @Test func distributionTails() {
        #expect(abs(Distributions.normalQuantile(0.975) - 1.959963984540054) < 1e-12)
        #expect(abs(Distributions.normalQuantile(0.001) + 3.090232306167814) < 1e-10)
        #expect(abs(Distributions.chiSquareSurvival(3.841458820694124, degreesOfFreedom: 1) - 0.05) < 1e-12)
        #expect(abs(Distributions.chiSquareSurvival(18.307038053275146, degreesOfFreedom: 10) - 0.05) < 1e-12)
        // With two degrees of freedom the tail is e^(−x/2); with one, erfc(√(x/2)).
        for x in [0.1, 1, 5, 40] {
            #expect(abs(Distributions.chiSquareSurvival(x, degreesOfFreedom: 2) - exp(-x / 2)) < 1e-14)
            #expect(abs(Distributions.chiSquareSurvival(x, degreesOfFreedom: 1) - erfc((x / 2).squareRoot())) < 1e-14)
        }
        // t quantiles from tables: 2.228139 (ν = 10), 2.776445 (ν = 4), 1.983972 (ν = 100).
        for (nu, exact) in [(10.0, 2.228138851986274), (4, 2.776445105197793), (100, 1.983971518523552)] {
            #expect(abs(Distributions.studentTQuantile(0.975, degreesOfFreedom: nu) / exact - 1) < 0.002)
        }
    }

    @Test func mannKendallByHand() throws {
        let rising = try MonotonicTrend([1, 2, 3, 4, 5])
        // S = 10 of 10 pairs; Var S = 5·4·15/18; z = (S − 1)/√Var.
        #expect(rising.s == 10 && rising.tau == 1 && rising.senSlope == 1)
        #expect(abs(rising.z - 9 / (5.0 * 4 * 15 / 18).squareRoot()) < 1e-12)
        #expect(abs(rising.pValue - 2 * (1 - Distributions.normalCDF(rising.z))) < 1e-15)
        #expect(rising.direction() == "rising")
        // One tied pair: Var S = (3·2·11 − 2·1·9)/18.
        let tied = try MonotonicTrend([1, 1, 2])
        #expect(tied.s == 2 && abs(tied.z - 1 / (48.0 / 18).squareRoot()) < 1e-12)
        #expect(tied.direction() == "no clear direction")
        // An outlier does not move Sen's slope.
        #expect(try MonotonicTrend([10, 12, 14, 1_000, 18, 20]).senSlope == 2)
        #expect(throws: AnalyticsError.self) { try MonotonicTrend([1, 2]) }
    }

    @Test func growthRateIsExactOnAGeometricSeries() throws {
        let growth = try GrowthRate((0..<12).map { 100 * pow(1.05, Double($0)) })
        #expect(abs(growth.rate - 0.05) < 1e-12 && abs(growth.lower - 0.05) < 1e-9 && abs(growth.upper - 0.05) < 1e-9)
        #expect(abs(growth.compounded(over: 12) - (pow(1.05, 12) - 1)) < 1e-10)
        #expect(throws: AnalyticsError.self) { try GrowthRate([1, 0, 2]) }
    }

    /// The 95% interval covers the true rate in about 95% of noisy series: with 400 series the
    /// count of misses is binomial(400, 0.05), mean 20, standard deviation 4.4.
    @Test func growthIntervalHasItsCoverage() throws {
        var random = SeededGenerator(seed: 31)
        var misses = 0
        for _ in 0..<400 {
            let series = (0..<24).map { 1_000 * pow(1.02, Double($0)) * exp(0.1 * random.normal()) }
            let growth = try GrowthRate(series)
            if !(growth.lower...growth.upper).contains(0.02) { misses += 1 }
        }
        #expect(abs(Double(misses) - 20) <= 4 * (400 * 0.05 * 0.95).squareRoot(), "\(misses) misses of 400")
    }

    @Test func contingencyTableByHand() {
        var table = ContingencyTable()
        for (row, column, count) in [("a", "x", 10.0), ("a", "y", 20), ("b", "x", 30), ("b", "y", 40)] {
            table.add(row: row, column: column, weight: count)
        }
        // Expected 12, 18, 28, 42: χ² = 4/12 + 4/18 + 4/28 + 4/42.
        let chiSquare = 4.0 / 12 + 4.0 / 18 + 4.0 / 28 + 4.0 / 42
        #expect(abs(table.chiSquare - chiSquare) < 1e-12 && table.degreesOfFreedom == 1)
        #expect(abs(table.cramersV - (chiSquare / 100).squareRoot()) < 1e-12)
        #expect(abs(table.pValue - erfc((chiSquare / 2).squareRoot())) < 1e-12)
        #expect(abs(table.lift(row: "a", column: "x") - 10.0 / 12) < 1e-12)
        // A perfect association has V = 1.
        var perfect = ContingencyTable()
        for (row, column) in [("a", "x"), ("b", "y"), ("c", "z")] { perfect.add(row: row, column: column, weight: 5) }
        #expect(abs(perfect.cramersV - 1) < 1e-12 && perfect.pValue < 1e-4)
    }

    @Test func wilsonInterval() {
        let none = ProportionEstimate(successes: 0, trials: 10)
        #expect(none.lower == 0 && abs(none.upper - 0.27753) < 1e-4)
        let half = ProportionEstimate(successes: 50, trials: 100)
        #expect(abs(half.lower - 0.40383) < 1e-4 && abs(half.upper - 0.59617) < 1e-4)
    }
}
