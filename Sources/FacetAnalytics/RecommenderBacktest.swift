import Foundation

/// Recommenders judged the way they would have been used: fitted on purchases before a cut-off,
/// asked for `k` products per client, and scored on what each client went on to buy.
///
/// Two consecutive periods of `horizonDays` end at the data's end. The **validation** period
/// (fit before its start, score within it) picks the algorithm; the **test** period, later and
/// never seen by the choice, reports every algorithm's figures, so the chosen one's are not
/// flattered by having been chosen on them. A client counts in a period when they bought before
/// it and bought, within it, a product that existed before it and that they did not own.
///
/// Metrics per algorithm: hit-rate@k (a relevant product among the k), NDCG@k (binary relevance,
/// log₂ discount), catalogue coverage (the share of known products recommended to anyone), and
/// against popularity the mean paired difference of each metric with its standard error
/// (clients are the unit; the two rankings share them).
///
/// ```swift
/// let backtest = try RecommenderBacktest.run(purchases, segments: cultureByClient, asOf: today)
/// backtest.chosen                              // .itemItem
/// backtest.evaluation(of: backtest.chosen)?.hitRateGain   // 0.11 ± 0.02 over the best-sellers
/// ```
public struct RecommenderBacktest: Sendable, Hashable, Codable {
    /// One algorithm's figures on one period.
    public struct Evaluation: Sendable, Hashable, Codable {
        public var algorithm: RecommenderAlgorithm
        public var k: Int
        public var customers: Int
        public var hitRate: Double
        public var hitRateError: Double
        public var ndcg: Double
        public var ndcgError: Double
        public var coverage: Double
        /// Mean paired difference from popularity, and its standard error.
        public var hitRateGain: Double
        public var hitRateGainError: Double
        public var ndcgGain: Double
        public var ndcgGainError: Double
    }

    public var k: Int
    public var horizonDays: Int
    public var validationStart: Date
    public var testStart: Date
    public var end: Date
    /// Picked by NDCG@k on the validation period.
    public var chosen: RecommenderAlgorithm
    public var validation: [Evaluation]
    public var test: [Evaluation]

    public func evaluation(of algorithm: RecommenderAlgorithm) -> Evaluation? { test.first { $0.algorithm == algorithm } }

    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` when no client bought both
    ///   before and within a period.
    public static func run(_ purchases: [ProductPurchase], segments: [String: String] = [:], catalogue: [String] = [], asOf end: Date,
                           horizonDays: Int = 180, k: Int = 10, settings: ProductRecommender.Settings = .init(),
                           algorithms: [RecommenderAlgorithm] = RecommenderAlgorithm.allCases) throws(AnalyticsError) -> RecommenderBacktest {
        let horizon = TimeInterval(max(1, horizonDays)) * AnalyticsCalendar.secondsPerDay
        let testStart = end.addingTimeInterval(-horizon), validationStart = testStart.addingTimeInterval(-horizon)
        let candidates = algorithms.contains(.popularity) ? algorithms : [.popularity] + algorithms
        let validation = try evaluate(purchases, segments: segments, catalogue: catalogue, from: validationStart, to: testStart, k: k,
                                      settings: settings, algorithms: candidates)
        let test = try evaluate(purchases, segments: segments, catalogue: catalogue, from: testStart, to: end, k: k,
                                settings: settings, algorithms: candidates)
        let chosen = validation.max { ($0.ndcg, $1.algorithm.order) < ($1.ndcg, $0.algorithm.order) }?.algorithm ?? .popularity
        return RecommenderBacktest(k: k, horizonDays: horizonDays, validationStart: validationStart, testStart: testStart, end: end,
                                   chosen: chosen, validation: validation, test: test)
    }

    /// Every algorithm fitted on purchases before `start` and scored on those in [start, end).
    public static func evaluate(_ purchases: [ProductPurchase], segments: [String: String], catalogue: [String] = [], from start: Date,
                                to end: Date, k: Int, settings: ProductRecommender.Settings,
                                algorithms: [RecommenderAlgorithm]) throws(AnalyticsError) -> [Evaluation] {
        let training = purchases.filter { $0.date < start }
        let matrix = PurchaseMatrix(training)
        var relevant: [String: Set<String>] = [:]
        for purchase in purchases where purchase.date >= start && purchase.date < end {
            guard let product = matrix.number(ofProduct: purchase.product), let customer = matrix.number(ofCustomer: purchase.customer),
                  !matrix.rows[customer].contains(where: { $0.index == product }) else { continue }
            relevant[purchase.customer, default: []].insert(purchase.product)
        }
        guard !relevant.isEmpty else {
            throw .unusableInput(problem: "No client bought before \(AnalyticsCalendar.isoDay(start)) and a new product between then and \(AnalyticsCalendar.isoDay(end))",
                                 advice: "Judge recommenders once clients have come back to buy; the backtest needs two periods of \(Int(end.timeIntervalSince(start) / AnalyticsCalendar.secondsPerDay)) days of repeat purchases")
        }
        let customers = relevant.keys.sorted()
        let knownProducts = Double(max(1, Set(catalogue).union(matrix.products).count))
        var perAlgorithm: [(RecommenderAlgorithm, hits: [Double], gains: [Double], coverage: Double)] = []
        for algorithm in algorithms {
            let recommender = ProductRecommender.fit(algorithm, matrix: matrix, segments: segments, settings: settings)
            var hits: [Double] = [], gains: [Double] = [], shown = Set<String>()
            hits.reserveCapacity(customers.count)
            for customer in customers {
                let list = recommender.recommend(for: customer, count: k)
                shown.formUnion(list)
                let wanted = relevant[customer] ?? []
                hits.append(list.contains(where: wanted.contains) ? 1 : 0)
                gains.append(ndcg(list, relevant: wanted, k: k))
            }
            perAlgorithm.append((algorithm, hits, gains, Double(shown.count) / knownProducts))
        }
        let baseline = perAlgorithm.first { $0.0 == .popularity } ?? perAlgorithm[0]
        return perAlgorithm.map { algorithm, hits, gains, coverage in
            let hitGain = MeanAndError(zip(hits, baseline.hits).map { $0 - $1 })
            let ndcgGain = MeanAndError(zip(gains, baseline.gains).map { $0 - $1 })
            let hit = MeanAndError(hits), gain = MeanAndError(gains)
            return Evaluation(algorithm: algorithm, k: k, customers: customers.count, hitRate: hit.mean, hitRateError: hit.error,
                              ndcg: gain.mean, ndcgError: gain.error, coverage: coverage, hitRateGain: hitGain.mean,
                              hitRateGainError: hitGain.error, ndcgGain: ndcgGain.mean, ndcgGainError: ndcgGain.error)
        }
    }

    /// NDCG@k with binary relevance: Σ 1/log₂(rank + 1) over relevant products in the list, over
    /// the same sum for a perfect list.
    public static func ndcg(_ list: [String], relevant: Set<String>, k: Int) -> Double {
        var dcg = 0.0
        for (position, product) in list.prefix(k).enumerated() where relevant.contains(product) { dcg += 1 / log2(Double(position) + 2) }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
        return ideal > 0 ? dcg / ideal : 0
    }
}

extension RecommenderAlgorithm {
    /// Simpler first: on a tie the simpler algorithm is chosen.
    var order: Int { RecommenderAlgorithm.allCases.firstIndex(of: self) ?? 0 }
}
