import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Churn", .ownThread(computing: true))
struct ChurnTests {
    static func day(_ year: Int, _ month: Int, _ day: Int) -> Date { HistorySimulator.date(year, month, day) }

    /// Days in the process's unit: a purchase every 120 days on average, half the clients leaving
    /// within a few purchases.
    static let simulator = HistorySimulator(purchases: try! BGNBDModel(r: 0.5, alpha: 60, a: 0.8, b: 2.5),
                                            acquisition: day(2023, 1, 1)...day(2024, 6, 30), end: day(2025, 4, 1))

    @Test func handComputedFactors() throws {
        let asOf = Self.day(2026, 1, 1)
        // Previous window (360 to 180 days back): two orders, $2,000; recent window: one, $500.
        let history = CustomerHistory(
            id: "ada",
            orders: [.init(date: Self.day(2025, 3, 1), amount: 1_000), .init(date: Self.day(2025, 4, 10), amount: 1_000),
                     .init(date: Self.day(2025, 9, 1), amount: 500)],
            contacts: [Self.day(2025, 10, 1)], segment: .regular, energyAlignment: .moderate)
        let assessment = ChurnModel().assess(history, at: asOf)
        func factor(_ f: ChurnFactor) throws -> ChurnAssessment.Contribution { try #require(assessment.drivers.first { $0.factor == f }) }
        // Last touch 1 October: 92 days of a 180-day saturation.
        #expect(abs(try factor(.daysSinceContact).score - 92.0 / 180) < 1e-12)
        #expect(abs(try factor(.frequencyTrend).score - 1.0 / 3) < 1e-12)
        #expect(abs(try factor(.lifetimeValueTrend).score - 1_500.0 / 2_500) < 1e-12)
        #expect(abs(try factor(.energyAlignment).score - 2.0 / 3) < 1e-12)
        // Gaps 40, 144 and 30 days: the usual rhythm is 40; 92 days now is 2.3 times it.
        #expect(abs(try factor(.engagementSpacing).score - 2.3 / 3.3) < 1e-12)
        // The brief's weights, 120% in all, normalised.
        #expect(abs(try factor(.daysSinceContact).weight - 0.25) < 1e-12)
        #expect(abs(assessment.drivers.reduce(0) { $0 + $1.weight } - 1) < 1e-12)
        let expected = (0.30 * 92 / 180 + 0.25 / 3 + 0.20 * (2.0 / 3) + 0.25 * 0.6 + 0.20 * (2.3 / 3.3)) / 1.2
        #expect(abs(assessment.score - expected) < 1e-12)
        #expect(assessment.riskLevel == .high)
        // The largest contribution is the time since the last touch; its recommendation comes first,
        // and the frequency trend (score ⅓) gets none.
        #expect(assessment.drivers.map(\.factor) == [.daysSinceContact, .lifetimeValueTrend, .engagementSpacing, .energyAlignment, .frequencyTrend])
        #expect(assessment.recommendations.first?.hasPrefix("Reconnect personally") == true)
        #expect(assessment.recommendations.count == 4)
    }

    @Test func riskLevelsFollowTheThresholds() {
        let thresholds = RiskThresholds(critical: 0.8, high: 0.6, medium: 0.3)
        #expect([0.85, 0.8, 0.7, 0.6, 0.4, 0.3, 0.1].map(thresholds.level(of:)) == [.critical, .critical, .high, .high, .medium, .medium, .low])
        // A client who has done nothing for a year is critical by default and gets the escalation.
        let silent = CustomerHistory(id: "gone", orders: [.init(date: Self.day(2024, 1, 1), amount: 100)], energyAlignment: .developing)
        let assessment = ChurnModel().assess(silent, at: Self.day(2025, 6, 1))
        #expect(assessment.riskLevel == .critical)
        #expect(assessment.recommendations.first?.hasPrefix("Escalate") == true)
        // And an engaged, aligned client is low risk with no intervention.
        let engaged = CustomerHistory(id: "here", orders: (0..<12).map { .init(date: Self.day(2025, 1 + $0 % 12, 10), amount: 500) },
                                      contacts: (0..<12).map { Self.day(2025, 1 + $0 % 12, 20) }, energyAlignment: .exceptional)
        let calm = ChurnModel().assess(engaged, at: Self.day(2025, 12, 25))
        #expect(calm.riskLevel == .low, "score \(calm.score)")
    }

    /// Clients who truly dropped out before the scoring date should score higher, by both
    /// scorers, beyond what chance gives (four Hanley–McNeil standard errors).
    @Test func droppedOutClientsScoreHigher() throws {
        let clients = try Self.simulator.simulate(clients: 2_000, seed: 8_108)
        let asOf = Self.day(2025, 1, 1)
        let dead = clients.map { ($0.dropout.map { $0 < asOf }) ?? false }
        let summaries = try clients.compactMap { try $0.history.rfmSummary(at: asOf) }
        let churn = ProbabilisticChurn(model: try BGNBDModel.fit(summaries).model)
        let probabilistic = try clients.map { try #require(try churn.probabilityChurned($0.history, at: asOf)) }
        let heuristic = clients.map { ChurnModel().assess($0.history, at: asOf).score }
        for (name, scores) in [("bg-nbd", probabilistic), ("heuristic", heuristic)] {
            let metrics = try ClassificationMetrics(scores: scores, outcomes: dead)
            let auc = try #require(metrics.auc), error = try #require(metrics.aucStandardError)
            print("AUC against true dropout, \(name): \(auc) ± \(error)")
            #expect(auc > 0.5 + 4 * error, "\(name): AUC \(auc) ± \(error)")
        }
    }

    @Test func backtestOnSimulatedClients() throws {
        let clients = try Self.simulator.simulate(clients: 3_000, seed: 2_025)
        let cutoff = Self.day(2025, 1, 1)
        let report = try ChurnBacktest(cutoff: cutoff, horizonDays: 90).run(clients.map(\.history))
        // Labels computed independently of the backtest: no order in [cutoff, cutoff + 90 days).
        let horizonEnd = Self.day(2025, 4, 1)
        let churned = clients.filter { !$0.history.orders.contains { $0.date >= cutoff && $0.date < horizonEnd } }.count
        #expect(report.trainingData.datasetSize == clients.count && report.trainingData.excluded == 0)
        #expect(report.trainingData.churned == churned)
        #expect(report.trainingData.cutoff == cutoff && report.trainingData.horizonDays == 90)
        #expect(report.trainingData.features.contains("recency"))
        for evaluation in report.evaluations {
            let metrics = evaluation.metrics
            print("backtest \(evaluation.scorer.rawValue): AUC \(metrics.auc ?? .nan) ± \(metrics.aucStandardError ?? .nan), "
                  + "accuracy \(metrics.accuracy), precision \(metrics.precision ?? .nan), recall \(metrics.recall ?? .nan), F1 \(metrics.f1 ?? .nan)")
        }
        // On data from the BG/NBD process, the model's own probability of no purchase in the
        // horizon ranks clients better than chance and better than the heuristic (the two AUCs
        // share their clients, so the sum of the standard errors is a conservative margin).
        let model = try #require(report.evaluation(of: .bgnbdNoPurchase)?.metrics), brief = try #require(report.evaluation(of: .briefHeuristic)?.metrics)
        let auc = try #require(model.auc), error = try #require(model.aucStandardError)
        #expect(auc > 0.5 + 4 * error, "AUC \(auc) ± \(error)")
        #expect(auc - (try #require(brief.auc)) > 2 * (error + (try #require(brief.aucStandardError))))
        // 1 − P(alive) is uninformative for one-time buyers (always 0); among repeat buyers it ranks well.
        let repeaters = try clients.filter { try #require(try $0.history.rfmSummary(at: cutoff)).frequency > 0 }.map(\.history.id)
        let rows = report.rows.filter { Set(repeaters).contains($0.customerID) }
        let dropout = try ClassificationMetrics(scores: rows.map { $0.scores[.bgnbdDropout] ?? .nan }, outcomes: rows.map(\.churned))
        print("backtest bg-nbd among \(rows.count) repeat buyers: AUC \(dropout.auc ?? .nan) ± \(dropout.aucStandardError ?? .nan)")
        #expect(try #require(dropout.auc) > 0.5 + 4 * (try #require(dropout.aucStandardError)))
        // The model was fitted on the data before the cut-off: refitting those summaries gives it back.
        let before = try clients.compactMap { try $0.history.rfmSummary(at: cutoff) }
        #expect(report.model.model == (try BGNBDModel.fit(before)).model)
    }

    @Test func backtestLabelsAndExclusionsAreTheHandCountedOnes() throws {
        let cutoff = Self.day(2025, 1, 1)
        var histories = try Self.simulator.simulate(clients: 600, seed: 3).map(\.history)
        histories.append(CustomerHistory(id: "returns", orders: [.init(date: Self.day(2024, 5, 1), amount: 100),
                                                                .init(date: Self.day(2025, 2, 1), amount: 100)]))
        histories.append(CustomerHistory(id: "stays-away", orders: [.init(date: Self.day(2024, 5, 1), amount: 100),
                                                                   .init(date: Self.day(2025, 5, 1), amount: 100)]))
        histories.append(CustomerHistory(id: "newcomer", orders: [.init(date: Self.day(2025, 1, 15), amount: 100)]))
        let report = try ChurnBacktest(cutoff: cutoff, horizonDays: 90).run(histories)
        let rows = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.customerID, $0) })
        #expect(rows["returns"]?.churned == false)
        #expect(rows["stays-away"]?.churned == true)   // its next order falls after the 90 days
        #expect(rows["newcomer"] == nil)
        #expect(report.trainingData.excluded == 1)
        // One purchase day before the cut-off: no repeat, so BG/NBD keeps the client alive.
        #expect(rows["returns"]?.scores[.bgnbdDropout] == 0)
        // Every metric is the one its rows give.
        for evaluation in report.evaluations {
            let recomputed = try ClassificationMetrics(scores: report.rows.map { $0.scores[evaluation.scorer] ?? .nan },
                                                       outcomes: report.rows.map(\.churned))
            #expect(recomputed == evaluation.metrics)
        }
    }

