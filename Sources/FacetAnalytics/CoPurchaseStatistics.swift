import Foundation

/// Which product categories clients buy together, counted per client over their whole order
/// history (a ring this spring and earrings next winter count as bought together): the counts
/// behind association rules and item–item cosine similarity.
///
/// ```swift
/// let statistics = CoPurchaseStatistics(histories)
/// statistics.rule(from: "rings", to: "earrings")?.lift   // 1.8: ring buyers buy earrings 1.8× as often as clients at large
/// statistics.cosine("rings", "earrings")
/// ```
public struct CoPurchaseStatistics: Sendable, Hashable, Codable {
    /// Clients with at least one categorised order.
    public var customers: Int
    /// Every category seen, sorted.
    public var categories: [String]
    /// Clients who bought each category.
    public var buyers: [String: Int]
    /// Clients who bought each category in two orders or more.
    public var repeatBuyers: [String: Int]
    /// Clients who bought both of two different categories, keyed by the sorted pair "a|b".
    public var pairBuyers: [String: Int]

    public init(_ histories: [CustomerHistory]) {
        var buyers: [String: Int] = [:], repeats: [String: Int] = [:], pairs: [String: Int] = [:]
        var customers = 0
        for history in histories {
            var orderCounts: [String: Int] = [:]
            for order in history.orders {
                for category in order.categories { orderCounts[category, default: 0] += 1 }
            }
            guard !orderCounts.isEmpty else { continue }
            customers += 1
            let owned = orderCounts.keys.sorted()
            for (index, category) in owned.enumerated() {
                buyers[category, default: 0] += 1
                if (orderCounts[category] ?? 0) >= 2 { repeats[category, default: 0] += 1 }
                for other in owned[(index + 1)...] { pairs[Self.key(category, other), default: 0] += 1 }
            }
        }
        self.customers = customers
        self.categories = buyers.keys.sorted()
        self.buyers = buyers
        self.repeatBuyers = repeats
        self.pairBuyers = pairs
    }

    static func key(_ a: String, _ b: String) -> String { a < b ? "\(a)|\(b)" : "\(b)|\(a)" }

    /// Clients who bought both (for a = b: bought a in two orders or more).
    public func jointBuyers(_ a: String, _ b: String) -> Int {
        a == b ? repeatBuyers[a] ?? 0 : pairBuyers[Self.key(a, b)] ?? 0
    }

    /// The share of clients who bought `category`.
    public func support(_ category: String) -> Double {
        customers > 0 ? Double(buyers[category] ?? 0) / Double(customers) : 0
    }

    /// The rule "bought `antecedent` → buys `consequent`"; with the same category on both sides,
    /// "buys it again". Nil when nobody bought the antecedent.
    public func rule(from antecedent: String, to consequent: String) -> AssociationRule? {
        let base = buyers[antecedent] ?? 0
        guard base > 0, customers > 0 else { return nil }
        let joint = Double(jointBuyers(antecedent, consequent))
        let confidence = joint / Double(base)
        // Repeat rules too are lifted against the consequent's plain support, so that both kinds
        // read "how much likelier than a random client".
        let baseline = support(consequent)
        return AssociationRule(antecedent: antecedent, consequent: consequent, support: joint / Double(customers),
                               confidence: confidence, lift: baseline > 0 ? confidence / baseline : 0)
    }

    /// Item–item cosine similarity of the two categories' buyer sets: joint/√(buyers(a)·buyers(b)).
    /// Unlike confidence it is symmetric and does not favour a category merely for being popular.
    public func cosine(_ a: String, _ b: String) -> Double {
        let na = Double(buyers[a] ?? 0), nb = Double(buyers[b] ?? 0)
        guard na > 0, nb > 0 else { return 0 }
        return Double(jointBuyers(a, b)) / (na * nb).squareRoot()
    }

    /// All rules between different categories with at least `minimumSupport`, highest lift first.
    public func rules(minimumSupport: Double = 0.01) -> [AssociationRule] {
        categories.flatMap { a in categories.filter { $0 != a }.compactMap { rule(from: a, to: $0) } }
            .filter { $0.support >= minimumSupport }
            .sorted { ($0.lift, $1.antecedent, $1.consequent) > ($1.lift, $0.antecedent, $0.consequent) }
    }
}

/// An association rule between product categories, counted over clients.
public struct AssociationRule: Sendable, Hashable, Codable {
    public var antecedent: String
    public var consequent: String
    /// The share of all clients who bought both.
    public var support: Double
    /// P(bought the consequent | bought the antecedent).
    public var confidence: Double
    /// Confidence over the consequent's support: above 1, the antecedent makes the consequent likelier.
    public var lift: Double
}
