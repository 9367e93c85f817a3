import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Upsell", .ownThread(computing: true))
struct UpsellTests {
    static let today = HistorySimulator.date(2025, 6, 1)

    static func client(monthsAgo: Double, tier: LizaTier? = .lizaSelect, profile: CulturalProfile = CulturalProfile()) -> CustomerHistory {
        CustomerHistory(id: "c", orders: [.init(date: AnalyticsCalendar.adding(days: -monthsAgo * LifetimeValueProjection.daysPerMonth, to: today), amount: 5_000)],
                        contacts: [AnalyticsCalendar.adding(days: -10, to: today)], tier: tier, profile: profile)
    }

    @Test func thresholdsAndContactHistory() {
        let policy = UpsellPolicy()
        #expect(policy.assess(Self.client(monthsAgo: 12), forecastLifetimeValue: 120_000, at: Self.today).recommendedTier == .platinumPremier)
        #expect(policy.assess(Self.client(monthsAgo: 12), forecastLifetimeValue: 100_000, at: Self.today).recommendedTier == .platinumPremier)
        #expect(policy.assess(Self.client(monthsAgo: 12), forecastLifetimeValue: 99_999, at: Self.today).recommendedTier == .goldPreferred)
        let below = policy.assess(Self.client(monthsAgo: 12), forecastLifetimeValue: 49_999, at: Self.today)
        #expect(below.recommendedTier == nil && below.eligibleTier == nil && below.message == nil)
        #expect(below.blockers.first?.contains("USD 49,999") == true)
        // Five months of history: eligible by value, not yet by relationship.
        let young = policy.assess(Self.client(monthsAgo: 5), forecastLifetimeValue: 150_000, at: Self.today)
        #expect(young.eligibleTier == .platinumPremier && young.recommendedTier == nil)
        #expect(abs(young.contactMonths - 5) < 1e-9)
        // Already at the tier: nothing to offer; a Gold member can still be offered Platinum.
        #expect(policy.assess(Self.client(monthsAgo: 12, tier: .goldPreferred), forecastLifetimeValue: 60_000, at: Self.today).recommendedTier == nil)
        #expect(policy.assess(Self.client(monthsAgo: 12, tier: .goldPreferred), forecastLifetimeValue: 110_000, at: Self.today).recommendedTier == .platinumPremier)
        // Configurable thresholds.
        let strict = UpsellPolicy(platinumThreshold: 250_000, goldThreshold: 120_000, minimumContactMonths: 12)
        #expect(strict.assess(Self.client(monthsAgo: 13), forecastLifetimeValue: 150_000, at: Self.today).recommendedTier == .goldPreferred)
        #expect(strict.assess(Self.client(monthsAgo: 11), forecastLifetimeValue: 300_000, at: Self.today).recommendedTier == nil)
    }

    @Test func messageIsBuiltFromTheProfile() throws {
        let profile = CulturalProfile(name: "Amara Okafor", culturalHeritage: ["Nigerian", "British"], culturalValues: ["family-legacy", "craftsmanship"],
                                      communicationStyle: "indirect-formal", culturalInvestmentPhilosophy: "heirloom-legacy",
                                      preferredCulturalExperiences: ["atelier-visit"], musicalPreferences: ["world-fusion"], designAesthetics: ["art-deco"])
        let message = try #require(UpsellPolicy().assess(Self.client(monthsAgo: 8, profile: profile), forecastLifetimeValue: 75_000, at: Self.today).message)
        #expect(message.hasPrefix("Dear Amara Okafor,"))
        for phrase in ["LIZA Gold Preferred", "Nigerian and British heritage", "family legacy and craftsmanship", "handed down",
                       "atelier visit", "world fusion music", "art deco pieces"] {
            #expect(message.contains(phrase), "missing \(phrase) in: \(message)")
        }
        // A casual register greets by first name; an empty profile still reads well.
        let casual = UpsellPolicy.message(inviting: CulturalProfile(name: "Lea Martin", communicationStyle: "direct-casual"), to: .platinumPremier)
        #expect(casual.hasPrefix("Hello Lea,") && casual.contains("Platinum Premier"))
        #expect(UpsellPolicy.message(inviting: CulturalProfile(), to: .goldPreferred).hasPrefix("Dear valued client,"))
    }
}
