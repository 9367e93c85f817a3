import Foundation

/// The ways ``ProductRecommender`` can rank products for a client.
public enum RecommenderAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    /// The best-sellers, the same for everyone: the baseline every other must beat.
    case popularity
    /// The best-sellers among clients of the same segment (shrunk towards the house's).
    case segmentPopularity = "popularity-by-segment"
    /// Products bought by the same clients as the client's own, by cosine similarity shrunk
    /// towards zero for pairs few clients share.
    case itemItem = "item-item"
    /// Implicit-feedback matrix factorisation (``ImplicitFactors``).
    case implicitFactors = "implicit-als"

    /// The name in words, for advisors and reports.
    public var title: String {
        switch self {
        case .popularity: "best-sellers"
        case .segmentPopularity: "best-sellers of the client's segment"
        case .itemItem: "bought together (item-item)"
        case .implicitFactors: "matrix factorisation (implicit ALS)"
        }
    }
}

/// A fitted product recommender: one of ``RecommenderAlgorithm`` over a ``PurchaseMatrix``.
///
/// Products a client already owns are never recommended (a jewelry client rarely buys the same
/// piece twice); ties are broken by popularity, then by id, so a ranking is always complete and
/// reproducible. A client the model has not seen gets their segment's best-sellers.
///
/// ```swift
/// let recommender = ProductRecommender.fit(.itemItem, matrix: PurchaseMatrix(purchases), segments: cultureByClient)
/// recommender.recommend(for: "customer-000042", count: 5)   // ["product-er-10203", …]
/// ```
public struct ProductRecommender: Sendable {
    /// The fit's knobs.
    public struct Settings: Sendable, Hashable, Codable {
        /// Item-item: a pair seen by `n` clients keeps `n / (n + shrinkage)` of its cosine.
        public var shrinkage: Double
        /// Segment popularity: the house's ranking counts as this many clients of the segment.
        public var segmentPrior: Double
        public var factors: ImplicitFactors.Settings

        public init(shrinkage: Double = 5, segmentPrior: Double = 20, factors: ImplicitFactors.Settings = .init()) {
            self.shrinkage = max(0, shrinkage)
            self.segmentPrior = max(0, segmentPrior)
            self.factors = factors
        }
    }

    public let algorithm: RecommenderAlgorithm
    public let matrix: PurchaseMatrix
    public let settings: Settings
    /// Client → segment (any grouping: culture, value segment…); clients without one are in "".
    let segments: [String: String]
    /// Buyers per product, overall and per segment.
    let popularity: [Double]
    let segmentPopularity: [String: [Double]]
    /// Item-item: per product, its neighbours and similarities.
    let neighbours: [[PurchaseMatrix.Cell]]
    let factors: ImplicitFactors?

    public static func fit(_ algorithm: RecommenderAlgorithm, matrix: PurchaseMatrix, segments: [String: String] = [:],
                           settings: Settings = Settings()) -> ProductRecommender {
        let popularity = matrix.buyers
        var bySegment: [String: [Double]] = [:]
        if algorithm == .segmentPopularity {
            for (customer, row) in zip(matrix.customers, matrix.rows) {
                let segment = segments[customer] ?? ""
                var counts = bySegment[segment] ?? [Double](repeating: 0, count: matrix.products.count)
                for cell in row { counts[cell.index] += 1 }
                bySegment[segment] = counts
            }
        }
        let neighbours = algorithm == .itemItem ? itemNeighbours(matrix, shrinkage: settings.shrinkage) : []
        let factors = algorithm == .implicitFactors ? ImplicitFactors.fit(matrix, settings: settings.factors) : nil
        return ProductRecommender(algorithm: algorithm, matrix: matrix, settings: settings, segments: segments, popularity: popularity,
                                  segmentPopularity: bySegment, neighbours: neighbours, factors: factors)
    }

    /// Cosine similarity of products' buyer sets, shrunk by how many buyers they share.
    static func itemNeighbours(_ matrix: PurchaseMatrix, shrinkage: Double) -> [[PurchaseMatrix.Cell]] {
        let count = matrix.products.count
        var shared = [[Int: Double]](repeating: [:], count: count)
        for row in matrix.rows where row.count > 1 {
            for a in row.indices {
                for b in row.indices where b != a { shared[row[a].index][row[b].index, default: 0] += 1 }
            }
        }
        let buyers = matrix.buyers
        return shared.enumerated().map { item, pairs in
            pairs.map { other, joint in
                let cosine = joint / (buyers[item] * buyers[other]).squareRoot()
                return PurchaseMatrix.Cell(index: other, count: cosine * joint / (joint + shrinkage))
            }
            .sorted { $0.index < $1.index }
        }
    }

    /// Every product's score for the client (higher is better), before owned products are removed.
    /// - Parameter purchased: the client's products when they changed since the fit (scored afresh).
    public func scores(for customer: String, purchased: [String]? = nil) -> [Double] {
        let row = purchased.map(matrix.row(of:)) ?? matrix.row(of: customer)
        let house = normalised(popularity)
        let segmentScores = { () -> [Double] in
            let segment = segments[customer] ?? ""
            guard let counts = segmentPopularity[segment] else { return house }
            let size = counts.reduce(0, +)
            let prior = settings.segmentPrior
            return zip(counts, house).map { count, share in (count + prior * share) / (size + prior) }
        }
        var scores: [Double]
        switch algorithm {
        case .popularity:
            scores = house
        case .segmentPopularity:
            scores = segmentScores()
        case .itemItem:
            scores = [Double](repeating: 0, count: matrix.products.count)
            for cell in row {
                for neighbour in neighbours[cell.index] { scores[neighbour.index] += neighbour.count }
            }
        case .implicitFactors:
            guard let factors, !row.isEmpty else { scores = house; break }
            if purchased == nil, let number = matrix.number(ofCustomer: customer) {
                scores = (0..<matrix.products.count).map { factors.score(customer: number, product: $0) }
            } else {
                scores = factors.scores(forRow: row, products: matrix.products.count)
            }
        }
        // Popularity breaks ties (and ranks everything for a client with no signal) without
        // ever outweighing a real difference.
        let scale = (scores.map(abs).max() ?? 0) > 0 ? (scores.map(abs).max() ?? 1) * 1e-6 : 1
        return zip(scores, house).map { $0 + scale * $1 }
    }

    /// The `count` products the client does not own with the highest scores, best first.
    public func recommend(for customer: String, count: Int, excluding owned: Set<String> = [], purchased: [String]? = nil) -> [String] {
        let scores = scores(for: customer, purchased: purchased)
        var skip = Set((purchased.map(matrix.row(of:)) ?? matrix.row(of: customer)).map(\.index))
        for product in owned { if let number = matrix.number(ofProduct: product) { skip.insert(number) } }
        return Self.top(scores, count: count, skipping: skip).map { matrix.products[$0] }
    }

    /// Indices of the `count` highest scores outside `skipping`, best first (ties by index).
    static func top(_ scores: [Double], count: Int, skipping: Set<Int>) -> [Int] {
        var best: [(Double, Int)] = []
        best.reserveCapacity(count + 1)
        for (index, score) in scores.enumerated() where !skipping.contains(index) {
            guard best.count < count || score > best[best.count - 1].0 else { continue }
            let position = best.firstIndex { score > $0.0 } ?? best.count
            best.insert((score, index), at: position)
            if best.count > count { best.removeLast() }
        }
        return best.map(\.1)
    }

    private func normalised(_ values: [Double]) -> [Double] {
        let total = values.reduce(0, +)
        return total > 0 ? values.map { $0 / total } : values
    }
}
