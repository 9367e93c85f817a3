import Foundation

/// How a calibrator maps a score to a probability.
public enum CalibrationMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// Platt scaling: a logistic curve on the score's log-odds, σ(a · logit(s) + b). Two
    /// parameters: steady on little data, but only bends the score one way.
    case platt
    /// Isotonic regression (pool-adjacent-violators): the best non-decreasing step function,
    /// interpolated between its steps. Follows any monotone distortion, needs more data.
    case isotonic
}

/// Turns a model's scores into probabilities that mean what they say: of the clients given 30%,
/// about 30% lapse. Fitted on a backtest's scores and outcomes.
///
/// ```swift
/// let choice = try ProbabilityCalibrator.choose(scores: scores, outcomes: lapsed)
/// choice.calibrator.method              // .platt or .isotonic, whichever the data prefer
/// choice.calibrator.probability(0.72)   // 0.61
/// choice.report.brierScore              // from out-of-fold predictions
/// ```
public struct ProbabilityCalibrator: Sendable, Hashable, Codable {
    /// A point of the isotonic curve: the mean score of a block and its observed rate.
    public struct Knot: Sendable, Hashable, Codable {
        public var score: Double
        public var probability: Double
    }

    public var method: CalibrationMethod
    /// Platt's a and b (1 and 0 for isotonic).
    public var slope: Double
    public var intercept: Double
    /// The isotonic curve, by increasing score (empty for Platt).
    public var knots: [Knot]

    /// The calibrated probability of `score`.
    public func probability(_ score: Double) -> Double {
        switch method {
        case .platt:
            return Self.sigmoid(slope * Self.logit(score) + intercept)
        case .isotonic:
            guard let first = knots.first, let last = knots.last else { return score }
            if score <= first.score { return first.probability }
            if score >= last.score { return last.probability }
            // The first knot at or above the score; linear between it and the one before.
            var low = 0, high = knots.count - 1
            while low < high {
                let middle = (low + high) / 2
                if knots[middle].score < score { low = middle + 1 } else { high = middle }
            }
            let upper = knots[low], lower = knots[low - 1]
            let span = upper.score - lower.score
            guard span > 0 else { return upper.probability }
            return lower.probability + (upper.probability - lower.probability) * (score - lower.score) / span
        }
    }

    // MARK: Fitting

    /// Platt scaling by maximum likelihood (Newton's method, with a little ridge so that perfectly
    /// separated data still give finite parameters).
    /// - Throws: ``AnalyticsError`` when the inputs are unusable (see ``check(scores:outcomes:)``).
    public static func platt(scores: [Double], outcomes: [Bool]) throws(AnalyticsError) -> ProbabilityCalibrator {
        try check(scores: scores, outcomes: outcomes)
        let features = scores.map(logit)
        var a = 1.0, b = 0.0
        let ridge = 1e-6
        for _ in 0..<100 {
            var gradientA = ridge * a, gradientB = 0.0, hAA = ridge, hAB = 0.0, hBB = 0.0
            for (feature, outcome) in zip(features, outcomes) {
                let p = sigmoid(a * feature + b), residual = p - (outcome ? 1 : 0), weight = max(p * (1 - p), 1e-12)
                gradientA += residual * feature
                gradientB += residual
                hAA += weight * feature * feature
                hAB += weight * feature
                hBB += weight
            }
            let determinant = hAA * hBB - hAB * hAB
            guard determinant > 1e-18 else { break }
            let stepA = (hBB * gradientA - hAB * gradientB) / determinant
            let stepB = (hAA * gradientB - hAB * gradientA) / determinant
            a -= stepA
            b -= stepB
            if abs(stepA) + abs(stepB) < 1e-10 { break }
        }
        guard a.isFinite, b.isFinite else {
            throw .notConverged(routine: "Platt scaling", detail: "the logistic fit diverged (a = \(a), b = \(b))",
                                advice: "Use isotonic calibration, or more backtest clients")
        }
        return ProbabilityCalibrator(method: .platt, slope: a, intercept: b, knots: [])
    }

    /// Isotonic regression by pool-adjacent-violators: scores are sorted, and neighbouring blocks
    /// whose rates fall are merged until the rates never fall.
    /// - Throws: ``AnalyticsError`` when the inputs are unusable (see ``check(scores:outcomes:)``).
    public static func isotonic(scores: [Double], outcomes: [Bool]) throws(AnalyticsError) -> ProbabilityCalibrator {
        try check(scores: scores, outcomes: outcomes)
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        return ProbabilityCalibrator(method: .isotonic, slope: 1, intercept: 0, knots: pooledIncreasing(order.map { (scores[$0], outcomes[$0]) }))
    }

