import Foundation
@testable import FacetAnalytics
import Testing
import TestSupport

/// The 80% interval of a client's lifetime value: its simulation agrees with the analytic
/// expectation, and on clients simulated from known parameters the interval holds their actual
/// future spend as often as it says.
@Suite("Forecast intervals", .ownThread(computing: true))
struct ForecastIntervalTests {
    // CDNOW's published fits (weeks), and a year's projection at 1% a month.
    static let purchases = try! BGNBDModel(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
    static let spend = try! GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44)
    static let projection = try! LifetimeValueProjection(months: 12, monthlyDiscountRate: 0.01)

    @Test(arguments: [(2, 30.43, 38.86, 22.35), (0, 0.0, 38.86, 0.0), (7, 35.0, 38.0, 41.2), (1, 2.0, 70.0, 15.0)])
    func theSimulatedMeanIsTheAnalyticValue(frequency: Int, recency: Double, age: Double, monetary: Double) throws {
        let customer = try RFMSummary(id: "c", frequency: frequency, recency: recency, age: age, monetaryValue: monetary)
        let simulation = ForecastInterval(projection: Self.projection, purchases: Self.purchases, spend: Self.spend)
        var random = SplitMix64(seed: 11)
        let values = simulation.simulate(customer, count: 40_000, using: &random)
        let mean = values.reduce(0, +) / Double(values.count)
        let deviation = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        let analytic = try Self.projection.value(of: customer, purchases: Self.purchases, spend: Self.spend)
        #expect(abs(mean - analytic) < 4 * deviation / Double(values.count).squareRoot(), "simulated \(mean), analytic \(analytic)")
        let interval = try simulation.interval(for: customer)
        // The mean of a skewed spend need not lie inside the central 80% (a client most likely
        // gone has [0, 0]), but the simulation's own mean is the one tested above.
        #expect(interval.lower <= interval.upper)
        #expect(abs(interval.mean - analytic) < 0.25 * analytic + 1, "the interval's own 400-draw mean \(interval.mean)")
        #expect(interval.level == 0.8)
    }

    @Test func theSameClientGetsTheSameIntervalAndAWiderLevelAWiderOne() throws {
        let customer = try RFMSummary(id: "customer-000042", frequency: 3, recency: 30, age: 40, monetaryValue: 50)
        let simulation = ForecastInterval(projection: Self.projection, purchases: Self.purchases, spend: Self.spend)
        let first = try simulation.interval(for: customer), second = try simulation.interval(for: customer)
        #expect(first == second)
        let wide = try simulation.interval(for: customer, level: 0.95)
        #expect(wide.lower <= first.lower && wide.upper >= first.upper && wide.upper > first.upper)
        #expect(throws: AnalyticsError.self) { try simulation.interval(for: customer, level: 1) }
        #expect(throws: AnalyticsError.self) { try simulation.interval(for: customer, level: 0) }
        #expect(throws: AnalyticsError.self) { try ForecastInterval(projection: Self.projection, purchases: Self.purchases, spend: Self.spend, draws: 3).interval(for: customer) }
    }

    /// Clients drawn from the models themselves, observed for T weeks and then followed for the
    /// projection's year: each one's actual discounted spend falls above their interval about
    /// 10% of the time, and below it at most about 10% (a client who buys nothing sits on the
    /// interval's lower end, 0, when most of their futures are empty).
    @Test func intervalsHoldTheActualFutureAsOftenAsTheySay() throws {
        var random = SeededGenerator(seed: 2026)
        let simulation = ForecastInterval(projection: Self.projection, purchases: Self.purchases, spend: Self.spend, draws: 300)
        let clients = 2_000
        var above = 0, below = 0
        for index in 0..<clients {
            let (customer, future) = try Self.client(index, using: &random)
            let interval = try simulation.interval(for: customer)
            if future > interval.upper { above += 1 }
            if future < interval.lower { below += 1 }
        }
        let aboveShare = Double(above) / Double(clients), belowShare = Double(below) / Double(clients)
        #expect(abs(aboveShare - 0.1) < 0.025, "above the interval: \(aboveShare)")
        #expect(belowShare < 0.125, "below the interval: \(belowShare)")
        #expect(1 - aboveShare - belowShare > 0.775, "inside: \(1 - aboveShare - belowShare)")
    }

    /// A client simulated from the CDNOW parameters: their summary after 30 to 78 weeks, and their
    /// discounted spend over the projection's horizon after that.
    static func client(_ index: Int, using random: inout SeededGenerator) throws -> (RFMSummary, future: Double) {
        let past = CustomerSimulator(purchases: purchases, spend: spend, ages: 30...78).draw(using: &random)
        let horizon = Double(projection.months) * projection.timeUnitsPerMonth
        var future = 0.0, time = past.time
        while past.alive, time - past.age <= horizon {
            let month = ((time - past.age) / projection.timeUnitsPerMonth).rounded(.up)
            future += random.gamma(shape: spend.p) / past.nu / pow(1 + projection.monthlyDiscountRate, max(1, month))
            if random.uniform() < past.dropout { break }
            time += random.exponential(rate: past.lambda)
        }
        return (try past.summary(id: "sim-\(index)"), future)
    }

