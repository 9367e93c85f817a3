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
        let horizon = Double(Self.projection.months) * Self.projection.timeUnitsPerMonth
        let clients = 2_000
        var above = 0, below = 0
        for index in 0..<clients {
            let lambda = random.gamma(shape: Self.purchases.r) / Self.purchases.alpha
            let dropout = random.beta(Self.purchases.a, Self.purchases.b)
            let nu = random.gamma(shape: Self.spend.q) / Self.spend.gamma
            let age = 30 + random.uniform() * 48
            var time = 0.0, frequency = 0, recency = 0.0, total = 0.0, alive = true
            while true {
                time += random.exponential(rate: lambda)
                guard time <= age else { break }
                frequency += 1
                recency = time
                total += random.gamma(shape: Self.spend.p) / nu
                if random.uniform() < dropout {
                    alive = false
                    break
                }
            }
            // The future: the purchase already drawn past T comes first (gaps are memoryless).
            var future = 0.0
            while alive, time - age <= horizon {
                let month = ((time - age) / Self.projection.timeUnitsPerMonth).rounded(.up)
                future += random.gamma(shape: Self.spend.p) / nu / pow(1 + Self.projection.monthlyDiscountRate, max(1, month))
                if random.uniform() < dropout { break }
                time += random.exponential(rate: lambda)
            }
            let customer = try RFMSummary(id: "sim-\(index)", frequency: frequency, recency: recency, age: age,
                                          monetaryValue: frequency > 0 ? total / Double(frequency) : 0)
            let interval = try simulation.interval(for: customer)
            if future > interval.upper { above += 1 }
            if future < interval.lower { below += 1 }
        }
        let aboveShare = Double(above) / Double(clients), belowShare = Double(below) / Double(clients)
        #expect(abs(aboveShare - 0.1) < 0.025, "above the interval: \(aboveShare)")
        #expect(belowShare < 0.125, "below the interval: \(belowShare)")
        #expect(1 - aboveShare - belowShare > 0.775, "inside: \(1 - aboveShare - belowShare)")
    }
}
