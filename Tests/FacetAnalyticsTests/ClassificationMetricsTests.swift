import Foundation
import Testing
import TestSupport
@testable import FacetAnalytics

@Suite("Classification metrics", .ownThread(computing: true))
struct ClassificationMetricsTests {
    @Test func handComputedCase() throws {
        // Threshold 0.5: predicted positive 0.8 (yes), 0.6 (no), 0.7 (yes); negative 0.1 (no), 0.4 (yes), 0.2 (no).
        let metrics = try ClassificationMetrics(scores: [0.8, 0.6, 0.7, 0.1, 0.4, 0.2], outcomes: [true, false, true, false, true, false])
        #expect(metrics.truePositives == 2 && metrics.falsePositives == 1 && metrics.trueNegatives == 2 && metrics.falseNegatives == 1)
        #expect(metrics.accuracy == 4.0 / 6)
        #expect(metrics.precision == 2.0 / 3 && metrics.recall == 2.0 / 3)
        #expect(abs(try #require(metrics.f1) - 2.0 / 3) < 1e-15)
        // Positives 0.8, 0.7, 0.4 against negatives 0.6, 0.1, 0.2: 0.8 and 0.7 beat all three, 0.4 beats two: 8/9.
        #expect(abs(try #require(metrics.auc) - 8.0 / 9) < 1e-15)
    }

    @Test func aucCountsTiesAsHalf() throws {
        // Positive 0.5 ties both negatives (½ + ½), positive 0.9 beats both (1 + 1): 3 of 4 pairs.
        let metrics = try ClassificationMetrics(scores: [0.5, 0.5, 0.5, 0.9], outcomes: [false, true, false, true])
        #expect(metrics.auc == 0.75)
        #expect(try ClassificationMetrics(scores: [0.3, 0.3, 0.3], outcomes: [true, false, false]).auc == 0.5)
        #expect(try ClassificationMetrics(scores: [0.1, 0.4, 0.35, 0.8], outcomes: [false, false, true, true]).auc == 0.75)
        #expect(try ClassificationMetrics(scores: [0.9, 0.8, 0.1], outcomes: [false, false, true]).auc == 0)
    }

    @Test func undefinedRatesAreNil() throws {
        // No positives at all: recall, F1 and AUC are undefined; precision too when nothing is predicted positive.
        let none = try ClassificationMetrics(scores: [0.1, 0.2, 0.3], outcomes: [false, false, false])
        #expect(none.recall == nil && none.f1 == nil && none.auc == nil && none.precision == nil)
        #expect(none.accuracy == 1)
        // Positives exist but none is predicted: precision undefined, recall 0.
        let missed = try ClassificationMetrics(scores: [0.1, 0.2], outcomes: [true, false])
        #expect(missed.precision == nil && missed.recall == 0 && missed.f1 == nil)
        // Predictions all wrong: precision and recall 0, F1 0.
        let wrong = try ClassificationMetrics(scores: [0.9, 0.1], outcomes: [false, true])
        #expect(wrong.precision == 0 && wrong.recall == 0 && wrong.f1 == 0)
    }

    @Test func rejectsMismatchedInput() {
        #expect(throws: AnalyticsError.self) { try ClassificationMetrics(scores: [0.1], outcomes: [true, false]) }
        #expect(throws: AnalyticsError.self) { try ClassificationMetrics(scores: [], outcomes: []) }
        #expect(throws: AnalyticsError.self) { try ClassificationMetrics(scores: [.nan], outcomes: [true]) }
    }
}