    @Test func settingsAndAssessmentsRoundTripThroughJSON() throws {
        let model = ChurnModel(weights: [.daysSinceContact: 2, .lifetimeValueTrend: 1], thresholds: RiskThresholds(critical: 0.9, high: 0.6, medium: 0.3))
        let json = try JSONEncoder().encode(model)
        #expect(String(decoding: json, as: UTF8.self).contains("\"days-since-contact\":2"))
        #expect(try JSONDecoder().decode(ChurnModel.self, from: json) == model)
        // Factors without a weight do not count: two thirds days since contact (90 of 180 days),
        // one third spend trend (the only order is in the recent window: no decline).
        let history = CustomerHistory(id: "x", orders: [.init(date: Self.day(2025, 1, 1), amount: 10)])
        let assessment = model.assess(history, at: Self.day(2025, 4, 1))
        #expect(abs(assessment.score - (2 * 90.0 / 180 + 1 * 0) / 3) < 1e-12)
        #expect(assessment.drivers.filter { $0.weight > 0 }.map(\.factor) == [.daysSinceContact, .lifetimeValueTrend])
        #expect(try JSONDecoder().decode(ChurnAssessment.self, from: JSONEncoder().encode(assessment)) == assessment)
    }

    @Test func aucStandardErrorMatchesHanleyMcNeil() throws {
        // 2 positives, 2 negatives, AUC 0.75: Q1 = 0.6, Q2 = 0.642857…; SE² = (0.1875 + 0.0375 + 0.080357…)/4.
        let metrics = try ClassificationMetrics(scores: [0.1, 0.4, 0.35, 0.8], outcomes: [false, false, true, true])
        let q1 = 0.75 / 1.25, q2 = 2 * 0.5625 / 1.75
        let expected = sqrt((0.75 * 0.25 + (q1 - 0.5625) + (q2 - 0.5625)) / 4)
        #expect(abs(try #require(metrics.aucStandardError) - expected) < 1e-15)
    }

    @Test func rejectsAnEmptyBacktest() throws {
        let backtest = try ChurnBacktest(cutoff: Self.day(2020, 1, 1), horizonDays: 30)
        #expect(throws: AnalyticsError.self) { try backtest.run([CustomerHistory(id: "x", orders: [.init(date: Self.day(2021, 1, 1), amount: 1)])]) }
        #expect(throws: AnalyticsError.self) { try ChurnBacktest(cutoff: Self.day(2020, 1, 1), horizonDays: 0) }
    }
}
