import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

/// Churn measured against each client's own rhythm, and probabilities that mean what they say.
@Suite("Purchase rhythm and calibration", .ownThread(computing: true))
struct CalibrationTests {
    static func day(_ year: Int, _ month: Int, _ day: Int) -> Date { HistorySimulator.date(year, month, day) }

    // MARK: Calibrators

    @Test func poolAdjacentViolatorsByHand() throws {
        // 0.1 → no, 0.2 → yes, 0.3 → no (falls: pooled with 0.2 into 0.5 at score 0.25), 0.4 → yes.
        let fitted = try ProbabilityCalibrator.isotonic(scores: [0.3, 0.1, 0.4, 0.2], outcomes: [false, false, true, true])
        #expect(fitted.knots == [.init(score: 0.1, probability: 0), .init(score: 0.25, probability: 0.5), .init(score: 0.4, probability: 1)])
        #expect(fitted.probability(0.05) == 0 && fitted.probability(0.9) == 1)
        #expect(abs(fitted.probability(0.175) - 0.25) < 1e-12)   // halfway between the first two knots
        #expect(abs(fitted.probability(0.325) - 0.75) < 1e-12)
        // Equal scores start in one block; a run of violators pools into one.
        let pooled = try ProbabilityCalibrator.isotonic(scores: [0.5, 0.5, 0.6, 0.7, 0.8], outcomes: [true, true, false, false, true])
        #expect(pooled.knots.map(\.probability) == [0.5, 1])
        #expect(abs(pooled.knots[0].score - 0.575) < 1e-12)
    }

    /// Outcomes drawn from a known logistic distortion of the scores, σ(2 · logit(s) − 0.5):
    /// Platt scaling finds the slope and intercept again.
    @Test func plattRecoversAKnownDistortion() throws {
        var random = SeededGenerator(seed: 41)
        var scores: [Double] = [], outcomes: [Bool] = []
        for _ in 0..<20_000 {
            let score = 0.02 + 0.96 * random.uniform()
            let truth = ProbabilityCalibrator.sigmoid(2 * ProbabilityCalibrator.logit(score) - 0.5)
            scores.append(score)
            outcomes.append(random.uniform() < truth)
        }
        let fitted = try ProbabilityCalibrator.platt(scores: scores, outcomes: outcomes)
        #expect(abs(fitted.slope - 2) < 0.1, "slope \(fitted.slope)")
        #expect(abs(fitted.intercept + 0.5) < 0.1, "intercept \(fitted.intercept)")
        // The distorted scores are badly calibrated; the calibrated ones are not.
        let choice = try ProbabilityCalibrator.choose(scores: scores, outcomes: outcomes)
        #expect(choice.uncalibrated.expectedCalibrationError > 0.05)
        #expect(choice.report.expectedCalibrationError < 0.02, "\(choice.report.expectedCalibrationError)")
        #expect(choice.report.brierScore < choice.uncalibrated.brierScore)
    }

    /// A step that no logistic curve can follow: the data choose isotonic regression.
    @Test func theDataChooseTheMethod() throws {
        var random = SeededGenerator(seed: 7)
        var scores: [Double] = [], outcomes: [Bool] = []
        for _ in 0..<4_000 {
            let score = random.uniform()
            scores.append(score)
            outcomes.append(random.uniform() < (score < 0.5 ? 0.1 : 0.9))
        }
        let choice = try ProbabilityCalibrator.choose(scores: scores, outcomes: outcomes)
        #expect(choice.calibrator.method == .isotonic)
        #expect(try #require(choice.crossValidatedBrier[.isotonic]) < (try #require(choice.crossValidatedBrier[.platt])))
        #expect(abs(choice.calibrator.probability(0.2) - 0.1) < 0.05 && abs(choice.calibrator.probability(0.8) - 0.9) < 0.05)
        #expect(choice.outOfFold.count == scores.count)
    }

    @Test func brierAndCalibrationErrorByHand() throws {
        let report = try CalibrationReport(predictions: [0.1, 0.9, 0.8, 0.3], outcomes: [false, true, false, true])
        #expect(abs(report.brierScore - (0.01 + 0.01 + 0.64 + 0.49) / 4) < 1e-12)
        #expect(report.baseRate == 0.5 && report.baseRateBrierScore == 0.25)
        // One prediction per bin: |0.1 − 0| + |0.9 − 1| + |0.8 − 0| + |0.3 − 1|, a quarter each.
        #expect(abs(report.expectedCalibrationError - 0.425) < 1e-12)
        #expect(report.reliability.count == 10 && report.reliability.map(\.count).reduce(0, +) == 4)
        #expect(report.reliability[8].meanPredicted == 0.8 && report.reliability[8].observedRate == 0)
        #expect(report.reliability[0].count == 0 && report.reliability[0].meanPredicted == nil)
        // A prediction of exactly 1 falls in the last bin.
        #expect(try CalibrationReport(predictions: [1, 0], outcomes: [true, false]).reliability[9].count == 1)
    }

