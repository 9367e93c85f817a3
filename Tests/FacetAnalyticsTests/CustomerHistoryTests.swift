import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Customer history", .ownThread(computing: true))
struct CustomerHistoryTests {
    static func at(_ day: Int, hour: Double = 12) -> Date {
        AnalyticsCalendar.adding(days: Double(day) + hour / 24, to: HistorySimulator.date(2024, 1, 1))
    }

    @Test func summaryCountsPurchaseDaysInDays() throws {
        // Two orders on day 0 are one purchase; repeats on days 10 and 40; observed until day 50.
        let history = CustomerHistory(id: "ada", orders: [
            .init(date: Self.at(40), amount: 300), .init(date: Self.at(0, hour: 10), amount: 50),
            .init(date: Self.at(0, hour: 15), amount: 70), .init(date: Self.at(10), amount: 100),
        ])
        #expect(history.orders.first?.amount == 50)   // sorted on the way in
        let summary = try #require(try history.rfmSummary(at: Self.at(50, hour: 0)))
        #expect(summary.frequency == 2 && summary.recency == 40 && summary.age == 50)
        #expect(summary.monetaryValue == 200)   // mean of the repeat purchases only
        #expect(history.interPurchaseIntervals(before: Self.at(50)) == [10, 30])
        // Known before day 10 (exclusive): the first purchase only.
        let early = try #require(try history.known(before: Self.at(10, hour: 0)).rfmSummary(at: Self.at(10, hour: 0)))
        #expect(early.frequency == 0 && early.recency == 0 && early.age == 10 && early.monetaryValue == 0)
        #expect(try history.rfmSummary(at: Self.at(0, hour: 0)) == nil)
    }

    @Test func edgeCases() throws {
        // A purchase on the very day of the summary still leaves a positive T.
        let sameDay = CustomerHistory(id: "now", orders: [.init(date: Self.at(5, hour: 9), amount: 10)])
        let summary = try #require(try sameDay.rfmSummary(at: Self.at(5, hour: 18)))
        #expect(summary.age > 0 && summary.frequency == 0)
        // A negative amount is refused with the client and the date named.
        let refund = CustomerHistory(id: "refund", orders: [.init(date: Self.at(1), amount: 10), .init(date: Self.at(3), amount: -5)])
        #expect(throws: AnalyticsError.self) { try refund.rfmSummary(at: Self.at(9)) }
        // Duplicate categories in an order collapse.
        #expect(CustomerHistory.Order(date: Self.at(1), amount: 1, categories: ["rings", "rings", "watches"]).categories == ["rings", "watches"])
        // The last touch is the later of orders and contacts.
        let touched = CustomerHistory(id: "t", orders: [.init(date: Self.at(3), amount: 1)], contacts: [Self.at(7), Self.at(20)])
        #expect(touched.lastTouch(before: Self.at(10)) == Self.at(7))
        #expect(touched.lastTouch(before: Self.at(2)) == nil)
        #expect(EnergyAlignment.exceptional.score == 1 && EnergyAlignment.developing.score == 0)
        #expect(LizaTier.platinumPremier > .goldPreferred && CustomerSegment.vip > .loyal)
    }

    @Test func churnOfAClientWithoutOrdersOrContacts() {
        let empty = CustomerHistory(id: "ghost", orders: [])
        let assessment = ChurnModel().assess(empty, at: Self.at(100))
        // Nothing on record: the contact and trend factors are at their maximum, the unknown ones in the middle.
        #expect(assessment.drivers.first { $0.factor == .daysSinceContact }?.score == 1)
        #expect(assessment.drivers.first { $0.factor == .frequencyTrend }?.score == 1)
        #expect(assessment.drivers.first { $0.factor == .energyAlignment }?.score == 0.5)
        #expect(assessment.riskLevel == .critical)
    }
}
