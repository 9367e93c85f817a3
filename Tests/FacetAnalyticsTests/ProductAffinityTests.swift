import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Product affinity", .ownThread(computing: true))
struct ProductAffinityTests {
    static func day(_ n: Int) -> Date { AnalyticsCalendar.adding(days: Double(n), to: HistorySimulator.date(2024, 1, 1)) }

    static func client(_ id: String, _ orders: [[String]], segment: CustomerSegment = .new) -> CustomerHistory {
        CustomerHistory(id: id, orders: orders.enumerated().map { .init(date: day(30 * $0.offset), amount: 100, categories: $0.element) },
                        segment: segment)
    }

    @Test func handCountedRules() throws {
        let statistics = CoPurchaseStatistics([
            Self.client("c1", [["rings"], ["earrings"]]),
            Self.client("c2", [["rings"], ["rings"]]),
            Self.client("c3", [["earrings", "necklaces"]]),
            Self.client("c4", [["rings", "earrings"]]),
            Self.client("c5", []),
        ])
        #expect(statistics.customers == 4)
        #expect(statistics.support("rings") == 0.75)
        let rule = try #require(statistics.rule(from: "rings", to: "earrings"))
        #expect(abs(rule.confidence - 2.0 / 3) < 1e-15 && rule.support == 0.5)
        #expect(abs(rule.lift - (2.0 / 3) / 0.75) < 1e-15)
        #expect(abs(statistics.cosine("rings", "earrings") - 2.0 / 3) < 1e-15)
        // c2 is the one ring buyer of three who bought rings twice.
        #expect(abs(try #require(statistics.rule(from: "rings", to: "rings")).confidence - 1.0 / 3) < 1e-15)
        #expect(statistics.rule(from: "watches", to: "rings") == nil)
        // The necklace buyer also bought earrings: confidence 1, lift 1/0.75, the strongest rule
        // (tied with its converse, 1/3 over a support of 1/4).
        let strongest = statistics.rules().prefix(2)
        #expect(Set(strongest.map { "\($0.antecedent)→\($0.consequent)" }) == ["necklaces→earrings", "earrings→necklaces"])
        #expect(strongest.allSatisfy { abs($0.lift - 4.0 / 3) < 1e-12 })

        // c1's affinity for necklaces: rules earrings → necklaces (1/3) and rings → necklaces (0);
        // cosine(earrings, necklaces) = 1/√3.
        let model = ProductAffinityModel(statistics: statistics)
        let necklaces = try #require(model.scores(for: Self.client("c1", [["rings"], ["earrings"]])).first { $0.category == "necklaces" })
        #expect(abs(necklaces.score - (0.7 / 3 + 0.3 / 3.0.squareRoot())) < 1e-12)
        #expect(necklaces.rank == .fair && !necklaces.owned)
        // The same client as a VIP: 1.2 times the score.
        let vip = try #require(model.scores(for: Self.client("c1", [["rings"], ["earrings"]], segment: .vip)).first { $0.category == "necklaces" })
        #expect(abs(vip.score - 1.2 * necklaces.score) < 1e-12)
        // Without orders, popularity.
        #expect(model.scores(for: Self.client("c5", [])).first?.category == "earrings")
    }

    @Test func ranksFollowTheThresholds() {
        let thresholds = AffinityThresholds()
        #expect([0.9, 0.75, 0.6, 0.5, 0.3, 0.25, 0.1].map(thresholds.rank(of:)) == [.excellent, .excellent, .good, .good, .fair, .fair, .low])
    }

    /// Three styles of client, each buying within its own pair of categories (85% of orders, the
    /// rest at random); the ring–earring style is half the clients, so popularity favours it.
    static func styledClients(_ count: Int, seed: UInt64) -> (histories: [CustomerHistory], styles: [Int]) {
        let pairs = [["rings", "earrings"], ["watches", "bracelets"], ["necklaces", "brooches"]]
        let all = pairs.flatMap { $0 }
        var random = SeededGenerator(seed: seed)
        var histories: [CustomerHistory] = [], styles: [Int] = []
        for index in 0..<count {
            let u = random.uniform()
            let style = u < 0.5 ? 0 : (u < 0.75 ? 1 : 2)
            let orders = (0..<(2 + Int(random.uniform() * 3))).map { _ -> [String] in
                random.uniform() < 0.85 ? [pairs[style][Int(random.uniform() * 2)]] : [all[Int(random.uniform() * 6)]]
            }
            histories.append(client("client-\(index)", orders, segment: .regular))
            styles.append(style)
        }
        return (histories, styles)
    }

    @Test func findsThePlantedPairs() throws {
        let (histories, _) = Self.styledClients(3_000, seed: 99)
        let statistics = CoPurchaseStatistics(histories)
        for (a, b) in [("rings", "earrings"), ("watches", "bracelets"), ("necklaces", "brooches")] {
            #expect(try #require(statistics.rule(from: a, to: b)).lift > 1.5, "\(a) → \(b)")
            #expect(try #require(statistics.rule(from: a, to: b == "earrings" ? "watches" : "rings")).lift < 1)
        }
        let model = ProductAffinityModel(statistics: statistics)
        let watchBuyer = Self.client("w", [["watches"]], segment: .regular)
        let recommended = model.recommendations(for: watchBuyer, count: 1)
        #expect(recommended.first?.category == "bracelets")
        #expect(recommended.first.map { $0.rank == .excellent || $0.rank == .good } == true)
        #expect(model.scores(for: watchBuyer).first { $0.category == "brooches" }?.rank == .low)
    }

    @Test func beatsPopularityOnHeldOutOrders() throws {
        let (histories, _) = Self.styledClients(3_000, seed: 7)
        for k in [1, 2] {
            let evaluation = try AffinityEvaluation.holdout(histories, k: k)
            let n = Double(evaluation.customers)
            // Binomial standard errors of the two hit rates.
            let error = (evaluation.hitRate * (1 - evaluation.hitRate) / n + evaluation.baselineHitRate * (1 - evaluation.baselineHitRate) / n).squareRoot()
            print("hit-rate@\(k): affinity \(evaluation.hitRate), popularity \(evaluation.baselineHitRate) (± \(error)) over \(evaluation.customers) clients")
            #expect(evaluation.customers == histories.count)
            #expect(evaluation.hitRate - evaluation.baselineHitRate > 4 * error)
        }
        #expect(throws: AnalyticsError.self) { try AffinityEvaluation.holdout([Self.client("one", [["rings"]])]) }
    }
}
