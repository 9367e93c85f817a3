import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

/// Each dimension finds an effect planted in simulated data, within the sampling error of the
/// simulation, and reports no effect where none was planted.
@Suite("Trend dimensions", .ownThread(computing: true))
struct TrendTests {
    static func day(_ year: Int, _ month: Int, _ day: Int) -> Date { HistorySimulator.date(year, month, day) }

    /// December ×1.8, July ×0.6, the rest flat (before normalising).
    static let planted: [Double] = [1, 1, 1, 1, 1, 1, 0.6, 1, 1, 1, 1, 1.8]

    @Test func seasonalFindsPeakLowGrowthAndASpike() throws {
        var random = SeededGenerator(seed: 4)
        let noise = 0.05
        var orders: [DatedAmount] = []
        for t in 0..<48 {
            let month = t % 12
            var amount = 100_000 * pow(1.01, Double(t)) * Self.planted[month] * exp(noise * random.normal())
            if t == 26 { amount *= 2 }   // March 2023: a one-off event
            // Three orders a month, so that the monthly aggregation has something to add up.
            for part in 0..<3 {
                orders.append(DatedAmount(date: Self.day(2021 + t / 12, month + 1, 5 + 9 * part), amount: amount / 3))
            }
        }
        let report = try Trends.seasonal(orders)
        #expect(report.dimension == .seasonal && report.series.count == 48)
        #expect(report.topCategories.first?.label == "December" && report.bottomCategories.first?.label == "July")
        // The index is the mean of three ratios (the spike replaced), each with the noise's
        // relative error: standard error σ/√3.
        let truthMean = Self.planted.reduce(0, +) / 12, error = noise / 3.0.squareRoot()
        let december = try #require(report.topCategories.first?.value), july = try #require(report.bottomCategories.first?.value)
        #expect(abs(december - 1.8 / truthMean) <= 4 * error * 1.8, "December \(december)")
        #expect(abs(july - 0.6 / truthMean) <= 4 * error * 0.6, "July \(july)")
        // Growth of 1% a month: inside four standard errors of the estimate.
        let rate = try #require(report.statistics["monthlyGrowth"]), lower = try #require(report.statistics["monthlyGrowthLower"])
        let upper = try #require(report.statistics["monthlyGrowthUpper"])
        let standardError = (log(1 + upper) - log(1 + lower)) / (2 * 2.01)
        #expect(abs(log(1 + rate) - log(1.01)) <= 4 * standardError, "growth \(rate) [\(lower), \(upper)]")
        #expect(try #require(report.statistics["mannKendallP"]) < 0.001)
        // The last twelve months against the twelve before: 1.01¹² − 1 = 12.7%, noise of a year's total ≈ 2%.
        let change = try #require(report.percentageChange)
        #expect(abs(change - 100 * (pow(1.01, 12) - 1)) <= 4 * 100 * noise * (2.0 / 12).squareRoot() * 1.2, "change \(change)")
        #expect(report.anomalies.count == 1 && report.anomalies.first?.hasPrefix("2023-03") == true, "\(report.anomalies)")
        #expect(report.recommendations.contains { $0.contains("December") })
        #expect(report.narrative.contains("December") && report.narrative.contains("rising"))
        _ = try JSONEncoder().encode(report)
        #expect(throws: AnalyticsError.self) { try Trends.seasonal([DatedAmount(date: Self.day(2024, 1, 1), amount: 1)]) }
    }

    @Test func culturalPreferencesFindThePlantedPair() throws {
        let heritages = ["Nigerian", "Japanese", "Mexican", "Indian"], categories = ["rings", "necklaces", "earrings", "bracelets"]
        func purchases(planted: Bool, seed: UInt64) -> [HeritagePurchase] {
            var random = SeededGenerator(seed: seed)
            return (0..<2_000).map { index in
                let heritage = heritages[Int(random.uniform() * 4)]
                // Nigerian-heritage clients choose necklaces half the time; everyone else uniformly.
                let category = planted && heritage == "Nigerian" && random.uniform() < 1.0 / 3 ? "necklaces" : categories[Int(random.uniform() * 4)]
                return HeritagePurchase(date: AnalyticsCalendar.adding(days: Double(index % 700), to: Self.day(2023, 1, 1)),
                                        heritage: [heritage], category: category, amount: 1_000)
            }
        }
        let report = try Trends.culturalPreferences(purchases(planted: true, seed: 1))
        #expect(report.topCategories.first?.label == "Nigerian × necklaces")
        // P(necklaces | Nigerian) = 1/3 + 2/3·1/4 = 1/2; overall (1/2 + 3/4)/4 = 5/16: lift 1.6. About 500 Nigerian
        // purchases put the standard error of P(necklaces | Nigerian) near 0.022, of the lift near 0.07.
        let lift = try #require(report.topCategories.first?.value)
        #expect(abs(lift - 1.6) <= 4 * 0.075, "lift \(lift)")
        #expect(try #require(report.statistics["pValue"]) < 0.001)
        #expect(report.recommendations.first == "Feature necklaces in outreach to Nigerian-heritage clients")
        let null = try Trends.culturalPreferences(purchases(planted: false, seed: 2))
        #expect(try #require(null.statistics["pValue"]) > 0.001)
        #expect(null.priority == .low || null.priority == .medium)
        #expect(throws: AnalyticsError.self) { try Trends.culturalPreferences([]) }
    }

