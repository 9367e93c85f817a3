import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Contact list backtest", .ownThread(computing: true))
struct ContactListBacktestTests {
    typealias Client = ContactListBacktest.Client

    @Test func threeListsByHand() throws {
        let clients = [
            // Ada's book: the score finds the two who bought; the biggest spender to date did not.
            Client(id: "a1", advisor: "ada", score: 0.9, lifetimeValue: 100, revenueAfter: 500),
            Client(id: "a2", advisor: "ada", score: 0.8, lifetimeValue: 50, revenueAfter: 300),
            Client(id: "a3", advisor: "ada", score: 0.1, lifetimeValue: 9_000, revenueAfter: 0),
            Client(id: "a4", advisor: "ada", score: 0.2, lifetimeValue: 10, revenueAfter: 0),
            // Ben's book has one client: every list is that client.
            Client(id: "b1", advisor: "ben", score: 0.5, lifetimeValue: 10, revenueAfter: 40),
        ]
        let report = try ContactListBacktest.run(clients, listSize: 2)
        #expect(report.advisors.map(\.advisor) == ["ada", "ben"])
        let ada = report.advisors[0]
        #expect(ada.ranked == 800 && ada.topLifetimeValue == 500 && ada.random == 400)   // 2/4 of 800
        #expect(report.advisors[1].ranked == 40 && report.advisors[1].random == 40 && report.advisors[1].topLifetimeValue == 40)
        #expect(report.ranked == 840 && report.random == 440 && report.topLifetimeValue == 540)
        #expect(report.meanGainOverRandom == 200 && report.meanGainOverLifetimeValue == 150)
        // Per-advisor gains over random are 400 and 0: standard error of their mean 200.
        #expect(abs(try #require(report.standardErrorOverRandom) - 200) < 1e-9)
    }

    @Test func tiesAreBrokenByIdAndBadInputRefused() throws {
        let tied = (0..<5).map { Client(id: "c\($0)", advisor: "x", score: 1, lifetimeValue: 1, revenueAfter: Double($0)) }
        #expect(try ContactListBacktest.run(tied, listSize: 2).ranked == 0 + 1)
        #expect(throws: AnalyticsError.self) { try ContactListBacktest.run(tied, listSize: 0) }
        #expect(throws: AnalyticsError.self) { try ContactListBacktest.run([], listSize: 3) }
        #expect(throws: AnalyticsError.self) {
            try ContactListBacktest.run([Client(id: "n", advisor: "x", score: .nan, lifetimeValue: 1, revenueAfter: 1)])
        }
        #expect(try ContactListBacktest.run(tied, listSize: 3).standardErrorOverRandom == nil)
    }
}