    /// The parameter sets follow the estimates' sampling distribution, and the intervals drawn
    /// with them still hold the actual future as often as they say. What the parameters' error
    /// adds is measured, not assumed: on 200 clients it widens the intervals by about 1% (the
    /// client's own randomness is nearly all of it), on 2,000 by less; below about a hundred
    /// clients the likelihood is often too flat for a covariance, and no sets are drawn.
    @Test func theParametersErrorIsDrawnAndMeasured() throws {
        var random = SeededGenerator(seed: 77)
        var widthWithout = 0.0, widthWith = 0.0, aboveWithout = 0, aboveWith = 0, clients = 0
        for replicate in 0..<6 {
            let sample = try (0..<200).map { try Self.client(replicate * 1_000 + $0, using: &random) }
            let summaries = sample.map(\.0)
            let purchaseFit = try BGNBDModel.fit(summaries), spendFit = try GammaGammaModel.fit(summaries)
            let uncertainty = try #require(ParameterUncertainty.sampled(purchases: purchaseFit, spend: spendFit))
            #expect(uncertainty.purchases.count == ParameterUncertainty.defaultCount && uncertainty.spend.count == ParameterUncertainty.defaultCount)
            if replicate == 0 {
                // The drawn r spread as the estimate's standard error says (log scale: SE/r), centred on it.
                let logs = uncertainty.purchases.map { log($0.r) }
                let mean = logs.reduce(0, +) / Double(logs.count)
                let spread = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logs.count - 1)).squareRoot()
                let expected = try #require(purchaseFit.standardErrors).r / purchaseFit.model.r
                #expect(abs(spread / expected - 1) < 0.35, "spread \(spread) against \(expected)")
                #expect(abs(mean - log(purchaseFit.model.r)) < 3 * expected / Double(logs.count).squareRoot())
                // Seeded: the same fits draw the same sets.
                #expect(ParameterUncertainty.sampled(purchases: purchaseFit, spend: spendFit) == uncertainty)
            }
            let plain = ForecastInterval(projection: Self.projection, purchases: purchaseFit.model, spend: spendFit.model, draws: 400)
            let honest = ForecastInterval(projection: Self.projection, purchases: purchaseFit.model, spend: spendFit.model, draws: 400,
                                          uncertainty: uncertainty)
            for (customer, future) in sample {
                let one = try plain.interval(for: customer), two = try honest.interval(for: customer)
                widthWithout += one.upper - one.lower
                widthWith += two.upper - two.lower
                if future > one.upper { aboveWithout += 1 }
                if future > two.upper { aboveWith += 1 }
                clients += 1
            }
        }
        print("200-client fits: mean width \(widthWithout / Double(clients)) → \(widthWith / Double(clients)); above \(aboveWithout) → \(aboveWith) of \(clients)")
        #expect(widthWith > widthWithout && widthWith < 1.1 * widthWithout)
        #expect(abs(Double(aboveWith) / Double(clients) - 0.1) < 0.03 && abs(Double(aboveWithout) / Double(clients) - 0.1) < 0.03)

        // Two thousand clients pin the parameters down: the intervals hardly move.
        let large = try (0..<2_000).map { try Self.client(50_000 + $0, using: &random) }
        let purchaseFit = try BGNBDModel.fit(large.map(\.0)), spendFit = try GammaGammaModel.fit(large.map(\.0))
        let uncertainty = try #require(ParameterUncertainty.sampled(purchases: purchaseFit, spend: spendFit))
        let plain = ForecastInterval(projection: Self.projection, purchases: purchaseFit.model, spend: spendFit.model)
        let honest = ForecastInterval(projection: Self.projection, purchases: purchaseFit.model, spend: spendFit.model, uncertainty: uncertainty)
        var largeWithout = 0.0, largeWith = 0.0
        for (customer, _) in large.prefix(400) {
            largeWithout += try plain.interval(for: customer).upper
            largeWith += try honest.interval(for: customer).upper
        }
        print("2,000-client fit: summed upper ends \(largeWithout) → \(largeWith)")
        #expect(abs(largeWith / largeWithout - 1) < 0.1)
        // A fit without a covariance (a flat likelihood) gives no sets.
        var flat = purchaseFit
        flat.covariance = nil
        #expect(ParameterUncertainty.sampled(purchases: flat, spend: spendFit) == nil)
    }
}
