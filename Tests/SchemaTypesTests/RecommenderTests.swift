import FacetAnalytics
import Foundation
import GROQ
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

/// Product recommenders on the demo CRM, whose generator planted each client's favourite design
/// aesthetic and category: the one chosen by the backtest must beat the best-sellers on later,
/// held-out purchases by more than its standard error, and its lists must lean on the planted
/// tastes.
@Suite("Product recommendations on the demo", .ownThread(computing: true))
struct RecommenderTests {
    static let demo: Result<(DemoContent, ClienteleHistories), any Error> = Result {
        let content = try CRMDemo(customers: 3_000, seed: 17).generate()
        return (content, try ClienteleHistories.read(InMemoryDataset(content.finalDocuments())))
    }

    @Test func theChosenRecommenderBeatsTheBestSellersOnLaterPurchases() throws {
        let (_, clientele) = try Self.demo.get()
        let backtest = try RecommenderBacktest.run(clientele.productPurchases, segments: clientele.heritageSegments, asOf: clientele.asOf)
        for evaluation in backtest.test {
            print("\(evaluation.algorithm.rawValue): hit-rate@\(evaluation.k) \(evaluation.hitRate) ± \(evaluation.hitRateError), NDCG \(evaluation.ndcg), coverage \(evaluation.coverage), gain \(evaluation.hitRateGain) ± \(evaluation.hitRateGainError) over \(evaluation.customers) clients")
        }
        #expect(backtest.k == 10 && backtest.testStart > backtest.validationStart && backtest.end > backtest.testStart)
        #expect(Set(backtest.test.map(\.algorithm)) == Set(RecommenderAlgorithm.allCases))
        #expect(backtest.chosen != .popularity, "a personal recommender wins the validation period")
        let chosen = try #require(backtest.evaluation(of: backtest.chosen))
        let popularity = try #require(backtest.evaluation(of: .popularity))
        #expect(chosen.customers > 300, "enough clients came back in the test period to judge")
        #expect(chosen.hitRateGain > chosen.hitRateGainError, "hit-rate gain \(chosen.hitRateGain) ± \(chosen.hitRateGainError)")
        #expect(chosen.ndcgGain > chosen.ndcgGainError, "NDCG gain \(chosen.ndcgGain) ± \(chosen.ndcgGainError)")
        #expect(abs(chosen.hitRate - popularity.hitRate - chosen.hitRateGain) < 1e-9)
        // The best-sellers are the same list for everyone: a personal list reaches more of the catalogue.
        #expect(chosen.coverage > popularity.coverage)
        #expect(popularity.hitRateGain == 0 && popularity.hitRateGainError == 0)
    }

    /// The planted tastes, recovered: the chosen recommender's lists hold more products in each
    /// client's favourite aesthetic and category than the best-sellers do, by several standard
    /// errors (paired over clients).
    @Test func recommendationsFollowThePlantedTastes() throws {
        let (content, clientele) = try Self.demo.get()
        let tastes = content.plantedTastes, traits = content.productTraits
        let purchases = clientele.productPurchases
        // The data themselves lean on the tastes.
        let matching = purchases.filter { traits[$0.product]?.aesthetic == tastes[$0.customer]?.aesthetic }.count
        let aestheticShare = Double(matching) / Double(purchases.count)
        let aesthetics = Set(traits.values.map(\.aesthetic)).count
        #expect(aestheticShare > 2.0 / Double(aesthetics), "\(aestheticShare) of purchases in the client's favourite aesthetic")

        let matrix = PurchaseMatrix(purchases)
        let segments = clientele.heritageSegments
        let personal = ProductRecommender.fit(.implicitFactors, matrix: matrix, segments: segments)
        let items = ProductRecommender.fit(.itemItem, matrix: matrix, segments: segments)
        let popular = ProductRecommender.fit(.popularity, matrix: matrix, segments: segments)
        let repeaters = matrix.customers.filter { matrix.row(of: $0).count >= 2 }
        #expect(repeaters.count > 500)
        for recommender in [personal, items] {
            for trait in [\PlantedTaste.aesthetic, \PlantedTaste.category] {
                let differences = repeaters.map { customer -> Double in
                    let favourite = tastes[customer].map { $0[keyPath: trait] }
                    let share = { (list: [String]) in Double(list.count { traits[$0].map { $0[keyPath: trait] } == favourite }) / Double(list.count) }
                    return share(recommender.recommend(for: customer, count: 10)) - share(popular.recommend(for: customer, count: 10))
                }
                let mean = differences.reduce(0, +) / Double(differences.count)
                let sd = (differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(differences.count - 1)).squareRoot()
                let error = sd / Double(differences.count).squareRoot()
                print("\(recommender.algorithm.rawValue) \(trait == \PlantedTaste.aesthetic ? "aesthetic" : "category"): +\(mean) ± \(error)")
                #expect(mean > 4 * error, "\(recommender.algorithm) recovers the planted \(trait): +\(mean) ± \(error)")
            }
        }
    }

    @Test func aClienteleWithoutRepeatPurchasesIsToldWhy() {
        let day = Date(timeIntervalSince1970: 1_700_000_000)
        let purchases = (0..<20).map { ProductPurchase(customer: "c\($0)", product: "p\($0 % 4)", date: day) }
        #expect(throws: AnalyticsError.self) { try RecommenderBacktest.run(purchases, asOf: day.addingTimeInterval(86_400)) }
    }
}