    /// The non-decreasing pool-adjacent-violators fit of `points` (sorted by score).
    static func pooledIncreasing(_ points: [(score: Double, outcome: Bool)]) -> [Knot] {
        var blocks: [(scoreSum: Double, positives: Double, count: Double)] = []
        var index = 0
        while index < points.count {
            var end = index, sum = 0.0, positives = 0.0
            while end < points.count, points[end].score == points[index].score {
                sum += points[end].score
                positives += points[end].outcome ? 1 : 0
                end += 1
            }
            blocks.append((sum, positives, Double(end - index)))
            // A block whose rate is below the one before it violates the order: pool the two.
            while blocks.count > 1 {
                let last = blocks[blocks.count - 1], previous = blocks[blocks.count - 2]
                guard previous.positives / previous.count > last.positives / last.count else { break }
                blocks.removeLast(2)
                blocks.append((previous.scoreSum + last.scoreSum, previous.positives + last.positives, previous.count + last.count))
            }
            index = end
        }
        return blocks.map { Knot(score: $0.scoreSum / $0.count, probability: $0.positives / $0.count) }
    }

    /// What ``choose(scores:outcomes:folds:)`` found.
    public struct Choice: Sendable, Hashable, Codable {
        /// The chosen method, fitted on every score.
        public var calibrator: ProbabilityCalibrator
        /// Each method's Brier score on out-of-fold predictions.
        public var crossValidatedBrier: [CalibrationMethod: Double]
        /// The chosen method's out-of-fold predictions, in the order of the scores.
        public var outOfFold: [Double]
        /// Calibration measured on ``outOfFold``: what a client's probability will be worth.
        public var report: CalibrationReport
        /// The same measures for the raw scores taken as probabilities.
        public var uncalibrated: CalibrationReport
    }

