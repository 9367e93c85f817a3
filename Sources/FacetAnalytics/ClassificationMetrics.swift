import Foundation

/// How well scores predict a yes/no outcome (for example churn in a backtest): the confusion
/// counts at a threshold, the rates derived from them, and the threshold-free AUC.
///
/// A rate whose denominator is zero is undefined and reported as nil (precision when nothing was
/// predicted positive, recall when nothing was positive), never as a made-up 0 or 1.
///
/// ```swift
/// let metrics = try ClassificationMetrics(scores: [0.1, 0.4, 0.35, 0.8], outcomes: [false, false, true, true])
/// metrics.auc        // 0.75
/// metrics.precision  // 1.0 at the default threshold 0.5
/// ```
public struct ClassificationMetrics: Sendable, Hashable, Codable {
    /// Positives scored at or above the threshold.
    public var truePositives: Int
    /// Negatives scored at or above the threshold.
    public var falsePositives: Int
    /// Negatives scored below the threshold.
    public var trueNegatives: Int
    /// Positives scored below the threshold.
    public var falseNegatives: Int
    /// The score at or above which a case is predicted positive.
    public var threshold: Double
    /// Share of cases predicted correctly.
    public var accuracy: Double
    /// Share of predicted positives that were positive; nil when nothing was predicted positive.
    public var precision: Double?
    /// Share of positives that were predicted; nil when there were no positives.
    public var recall: Double?
    /// Harmonic mean of precision and recall; nil when either is undefined, 0 when both are 0.
    public var f1: Double?
    /// Area under the ROC curve: the probability that a random positive scores above a random
    /// negative, ties counting one half (the Mann–Whitney statistic with mid-ranks); nil unless
    /// both outcomes occur.
    public var auc: Double?

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` when the two arrays
    ///   differ in length, are empty, or a score is not finite.
    public init(scores: [Double], outcomes: [Bool], threshold: Double = 0.5) throws(AnalyticsError) {
        guard scores.count == outcomes.count, !scores.isEmpty else {
            throw .invalidArgument(name: "scores.count", value: Double(scores.count),
                                   requirement: "one score per outcome (\(outcomes.count) outcomes), at least one")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidArgument(name: "scores[\(bad)]", value: scores[bad], requirement: "scores are finite numbers")
        }
        var tp = 0, fp = 0, tn = 0, fn = 0
        for (score, outcome) in zip(scores, outcomes) {
            switch (score >= threshold, outcome) {
            case (true, true): tp += 1
            case (true, false): fp += 1
            case (false, false): tn += 1
            case (false, true): fn += 1
            }
        }
        truePositives = tp
        falsePositives = fp
        trueNegatives = tn
        falseNegatives = fn
        self.threshold = threshold
        accuracy = Double(tp + tn) / Double(scores.count)
        precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : nil
        recall = tp + fn > 0 ? Double(tp) / Double(tp + fn) : nil
        if let precision, let recall {
            f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        } else {
            f1 = nil
        }
        auc = Self.areaUnderCurve(scores: scores, outcomes: outcomes)
    }

    /// The standard error of ``auc`` by Hanley and McNeil (1982), from the AUC and the numbers of
    /// positives and negatives; nil when the AUC is undefined. A backtest AUC is "better than
    /// chance" when it clears 0.5 by a few of these.
    public var aucStandardError: Double? {
        guard let a = auc else { return nil }
        let positives = Double(truePositives + falseNegatives), negatives = Double(trueNegatives + falsePositives)
        let q1 = a / (2 - a), q2 = 2 * a * a / (1 + a)
        let variance = (a * (1 - a) + (positives - 1) * (q1 - a * a) + (negatives - 1) * (q2 - a * a)) / (positives * negatives)
        return sqrt(max(0, variance))
    }

    static func areaUnderCurve(scores: [Double], outcomes: [Bool]) -> Double? {
        let positives = outcomes.filter { $0 }.count, negatives = outcomes.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            // Tied scores share the mean of the ranks they span (ranks are 1-based).
            let midRank = Double(start + end) / 2 + 1
            for index in order[start...end] where outcomes[index] { rankSum += midRank }
            start = end + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (rankSum - p * (p + 1) / 2) / (p * n)
    }
}