    @Test func musicalCorrelationFindsThePlantedPairOnly() throws {
        let genres = ["classical", "jazz", "world-fusion", "ambient", "acoustic"]
        let aesthetics = ["modern", "vintage", "bohemian", "art-deco", "organic", "futuristic"]
        var random = SeededGenerator(seed: 12)
        let profiles = (0..<1_500).map { _ -> (genres: [String], aesthetics: [String]) in
            let genre = genres[Int(random.uniform() * 5)]
            let aesthetic = genre == "world-fusion" && random.uniform() < 0.6 ? "bohemian" : aesthetics[Int(random.uniform() * 6)]
            return ([genre], [aesthetic])
        }
        let report = try Trends.musicalJewelryCorrelation(profiles)
        #expect(report.topCategories.first?.label == "world-fusion → bohemian")
        let pairs = Trends.pairAssociations(profiles.map { (left: $0.genres, right: $0.aesthetics) })
        let planted = try #require(pairs.first)
        // P(bohemian | world-fusion) = 0.6 + 0.4/6 = 2/3; overall (2/3 + 4/6·… ) = 0.2·2/3 + 0.8/6 = 4/15: lift 2.5.
        // About 300 world-fusion clients: standard error of the conditional share ≈ 0.027, of the lift ≈ 0.1.
        #expect(abs(planted.lift - 2.5) <= 4 * 0.11, "lift \(planted.lift)")
        #expect(planted.pValue < 1e-10)
        // Bonferroni keeps chance pairs out: of the 29 others, at most a handful (related to the planted one) pass.
        #expect(try #require(report.statistics["significantPairs"]) >= 1)
        #expect(pairs.filter { $0.left != "world-fusion" && $0.right != "bohemian" && $0.pValue < 0.05 / 30 }.isEmpty)
        #expect(report.recommendations.first?.contains("bohemian pieces to world fusion music") == true)
    }

    @Test func engagementRanksChannelsByWhatTheyEarn() throws {
        let truth: [String: (rate: Double, revenue: Double)] = ["in-store": (0.30, 3_000), "phone": (0.15, 2_000), "email": (0.05, 1_500)]
        var random = SeededGenerator(seed: 77)
        var contacts: [ContactOutcome] = []
        for index in 0..<3_000 {
            let channel = ["in-store", "phone", "email"][index % 3]
            let converted = random.uniform() < truth[channel]!.rate
            contacts.append(ContactOutcome(date: AnalyticsCalendar.adding(days: Double(index % 180), to: Self.day(2024, 1, 1)),
                                           channel: channel, converted: converted, revenue: converted ? truth[channel]!.revenue : 0))
        }
        let report = try Trends.engagementEffectiveness(contacts)
        #expect(report.topCategories.map(\.label) == ["in-store", "phone", "email"])
        for point in report.series {
            let rate = truth[point.label]!.rate
            #expect(abs(point.value - rate) <= 4 * (rate * (1 - rate) / 1_000).squareRoot(), "\(point.label) \(point.value)")
        }
        #expect(try #require(report.statistics["pValue"]) < 0.001)
        #expect(report.recommendations.first?.hasPrefix("Shift advisor time toward in store") == true)
    }

