import FacetAnalytics
import Foundation
@testable import StudioConfig
import Testing
import TestSupport

/// The pieces every advisor sentence is made of.
@Suite("Advisor wording", .ownThread(computing: true))
struct AdvisorWordingTests {
    @Test func amountsAreWholeUnitsInTheHouseCurrency() throws {
        #expect(HouseCurrency.usd.text(64_224.54) == "USD 64,225")
        #expect(try HouseCurrency("EUR").text(1_742_522.89) == "EUR 1,742,523")
        #expect(HouseCurrency.usd.text(999.4) == "USD 999")
        #expect(HouseCurrency.usd.text(-1_200) == "USD -1,200")
        #expect(HouseCurrency.usd.text(0.3) == "USD 0")
        for bad in ["usd", "EURO", "E1R", ""] {
            #expect(throws: AnalyticsError.self) { try HouseCurrency(bad) }
        }
    }

    /// A chance that is not nil never reads "0%", and one short of certain never "100%".
    @Test func chancesAreNeverRoundedToNothingOrCertainty() {
        #expect(ModelDocuments.chance(0.004) == "under 1%" && ModelDocuments.chance(0.0001) == "under 1%")
        #expect(ModelDocuments.chance(0) == "0%" && ModelDocuments.chance(1) == "100%")
        #expect(ModelDocuments.chance(0.996) == "over 99%")
        #expect(ModelDocuments.chance(0.005) == "1%" && ModelDocuments.chance(0.42) == "42%" && ModelDocuments.chance(0.994) == "99%")
    }

    @Test func spansAreSaidInTheUnitAPersonWouldUse() {
        #expect(AdvisorWording.span(days: 1) == "1 day")
        #expect(AdvisorWording.span(days: 10.4) == "10 days")
        #expect(AdvisorWording.span(days: 21) == "3 weeks")
        #expect(AdvisorWording.span(days: 426) == "14 months")
        #expect(AdvisorWording.span(days: 365.25) == "12 months")
        #expect(AdvisorWording.span(days: 900) == "2.5 years")
        #expect(AdvisorWording.span(days: 730.5) == "2 years")
        #expect(AdvisorWording.span(days: -3) == "0 days")
    }
}
