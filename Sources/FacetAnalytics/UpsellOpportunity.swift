import Foundation

/// Which clients qualify for a higher LIZA tier: forecast lifetime value over the tier's
/// threshold (Platinum Premier from $100K, Gold Preferred from $50K by default) and at least six
/// months of contact history, with a personalised invitation built from the cultural and creative
/// profile.
///
/// ```swift
/// let upsell = UpsellPolicy()
/// let assessment = upsell.assess(history, forecastLifetimeValue: 72_000, at: today)
/// assessment.recommendedTier   // .goldPreferred
/// assessment.message           // "Dear Amara, …"
/// ```
public struct UpsellPolicy: Sendable, Hashable, Codable {
    /// Forecast lifetime value from which Platinum Premier is offered.
    public var platinumThreshold: Double
    /// Forecast lifetime value from which Gold Preferred is offered.
    public var goldThreshold: Double
    /// Months from the first order or contact before any upgrade is offered.
    public var minimumContactMonths: Double
    /// The currency the amounts are said in.
    public var currency: HouseCurrency

    public init(platinumThreshold: Double = 100_000, goldThreshold: Double = 50_000, minimumContactMonths: Double = 6,
                currency: HouseCurrency = .usd) {
        self.platinumThreshold = platinumThreshold
        self.goldThreshold = goldThreshold
        self.minimumContactMonths = minimumContactMonths
        self.currency = currency
    }

    /// The highest tier whose threshold `value` reaches; nil below Gold Preferred's.
    public func tier(forLifetimeValue value: Double) -> LizaTier? {
        if value >= platinumThreshold { return .platinumPremier }
        if value >= goldThreshold { return .goldPreferred }
        return nil
    }

    /// Whether, and to which tier, to invite the client, with what stands in the way otherwise.
    /// - Parameter forecastLifetimeValue: the forecast from ``LifetimeValueProjection`` or the brief's heuristic.
    public func assess(_ history: CustomerHistory, forecastLifetimeValue: Double, at date: Date) -> UpsellAssessment {
        let known = history.known(before: date)
        let first = [known.orders.first?.date, known.contacts.first].compactMap { $0 }.min()
        let months = first.map { AnalyticsCalendar.days(from: $0, to: date) / LifetimeValueProjection.daysPerMonth } ?? 0
        let eligible = tier(forLifetimeValue: forecastLifetimeValue)
        var blockers: [String] = []
        if eligible == nil {
            blockers.append("forecast lifetime value \(currency.text(forecastLifetimeValue)) is below the Gold Preferred threshold of \(currency.text(goldThreshold))")
        }
        if let eligible, let current = history.tier, current >= eligible {
            blockers.append("already \(current.title)")
        }
        if months < minimumContactMonths {
            blockers.append("\(String(format: "%.1f", months)) months of contact history; upgrades need \(String(format: "%.0f", minimumContactMonths))")
        }
        let recommended = blockers.isEmpty ? eligible : nil
        return UpsellAssessment(customerID: history.id, currentTier: history.tier, eligibleTier: eligible, recommendedTier: recommended,
                                forecastLifetimeValue: forecastLifetimeValue, contactMonths: months, blockers: blockers,
                                message: recommended.map { Self.message(inviting: history.profile, to: $0) })
    }

    /// An invitation in the client's register that names what they care about: greeting by
    /// communication style, heritage and values, investment philosophy, and an experience set to
    /// their music and aesthetics.
    public static func message(inviting profile: CulturalProfile, to tier: LizaTier) -> String {
        let formal = profile.communicationStyle?.hasSuffix("formal") ?? true
        let name = profile.name.map { formal ? $0 : String($0.split(separator: " ").first ?? Substring($0)) }
        var sentences = [formal ? "Dear \(name ?? "valued client")," : "Hello \(name ?? "there"),"]
        sentences.append("it would be our honour to welcome you to LIZA \(tier.title).")
        if !profile.culturalHeritage.isEmpty || !profile.culturalValues.isEmpty {
            var clause = "We have been inspired by"
            if !profile.culturalHeritage.isEmpty { clause += " your \(list(profile.culturalHeritage)) heritage" }
            if !profile.culturalValues.isEmpty {
                clause += profile.culturalHeritage.isEmpty ? " the value you place on " : " and the value you place on "
                clause += list(profile.culturalValues.map(words))
            }
            sentences.append(clause + ".")
        }
        if let philosophy = profile.culturalInvestmentPhilosophy, let phrase = philosophyPhrases[philosophy] {
            sentences.append("\(tier.title) members are the first to see \(phrase).")
        }
        var experience = profile.preferredCulturalExperiences.first.map { "a \(words($0))" } ?? "a private viewing"
        if let genre = profile.musicalPreferences.first { experience += " set to \(words(genre)) music" }
        if let aesthetic = profile.designAesthetics.first { experience += ", among our \(words(aesthetic)) pieces" }
        sentences.append("May we invite you to \(experience), to celebrate?")
        return sentences.joined(separator: " ")
    }

    static let philosophyPhrases = [
        "heirloom-legacy": "pieces made to be handed down for generations",
        "investment-value": "the rare stones that hold their value best",
        "artistic-patronage": "the ateliers' most ambitious commissions",
        "spiritual-significance": "pieces chosen for the meaning they carry",
        "ethical-sourcing": "our most responsibly sourced stones",
    ]

    /// `family-legacy` → "family legacy".
    static func words(_ value: String) -> String { value.replacingOccurrences(of: "-", with: " ") }

    /// "a", "a and b", "a, b and c".
    static func list(_ items: [String]) -> String {
        guard items.count > 1, let last = items.last else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }
}

/// One client's upsell assessment.
public struct UpsellAssessment: Sendable, Hashable, Codable {
    public var customerID: String
    public var currentTier: LizaTier?
    /// The tier the forecast alone qualifies for.
    public var eligibleTier: LizaTier?
    /// The tier to invite the client to: eligible, above the current tier, with enough contact history.
    public var recommendedTier: LizaTier?
    public var forecastLifetimeValue: Double
    /// Months since the first order or contact.
    public var contactMonths: Double
    /// Why no upgrade is recommended (empty when one is).
    public var blockers: [String]
    /// The personalised invitation, when an upgrade is recommended.
    public var message: String?
}