    @Test func collectionPerformanceFlagsGrowthAndDecline() throws {
        var sales: [DatedAmount] = []
        // 2023 then 2024: rings +50%, watches −40%, earrings flat.
        for (category, before, after) in [("rings", 100_000.0, 150_000.0), ("watches", 100_000, 60_000), ("earrings", 80_000, 80_000)] {
            for month in 1...12 {
                sales.append(DatedAmount(date: Self.day(2023, month, 15), amount: before / 12, category: category))
                sales.append(DatedAmount(date: Self.day(2024, month, 15), amount: after / 12, category: category))
            }
        }
        let report = try Trends.collectionPerformance(sales, periodDays: 366)
        let changes = Dictionary(uniqueKeysWithValues: report.series.map { ($0.label, $0.value) })
        #expect(abs(try #require(changes["rings"]) - 50) < 1e-9)
        #expect(abs(try #require(changes["watches"]) + 40) < 1e-9)
        #expect(abs(try #require(changes["earrings"])) < 1e-9)
        let overall = try #require(report.percentageChange), expected: Double = 100 * (290.0 - 280) / 280
        #expect(abs(overall - expected) < 1e-9)
        #expect(report.recommendations.contains { $0.hasPrefix("Increase stock of rings") })
        #expect(report.recommendations.contains { $0.hasPrefix("Reduce reorders of watches") })
        #expect(!report.recommendations.contains { $0.contains("earrings") })
        #expect(report.topCategories.first?.label == "rings" && report.priority == .high)
    }

    @Test func experienceAdoptionBySegment() throws {
        let truth = ["vip": 0.6, "loyal": 0.35, "new": 0.1]
        var random = SeededGenerator(seed: 5)
        var clients: [ExperienceUptake] = []
        for index in 0..<1_500 {
            let segment = ["vip", "loyal", "new"][index % 3]
            let adopted = random.uniform() < truth[segment]!
            clients.append(ExperienceUptake(segment: segment, adoptedAt: adopted ? AnalyticsCalendar.adding(days: Double(index % 365), to: Self.day(2024, 1, 1)) : nil))
        }
        let report = try Trends.experienceAdoption(clients)
        #expect(report.series.map(\.label) == ["vip", "loyal", "new"])
        for point in report.series {
            let rate = truth[point.label]!
            #expect(abs(point.value - rate) <= 4 * (rate * (1 - rate) / 500).squareRoot())
        }
        #expect(report.customerCount == 1_500 && report.recommendations.first?.contains("new clients") == true)
        #expect(try #require(report.statistics["pValue"]) < 0.001)
    }

    /// The brief's figures for exceptional alignment (78% conversion, $3,200 average order, 92%
    /// retention) planted against weaker levels are read back within sampling error.
    @Test func energyAlignmentReadsBackThePlantedFigures() throws {
        let truth: [String: (conversion: Double, order: Double, retention: Double)] = [
            "exceptional": (0.78, 3_200, 0.92), "strong": (0.55, 2_400, 0.8), "developing": (0.3, 1_500, 0.5),
        ]
        var random = SeededGenerator(seed: 9)
        var clients: [AlignmentOutcome] = []
        for index in 0..<1_200 {
            let level = ["exceptional", "strong", "developing"][index % 3], planted = truth[level]!
            let conversions = (0..<10).filter { _ in random.uniform() < planted.conversion }.count
            let orders = (0..<conversions).map { _ in planted.order * random.gamma(shape: 4) / 4 }
            clients.append(AlignmentOutcome(level: level, contacts: 10, conversions: conversions, orderAmounts: orders, retained: random.uniform() < planted.retention))
        }
        let report = try Trends.energyAlignmentImpact(clients)
        let conversion = Dictionary(uniqueKeysWithValues: report.series.map { ($0.label, $0.value) })
        #expect(report.series.map(\.label) == ["exceptional", "strong", "developing"])
        for (level, planted) in truth {
            // 400 clients × 10 contacts per level.
            #expect(abs(try #require(conversion[level]) - planted.conversion) <= 4 * (planted.conversion * (1 - planted.conversion) / 4_000).squareRoot())
        }
        #expect(report.keyFindings.first { $0.hasPrefix("Exceptional") }?.contains("78% conversion") == true)
        // Revenue per client: exceptional 7.8 × 3,200 against the others' mean of 5.5 × 2,400 and 3 × 1,500.
        let premium = 100 * (7.8 * 3_200 / ((5.5 * 2_400 + 3 * 1_500) / 2) - 1)
        let measured = try #require(report.percentageChange)
        #expect(abs(measured - premium) <= 0.1 * premium, "premium \(measured) against \(premium)")
        #expect(try #require(report.statistics["retentionPValue"]) < 0.001)
        _ = try JSONEncoder().encode(report)
    }
}
