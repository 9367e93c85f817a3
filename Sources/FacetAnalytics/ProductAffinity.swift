import Foundation

/// Per client and category, a 0…1 affinity from co-purchase structure, boosted by segment and
/// ranked Excellent / Good / Fair / Low, with category recommendations.
///
/// For a client who owns categories O, category B scores
/// `confidenceWeight · max over A in O of confidence(A → B) + (1 − confidenceWeight) · max cosine(A, B)`,
/// where A = B means "bought it again" (the repeat rule). Confidence is the direct answer ("of
/// clients who bought A, how many bought B"); cosine tempers it for categories that are merely
/// popular. A client without orders gets each category's support (popularity). The segment boost
/// then multiplies the score (capped at 1): it lifts a VIP's scores, not their order.
///
/// ```swift
/// let affinity = ProductAffinityModel(statistics: CoPurchaseStatistics(histories))
/// affinity.recommendations(for: client, count: 3)   // [earrings (Excellent), …]
/// ```
public struct ProductAffinityModel: Sendable, Hashable, Codable {
    public var statistics: CoPurchaseStatistics
    /// The share of the score that comes from confidence (the rest from cosine).
    public var confidenceWeight: Double
    /// Score multipliers per segment (1 for new clients up to 1.2 for VIPs by default).
    public var segmentBoost: [CustomerSegment: Double]
    /// Where the ranks begin.
    public var thresholds: AffinityThresholds

    public static let defaultSegmentBoost: [CustomerSegment: Double] = [.new: 1, .occasional: 1.05, .regular: 1.1, .loyal: 1.15, .vip: 1.2]

    public init(statistics: CoPurchaseStatistics, confidenceWeight: Double = 0.7,
                segmentBoost: [CustomerSegment: Double] = defaultSegmentBoost, thresholds: AffinityThresholds = AffinityThresholds()) {
        self.statistics = statistics
        self.confidenceWeight = min(1, max(0, confidenceWeight))
        self.segmentBoost = segmentBoost
        self.thresholds = thresholds
    }

    /// Every known category's affinity for the client, highest first (ties by name).
    public func scores(for history: CustomerHistory) -> [CategoryAffinity] {
        let owned = Set(history.orders.flatMap(\.categories))
        let boost = segmentBoost[history.segment] ?? 1
        return statistics.categories.map { category -> CategoryAffinity in
            guard !owned.isEmpty else {
                let score = min(1, statistics.support(category) * boost)
                return CategoryAffinity(category: category, score: score, rank: thresholds.rank(of: score), owned: false, evidence: nil,
                                        reason: "\(Self.percent(statistics.support(category))) of clients buy \(category)")
            }
            let rules = owned.sorted().compactMap { statistics.rule(from: $0, to: category) }
            let best = rules.max { ($0.confidence, $1.antecedent) < ($1.confidence, $0.antecedent) }
            let cosine = owned.map { statistics.cosine($0, category) }.max() ?? 0
            let base = confidenceWeight * (best?.confidence ?? 0) + (1 - confidenceWeight) * cosine
            let score = min(1, base * boost)
            let reason: String
            if let best, best.antecedent == category {
                reason = "\(Self.percent(best.confidence)) of \(category) buyers buy \(category) again"
            } else if let best {
                reason = "\(Self.percent(best.confidence)) of \(best.antecedent) buyers also buy \(category) (lift \(String(format: "%.2f", best.lift)))"
            } else {
                reason = "no co-purchase evidence yet"
            }
            return CategoryAffinity(category: category, score: score, rank: thresholds.rank(of: score), owned: owned.contains(category),
                                    evidence: best, reason: reason)
        }
        .sorted { ($0.score, $1.category) > ($1.score, $0.category) }
    }

    /// The `count` categories the client does not own yet with the highest affinity.
    public func recommendations(for history: CustomerHistory, count: Int = 3) -> [CategoryAffinity] {
        Array(scores(for: history).filter { !$0.owned }.prefix(max(0, count)))
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }
}

/// Affinity ranks.
public enum AffinityRank: String, Sendable, Hashable, Codable, CaseIterable {
    case excellent = "Excellent", good = "Good", fair = "Fair", low = "Low"
}

/// Where each affinity rank begins: Excellent at 0.75 or more, Good at 0.5, Fair at 0.25, Low below (by default).
public struct AffinityThresholds: Sendable, Hashable, Codable {
    public var excellent: Double
    public var good: Double
    public var fair: Double

    public init(excellent: Double = 0.75, good: Double = 0.5, fair: Double = 0.25) {
        self.excellent = excellent
        self.good = good
        self.fair = fair
    }

    public func rank(of score: Double) -> AffinityRank {
        if score >= excellent { return .excellent }
        if score >= good { return .good }
        if score >= fair { return .fair }
        return .low
    }
}

/// One client's affinity for one category.
public struct CategoryAffinity: Sendable, Hashable, Codable {
    public var category: String
    /// 0…1, after the segment boost.
    public var score: Double
    public var rank: AffinityRank
    /// Whether the client has bought the category already.
    public var owned: Bool
    /// The strongest rule behind the score; nil for a client without orders.
    public var evidence: AssociationRule?
    /// The evidence in words.
    public var reason: String
}

/// Hit-rate@k of affinity recommendations on held-out last orders, against recommending the
/// most popular categories to everyone.
public struct AffinityEvaluation: Sendable, Hashable, Codable {
    public var k: Int
    /// Clients with two orders or more, whose last order was held out.
    public var customers: Int
    /// Clients whose held-out order contained one of their top-k affinity categories.
    public var hits: Int
    /// The same for the k most popular categories.
    public var baselineHits: Int

    public var hitRate: Double { customers > 0 ? Double(hits) / Double(customers) : 0 }
    public var baselineHitRate: Double { customers > 0 ? Double(baselineHits) / Double(customers) : 0 }

    /// Holds out each client's last order, learns the co-purchase statistics from everything else,
    /// and counts hits among all categories (bought before or not: clients do buy a category again).
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` when no client has two orders.
    public static func holdout(_ histories: [CustomerHistory], k: Int = 3, confidenceWeight: Double = 0.7) throws(AnalyticsError) -> AffinityEvaluation {
        let training = histories.map { history -> CustomerHistory in
            var copy = history
            if copy.orders.count >= 2 { copy.orders.removeLast() }
            return copy
        }
        let held = zip(histories, training).filter { $0.0.orders.count >= 2 }
        guard !held.isEmpty else {
            throw .unusableInput(problem: "No client has two orders, so no last order can be held out",
                                 advice: "Evaluate affinity once clients have repeat orders")
        }
        let statistics = CoPurchaseStatistics(training)
        let model = ProductAffinityModel(statistics: statistics, confidenceWeight: confidenceWeight)
        let popular = Set(statistics.categories.sorted { (statistics.buyers[$0] ?? 0, $1) > (statistics.buyers[$1] ?? 0, $0) }.prefix(k))
        var hits = 0, baselineHits = 0
        for (full, known) in held {
            let target = Set(full.orders.last?.categories ?? [])
            let top = Set(model.scores(for: known).prefix(k).map(\.category))
            if !top.isDisjoint(with: target) { hits += 1 }
            if !popular.isDisjoint(with: target) { baselineHits += 1 }
        }
        return AffinityEvaluation(k: k, customers: held.count, hits: hits, baselineHits: baselineHits)
    }
}