    @Test func unusableInputIsRefusedWithAReason() {
        #expect(throws: AnalyticsError.self) { try ProbabilityCalibrator.platt(scores: [0.1, 0.2], outcomes: [true]) }
        #expect(throws: AnalyticsError.self) { try ProbabilityCalibrator.isotonic(scores: [0.1, .nan], outcomes: [true, false]) }
        do {
            _ = try ProbabilityCalibrator.choose(scores: [0.1, 0.2, 0.3], outcomes: [true, true, true])
            Issue.record("one-sided outcomes were calibrated")
        } catch {
            #expect(error.description.contains("nothing to calibrate against"))
        }
        #expect(throws: AnalyticsError.self) { try ProbabilityCalibrator.choose(scores: [0.1, 0.9, 0.2], outcomes: [true, false, true]) }
        #expect(throws: AnalyticsError.self) { try CalibrationReport(predictions: [1.2], outcomes: [true]) }
    }

    // MARK: Rhythm

    /// A client who buys about every 14 months is not lapsing six months after their last
    /// purchase; a monthly client is.
    @Test func eachClientIsMeasuredAgainstTheirOwnRhythm() throws {
        // A clientele that buys about once a year on average (α/r = 365 days).
        let rhythm = PurchaseRhythm(model: try BGNBDModel(r: 1, alpha: 365, a: 0.5, b: 3))
        let fourteenMonths = 426.0
        // Five purchases 14 months apart, the last six months ago.
        let occasional = try RFMSummary(id: "occasional", frequency: 4, recency: 4 * fourteenMonths, age: 4 * fourteenMonths + 183)
        let usual = rhythm.usualInterval(occasional)
        #expect(abs(usual - (365 + 4 * fourteenMonths + 183) / 5) < 1e-9)
        #expect(usual > 365 && usual < 490, "about 14 months: \(usual) days")
        #expect(rhythm.lapseWindow(occasional) > 183 * 2)
        // Twenty-four monthly purchases, the last six months ago.
        let monthly = try RFMSummary(id: "monthly", frequency: 23, recency: 23 * 30.4, age: 23 * 30.4 + 183)
        // (365 + 699.2 + 183)/24 = 52 days: the clientele's prior and the six months of silence
        // stretch the monthly rhythm a little.
        #expect(abs(rhythm.usualInterval(monthly) - 1_247.2 / 24) < 1e-9)
        #expect(abs(rhythm.lapseWindow(monthly) - 1.5 * 1_247.2 / 24) < 1e-9)
        // Silent for six months: the monthly client more likely than not has left; the occasional
        // one is on their rhythm and more likely than not will buy within theirs.
        let monthlyLapse = try rhythm.probabilityOfLapse(monthly), occasionalLapse = try rhythm.probabilityOfLapse(occasional)
        #expect(monthlyLapse > 0.5 && occasionalLapse < 0.5 && monthlyLapse > occasionalLapse, "\(monthlyLapse) against \(occasionalLapse)")
        // A short window is kept at the shortest.
        let daily = try RFMSummary(id: "daily", frequency: 300, recency: 300, age: 301)
        #expect(rhythm.lapseWindow(daily) == 60)
        #expect(rhythm.model.probabilityAlive(frequency: 4, recency: 4 * fourteenMonths, age: 4 * fourteenMonths + 183) > 0.8)
        // A one-time buyer of three years ago does not get the regulars' rhythm.
        let lapsedOnce = try RFMSummary(id: "once", frequency: 0, recency: 0, age: 3 * 365)
        #expect(rhythm.usualInterval(lapsedOnce) > 3 * 365)
        #expect(rhythm.lapseWindow(lapsedOnce) == 730)
        print("lapse: occasional \(occasionalLapse) (window \(rhythm.lapseWindow(occasional)) days), monthly \(monthlyLapse)")
    }

