import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Customer lifetime value", .ownThread(computing: true))
struct LifetimeValueTests {
    static let purchases = try! BGNBDModel(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
    static let spend = try! GammaGammaModel(p: 6.25, q: 3.74, gamma: 15.44)
    static let customer = try! RFMSummary(id: "1", frequency: 2, recency: 30.43, age: 38.86, monetaryValue: 22.35)

    @Test func undiscountedValueIsExpectedPurchasesTimesExpectedSpend() throws {
        // Without discounting the monthly differences telescope to E[Y(60 months)] × E[Z].
        let projection = try LifetimeValueProjection(months: 60, monthlyDiscountRate: 0, timeUnitsPerMonth: LifetimeValueProjection.weeksPerMonth)
        let value = try projection.value(of: Self.customer, purchases: Self.purchases, spend: Self.spend)
        let purchases = try Self.purchases.expectedPurchases(in: 60 * LifetimeValueProjection.weeksPerMonth, for: Self.customer)
        let spend = try Self.spend.expectedAverageValue(for: Self.customer)
        #expect(abs(value - purchases * spend) < 1e-9 * value)
    }

    @Test func discountingWeighsEachMonthByItsFactor() throws {
        let projection = try LifetimeValueProjection(months: 60, monthlyDiscountRate: 0.01)
        let months = try projection.schedule(of: Self.customer, purchases: Self.purchases, spend: Self.spend)
        #expect(months.count == 60 && months.map(\.index) == Array(1...60))
        let spend = try Self.spend.expectedAverageValue(for: Self.customer)
        for month in months {
            #expect(month.expectedPurchases > 0)
            #expect(abs(month.discountedValue - month.expectedPurchases * spend / pow(1.01, Double(month.index))) < 1e-12)
        }
        // A returning customer buys less each month as the chance of having dropped out grows.
        #expect(zip(months, months.dropFirst()).allSatisfy { $0.expectedPurchases > $1.expectedPurchases })
        let discounted = try projection.value(of: Self.customer, purchases: Self.purchases, spend: Self.spend)
        let steeper = try LifetimeValueProjection(months: 60, monthlyDiscountRate: 0.02).value(of: Self.customer, purchases: Self.purchases, spend: Self.spend)
        #expect(steeper < discounted)
    }

    @Test func aCustomerWhoLooksGoneIsWorthLittle() throws {
        let projection = try LifetimeValueProjection()
        let active = try projection.value(of: Self.customer, purchases: Self.purchases, spend: Self.spend)
        let lapsed = try RFMSummary(id: "2", frequency: 2, recency: 2, age: 38.86, monetaryValue: 22.35)
        let lapsedValue = try projection.value(of: lapsed, purchases: Self.purchases, spend: Self.spend)
        #expect(lapsedValue < active / 2)
    }

    @Test func rejectsMeaninglessSettings() {
        #expect(throws: AnalyticsError.self) { try LifetimeValueProjection(months: 0) }
        #expect(throws: AnalyticsError.self) { try LifetimeValueProjection(monthlyDiscountRate: -0.01) }
        #expect(throws: AnalyticsError.self) { try LifetimeValueProjection(timeUnitsPerMonth: 0) }
    }
}