    /// Fits both methods with `folds`-fold cross-validation and keeps the one whose out-of-fold
    /// predictions have the lower Brier score; ties go to Platt, the simpler.
    /// - Throws: ``AnalyticsError`` when the inputs are unusable or there are fewer scores than
    ///   folds (or either outcome is missing from a training fold).
    public static func choose(scores: [Double], outcomes: [Bool], folds: Int = 5) throws(AnalyticsError) -> Choice {
        try check(scores: scores, outcomes: outcomes)
        guard folds >= 2, scores.count >= folds * 2 else {
            throw .unusableInput(problem: "\(scores.count) scores are too few for \(folds)-fold calibration",
                                 advice: "Calibrate on a backtest of at least \(max(2, folds) * 2) clients")
        }
        var predictions: [CalibrationMethod: [Double]] = [:]
        for method in CalibrationMethod.allCases {
            var outOfFold = [Double](repeating: 0, count: scores.count)
            for fold in 0..<folds {
                var trainScores: [Double] = [], trainOutcomes: [Bool] = []
                for index in scores.indices where index % folds != fold {
                    trainScores.append(scores[index])
                    trainOutcomes.append(outcomes[index])
                }
                let fitted = method == .platt ? try platt(scores: trainScores, outcomes: trainOutcomes)
                    : try isotonic(scores: trainScores, outcomes: trainOutcomes)
                for index in stride(from: fold, to: scores.count, by: folds) { outOfFold[index] = fitted.probability(scores[index]) }
            }
            predictions[method] = outOfFold
        }
        var brier: [CalibrationMethod: Double] = [:]
        for (method, values) in predictions { brier[method] = CalibrationReport.brier(values, outcomes) }
        let chosen: CalibrationMethod = (brier[.isotonic] ?? .infinity) < (brier[.platt] ?? .infinity) ? .isotonic : .platt
        let calibrator = chosen == .platt ? try platt(scores: scores, outcomes: outcomes) : try isotonic(scores: scores, outcomes: outcomes)
        let outOfFold = predictions[chosen] ?? []
        return Choice(calibrator: calibrator, crossValidatedBrier: brier, outOfFold: outOfFold,
                      report: try CalibrationReport(predictions: outOfFold, outcomes: outcomes),
                      uncalibrated: try CalibrationReport(predictions: scores.map { min(1, max(0, $0)) }, outcomes: outcomes))
    }

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` when the arrays differ
    ///   in length, are empty, a score is not finite, or only one outcome occurs.
    static func check(scores: [Double], outcomes: [Bool]) throws(AnalyticsError) {
        guard scores.count == outcomes.count, !scores.isEmpty else {
            throw .invalidArgument(name: "scores.count", value: Double(scores.count),
                                   requirement: "one score per outcome (\(outcomes.count) outcomes), at least one")
        }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw .invalidArgument(name: "scores[\(bad)]", value: scores[bad], requirement: "scores are finite numbers")
        }
        let positives = outcomes.filter { $0 }.count
        guard positives > 0, positives < outcomes.count else {
            throw .unusableInput(problem: "All \(outcomes.count) outcomes are \(positives > 0 ? "yes" : "no"), so there is nothing to calibrate against",
                                 advice: "Calibrate on a backtest where some clients lapsed and some did not")
        }
    }

    static func logit(_ p: Double) -> Double {
        let clamped = min(1 - 1e-6, max(1e-6, p))
        return log(clamped / (1 - clamped))
    }

    static func sigmoid(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }
}

/// How well probabilities match what happened: the Brier score beside that of always saying the
/// base rate, the expected calibration error, and a reliability table.
public struct CalibrationReport: Sendable, Hashable, Codable {
    /// One bin of the reliability table: predictions in `lower ..< upper` (the last bin includes 1).
    public struct Bin: Sendable, Hashable, Codable {
        public var lower: Double
        public var upper: Double
        public var count: Int
        /// The mean prediction in the bin (nil when empty).
        public var meanPredicted: Double?
        /// The share of yes outcomes in the bin (nil when empty).
        public var observedRate: Double?
    }

    public var count: Int
    /// The share of yes outcomes.
    public var baseRate: Double
    /// Mean squared difference between prediction and outcome (0 is perfect).
    public var brierScore: Double
    /// The Brier score of predicting the base rate for everyone: p(1 − p). A model worth having beats it.
    public var baseRateBrierScore: Double
    /// Σ over bins of (bin share) × |mean prediction − observed rate|.
    public var expectedCalibrationError: Double
    public var reliability: [Bin]

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` when the arrays differ
    ///   in length, are empty, or a prediction is not a probability.
    public init(predictions: [Double], outcomes: [Bool], bins: Int = 10) throws(AnalyticsError) {
        guard predictions.count == outcomes.count, !predictions.isEmpty else {
            throw .invalidArgument(name: "predictions.count", value: Double(predictions.count),
                                   requirement: "one prediction per outcome (\(outcomes.count) outcomes), at least one")
        }
        if let bad = predictions.firstIndex(where: { !(0...1).contains($0) }) {
            throw .invalidArgument(name: "predictions[\(bad)]", value: predictions[bad], requirement: "probabilities lie in 0…1")
        }
        let binCount = max(1, bins)
        count = predictions.count
        baseRate = Double(outcomes.filter { $0 }.count) / Double(count)
        brierScore = Self.brier(predictions, outcomes)
        baseRateBrierScore = baseRate * (1 - baseRate)
        var sums = [Double](repeating: 0, count: binCount), hits = [Double](repeating: 0, count: binCount)
        var counts = [Int](repeating: 0, count: binCount)
        for (prediction, outcome) in zip(predictions, outcomes) {
            let bin = min(binCount - 1, Int(prediction * Double(binCount)))
            sums[bin] += prediction
            hits[bin] += outcome ? 1 : 0
            counts[bin] += 1
        }
        var error = 0.0
        reliability = (0..<binCount).map { bin in
            let n = counts[bin]
            let mean = n > 0 ? sums[bin] / Double(n) : nil, rate = n > 0 ? hits[bin] / Double(n) : nil
            if let mean, let rate { error += Double(n) / Double(predictions.count) * abs(mean - rate) }
            return Bin(lower: Double(bin) / Double(binCount), upper: Double(bin + 1) / Double(binCount), count: n,
                       meanPredicted: mean, observedRate: rate)
        }
        expectedCalibrationError = error
    }

    static func brier(_ predictions: [Double], _ outcomes: [Bool]) -> Double {
        zip(predictions, outcomes).reduce(0) { total, pair in
            let difference = pair.0 - (pair.1 ? 1 : 0)
            return total + difference * difference
        } / Double(max(1, predictions.count))
    }
}

extension CalibrationMethod: CodingKeyRepresentable {}