    @Test func theNoPurchaseProbabilityKeepsItsLimitsAndClosedForm() throws {
        let model = try BGNBDModel(r: 0.6, alpha: 120, a: 0.9, b: 2.2)
        let rhythm = PurchaseRhythm(model: model)
        let summary = try RFMSummary(id: "x", frequency: 3, recency: 300, age: 420)
        let alive = model.probabilityAlive(frequency: 3, recency: 300, age: 420)
        #expect(try rhythm.probabilityOfNoPurchase(summary, within: 0) == 1)
        // Over a very long window only the clients who left stay silent.
        #expect(abs(try rhythm.probabilityOfNoPurchase(summary, within: 1e9) - (1 - alive)) < 1e-6)
        // The closed form: (1 − P(alive)) + P(alive) · ((α + T)/(α + T + t))^(r + x).
        let expected = (1 - alive) + alive * pow((120 + 420) / (120 + 420 + 90.0), 0.6 + 3)
        #expect(abs(try rhythm.probabilityOfNoPurchase(summary, within: 90) - expected) < 1e-12)
        // Over a short span the chance of a purchase is the expected number of purchases.
        let small = 0.01, count = try model.expectedPurchases(in: small, for: summary)
        #expect(abs(try rhythm.probabilityOfPurchase(summary, within: small) / count - 1) < 1e-3)
        // And never more than it (Markov's inequality), over any span.
        for days in [30.0, 180, 720] { #expect(try rhythm.probabilityOfPurchase(summary, within: days) <= (try model.expectedPurchases(in: days, for: summary)) + 1e-12) }
        #expect(throws: AnalyticsError.self) { try rhythm.probabilityOfNoPurchase(summary, within: -1) }
    }

    // MARK: The backtest

    /// On clients simulated from the BG/NBD process, each labelled by their own window: the
    /// calibrated probabilities beat the base rate and are close to what happened.
    @Test func aRhythmBacktestIsCalibratedOnSimulatedClients() throws {
        let simulator = HistorySimulator(purchases: try BGNBDModel(r: 0.9, alpha: 300, a: 0.7, b: 2.5),
                                         acquisition: Self.day(2020, 1, 1)...Self.day(2022, 12, 31), end: Self.day(2025, 12, 31))
        let clients = try simulator.simulate(clients: 4_000, seed: 77)
        let cutoff = Self.day(2024, 1, 1), end = Self.day(2025, 12, 31)
        let report = try ChurnBacktest(cutoff: cutoff, window: .ownRhythm, dataEnd: end).run(clients.map(\.history))
        // Labels computed independently: no order within the client's window after the cut-off.
        for row in report.rows.prefix(200) {
            let history = try #require(clients.first { $0.history.id == row.customerID }?.history)
            let windowEnd = AnalyticsCalendar.adding(days: row.windowDays, to: cutoff)
            #expect(row.churned == !history.orders.contains { $0.date >= cutoff && $0.date < windowEnd })
            #expect(row.windowDays >= 60 && row.windowDays <= 730)
        }
        #expect(report.trainingData.beyondData == 0 && report.trainingData.datasetSize == report.rows.count)
        let calibration = try #require(report.calibration)
        let lapsed = report.rows.filter(\.churned).count
        print("rhythm backtest: \(report.rows.count) clients, \(lapsed) lapsed, median window \(report.trainingData.medianWindowDays) days, best \(report.best.rawValue), "
              + "\(calibration.calibrator.method.rawValue): Brier \(calibration.report.brierScore) (base \(calibration.report.baseRateBrierScore)), ECE \(calibration.report.expectedCalibrationError)")
        #expect(calibration.report.brierScore < calibration.report.baseRateBrierScore)
        #expect(calibration.report.expectedCalibrationError < 0.05)
        #expect(calibration.report.reliability.map(\.count).reduce(0, +) == report.rows.count)
        #expect(calibration.report.baseRate == Double(lapsed) / Double(report.rows.count))
        // The best scorer is the one with the highest AUC.
        let aucs = report.evaluations.compactMap { evaluation in evaluation.metrics.auc.map { (evaluation.scorer, $0) } }
        #expect(report.best == aucs.max { $0.1 < $1.1 }?.0)
        // Windows past the data are left out and counted, not labelled lapsed.
        let late = try ChurnBacktest(cutoff: Self.day(2025, 6, 1), window: .ownRhythm, dataEnd: end).run(clients.map(\.history))
        #expect(late.trainingData.beyondData > 0)
        #expect(late.rows.allSatisfy { $0.windowDays <= AnalyticsCalendar.days(from: Self.day(2025, 6, 1), to: end) + 1 })
    }
}
