import Foundation

/// A purchase by a client of some cultural heritage (the cultural-preferences dimension).
public struct HeritagePurchase: Sendable, Hashable, Codable {
    public var date: Date
    /// The client's heritages; a purchase by a client of two heritages counts half for each.
    public var heritage: [String]
    public var category: String
    public var amount: Double

    public init(date: Date, heritage: [String], category: String, amount: Double) {
        self.date = date
        self.heritage = heritage
        self.category = category
        self.amount = amount
    }
}

/// The association of one value on each side of a two-sided profile (a music genre and a design
/// aesthetic), over clients: φ from the 2×2 table "has the genre" × "has the aesthetic", its
/// chi-square p-value, and the lift P(aesthetic | genre)/P(aesthetic).
public struct PairAssociation: Sendable, Hashable, Codable {
    public var left: String
    public var right: String
    /// Clients with both.
    public var count: Int
    /// The φ coefficient, −1…1.
    public var phi: Double
    /// Two-sided p-value of no association (χ² with one degree of freedom, n·φ²).
    public var pValue: Double
    public var lift: Double
}

extension Trends {
    /// Cultural preferences: heritage × product category. Cramér's V and its p-value say whether
    /// heritages differ in what they buy at all; the lift of each pair says where.
    /// - Parameter minimumCount: pairs with fewer purchases are not reported as findings (their lift is noise).
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` when no purchase has a heritage.
    public static func culturalPreferences(_ purchases: [HeritagePurchase], periodDays: Double = 365,
                                           minimumCount: Double = 10) throws(AnalyticsError) -> TrendReport {
        let known = purchases.filter { !$0.heritage.isEmpty }
        guard !known.isEmpty else {
            throw .unusableInput(problem: "None of the \(purchases.count) purchases has a client heritage",
                                 advice: "Fill culturalHeritage on client profiles to analyse cultural preferences")
        }
        var table = ContingencyTable(), revenue: [String: Double] = [:]
        for purchase in known {
            let share = 1 / Double(purchase.heritage.count)
            for heritage in purchase.heritage {
                table.add(row: heritage, column: purchase.category, weight: share)
                revenue[heritage, default: 0] += purchase.amount * share
            }
        }
        let pairs = table.rows.flatMap { row in table.columns.map { (row, $0) } }
            .filter { table.count(row: $0.0, column: $0.1) >= minimumCount }
            .map { (heritage: $0.0, category: $0.1, lift: table.lift(row: $0.0, column: $0.1), count: table.count(row: $0.0, column: $0.1)) }
            .sorted { ($0.lift, $1.heritage, $1.category) > ($1.lift, $0.heritage, $0.category) }
        let byRevenue = revenue.map { TrendReport.Entry($0.key, $0.value) }.sorted { ($0.value, $1.label) > ($1.value, $0.label) }
        let dated = known.map { DatedAmount(date: $0.date, amount: $0.amount) }
        let end = AnalyticsCalendar.adding(days: 1.0 / 86_400, to: known.map(\.date).max() ?? Date())
        let (current, previous) = TrendText.periods(dated, end: end, days: periodDays)
        let change = TrendText.percentageChange(current: current, previous: previous)
        let significant = table.pValue < 0.05
        let findings = pairs.prefix(3).map {
            "\($0.heritage)-heritage clients buy \(TrendText.words($0.category)) \(TrendText.number($0.lift))× as often as clients overall (\(Int($0.count.rounded())) purchases)"
        }
        let total = known.reduce(0) { $0 + $1.amount }
        let pattern = "Heritage and category are \(significant ? "associated" : "not shown to be associated"): Cramér's V \(TrendText.number(table.cramersV)) (\(TrendText.pValue(table.pValue)))"
        let narrative = "\(known.count) purchases by clients of \(table.rows.count) heritages. \(pattern)."
            + (byRevenue.first.map { " \($0.label)-heritage clients bring the most revenue (\(TrendText.money($0.value)))." } ?? "")
        let strongest = pairs.first
        return TrendReport(
            dimension: .culturalPreferences, title: "Cultural preferences by heritage", timeframe: periodDays >= 365 ? "yearly" : "quarterly",
            periodStart: known.map(\.date).min(), periodEnd: known.map(\.date).max(),
            total: total, average: total / Double(known.count), percentageChange: change,
            topCategories: pairs.prefix(5).map { TrendReport.Entry("\($0.heritage) × \($0.category)", $0.lift) },
            bottomCategories: pairs.suffix(5).reversed().map { TrendReport.Entry("\($0.heritage) × \($0.category)", $0.lift) },
            series: byRevenue, narrative: narrative, keyFindings: findings, patterns: [pattern],
            revenueImpact: strongest.map { pair in
                // Revenue from the strongest pair beyond what independence would give.
                let average = total / Double(known.count)
                return max(0, (pair.count - pair.count / max(pair.lift, 1e-9)) * average)
            } ?? 0,
            customerCount: 0, implementationEffort: "low", priority: significant && table.cramersV > 0.2 ? .high : (significant ? .medium : .low),
            recommendations: significant ? pairs.prefix(3).map { "Feature \(TrendText.words($0.category)) in outreach to \($0.heritage)-heritage clients" }
                : ["Keep outreach heritage-neutral: the data shows no heritage-specific preference yet"],
            statistics: ["cramersV": table.cramersV, "pValue": table.pValue, "chiSquare": table.chiSquare])
    }

    /// Each pair of a left value and a right value over clients, strongest φ first.
    public static func pairAssociations(_ profiles: [(left: [String], right: [String])]) -> [PairAssociation] {
        let n = Double(profiles.count)
        guard n > 0 else { return [] }
        let lefts = Set(profiles.flatMap(\.left)).sorted(), rights = Set(profiles.flatMap(\.right)).sorted()
        let sets = profiles.map { (Set($0.left), Set($0.right)) }
        var result: [PairAssociation] = []
        for left in lefts {
            let hasLeft = sets.map { $0.0.contains(left) }
            let nLeft = Double(hasLeft.filter { $0 }.count)
            for right in rights {
                var both = 0.0, nRight = 0.0
                for (index, set) in sets.enumerated() where set.1.contains(right) {
                    nRight += 1
                    if hasLeft[index] { both += 1 }
                }
                let leftOnly = nLeft - both, rightOnly = nRight - both, neither = n - nLeft - nRight + both
                let denominator = (nLeft * (n - nLeft) * nRight * (n - nRight)).squareRoot()
                let phi = denominator > 0 ? (both * neither - leftOnly * rightOnly) / denominator : 0
                let pValue = denominator > 0 ? Distributions.chiSquareSurvival(n * phi * phi, degreesOfFreedom: 1) : 1
                let lift = nLeft > 0 && nRight > 0 ? (both / nLeft) / (nRight / n) : 0
                result.append(PairAssociation(left: left, right: right, count: Int(both), phi: phi, pValue: pValue, lift: lift))
            }
        }
        return result.sorted { ($0.phi, $1.left, $1.right) > ($1.phi, $0.left, $0.right) }
    }

    /// Musical–jewelry correlation: which music genres go with which design aesthetics, over the
    /// clients' creative profiles. Each pair gets φ, its p-value and lift; a pair counts as
    /// significant after Bonferroni's correction for the number of pairs tested. Cramér's V over
    /// each client's first genre × first aesthetic summarises the whole table.
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` when no profile has both sides.
    public static func musicalJewelryCorrelation(_ profiles: [(genres: [String], aesthetics: [String])], alpha: Double = 0.05) throws(AnalyticsError) -> TrendReport {
        let complete = profiles.filter { !$0.genres.isEmpty && !$0.aesthetics.isEmpty }
        guard !complete.isEmpty else {
            throw .unusableInput(problem: "None of the \(profiles.count) creative profiles names both a music genre and a design aesthetic",
                                 advice: "Capture musicalPreferences and designAesthetics in creative expressions")
        }
        let pairs = pairAssociations(complete.map { (left: $0.genres, right: $0.aesthetics) })
        let corrected = alpha / Double(max(1, pairs.count))
        let significant = pairs.filter { $0.pValue < corrected && $0.phi > 0 }
        var table = ContingencyTable()
        for profile in complete { table.add(row: profile.genres[0], column: profile.aesthetics[0]) }
        let label = { (pair: PairAssociation) in "\(pair.left) → \(pair.right)" }
        let findings = significant.prefix(5).map {
            "\(TrendText.words($0.left).capitalized) lovers choose \(TrendText.words($0.right)) designs \(TrendText.number($0.lift))× as often (φ \(TrendText.number($0.phi)), \(TrendText.pValue($0.pValue)), \($0.count) clients)"
        }
        let narrative = "\(complete.count) creative profiles, \(pairs.count) genre–aesthetic pairs tested; \(significant.count) "
            + "\(significant.count == 1 ? "is" : "are") significant after correcting for the number of pairs. "
            + "Over first choices, Cramér's V is \(TrendText.number(table.cramersV)) (\(TrendText.pValue(table.pValue)))."
        return TrendReport(
            dimension: .musicalJewelryCorrelation, title: "Musical–jewelry correlation", timeframe: "multi-year",
            total: Double(complete.count), average: pairs.isEmpty ? 0 : pairs.reduce(0) { $0 + $1.phi } / Double(pairs.count), percentageChange: nil,
            topCategories: pairs.prefix(5).map { TrendReport.Entry(label($0), $0.phi) },
            bottomCategories: pairs.suffix(5).reversed().map { TrendReport.Entry(label($0), $0.phi) },
            series: pairs.map { TrendReport.Entry(label($0), $0.lift) },
            narrative: narrative, keyFindings: findings,
            patterns: significant.isEmpty ? ["No genre–aesthetic pair stands out from chance"] : [],
            revenueImpact: 0, customerCount: complete.count, implementationEffort: "low",
            priority: significant.isEmpty ? .low : (significant.contains { $0.phi > 0.3 } ? .high : .medium),
            recommendations: significant.prefix(3).map { "Set \(TrendText.words($0.right)) pieces to \(TrendText.words($0.left)) music in showroom experiences" },
            statistics: ["cramersV": table.cramersV, "pValue": table.pValue, "bonferroniAlpha": corrected, "significantPairs": Double(significant.count)])
    }
}
