import Foundation

/// Churn from a fitted BG/NBD model, with histories in days (as ``CustomerHistory/rfmSummary(at:)``
/// gives them).
///
/// ```swift
/// let fit = try BGNBDModel.fit(histories.compactMap { try $0.rfmSummary(at: today) })
/// let churn = ProbabilisticChurn(model: fit.model)
/// let p = try churn.probabilityChurned(history, at: today)   // 1 − P(alive)
/// ```
public struct ProbabilisticChurn: Sendable, Hashable, Codable {
    /// A model fitted on histories measured in days.
    public var model: BGNBDModel

    public init(model: BGNBDModel) { self.model = model }

    /// 1 − P(alive): the probability that the client has already dropped out. A client without a
    /// repeat purchase has P(alive) = 1 in BG/NBD (dropout happens only after a purchase), so 0;
    /// nil for a client who never bought before `date`.
    public func probabilityChurned(_ history: CustomerHistory, at date: Date) throws(AnalyticsError) -> Double? {
        guard let summary = try history.rfmSummary(at: date) else { return nil }
        return model.probabilityChurned(frequency: summary.frequency, recency: summary.recency, age: summary.age)
    }

    /// The probability of no purchase in the next `days` (exact under BG/NBD, see
    /// ``PurchaseRhythm/probabilityOfNoPurchase(_:within:)``): unlike 1 − P(alive) it also ranks
    /// clients who are alive but buy rarely, which is what "no purchase within the horizon" asks.
    public func probabilityOfNoPurchase(_ history: CustomerHistory, at date: Date, days: Double) throws(AnalyticsError) -> Double? {
        guard let summary = try history.rfmSummary(at: date) else { return nil }
        return try PurchaseRhythm(model: model).probabilityOfNoPurchase(summary, within: days)
    }
}

/// The churn scorers a backtest compares.
public enum ChurnScorer: String, Sendable, Hashable, Codable, CaseIterable {
    /// The brief's weighted heuristic (``ChurnModel``).
    case briefHeuristic = "brief-heuristic"
    /// 1 − P(alive) from BG/NBD. It says whether a client has left, not whether they will buy
    /// soon: a one-time buyer is "alive" by construction yet unlikely to buy within a short
    /// horizon, so on a horizon label it ranks worse than ``bgnbdNoPurchase``.
    case bgnbdDropout = "bg-nbd"
    /// BG/NBD's exact probability of no purchase in the client's window
    /// (``PurchaseRhythm/probabilityOfNoPurchase(_:within:)``).
    case bgnbdNoPurchase = "bg-nbd-no-purchase"
}

/// What "lapsed" means in a backtest: no purchase within a fixed number of days, or within the
/// client's own lapse window (``PurchaseRhythm``, with the model fitted before the cut-off).
public enum LapseWindow: Sendable, Hashable, Codable {
    case fixed(days: Double)
    case rhythm(multiple: Double, shortest: Double, longest: Double)

    /// The default rhythm: 1.5 usual intervals, kept between 60 days and two years.
    public static let ownRhythm = LapseWindow.rhythm(multiple: 1.5, shortest: 60, longest: 730)

    /// The longest window any client can get: how far the data must run past the cut-off.
    public var longest: Double {
        switch self {
        case .fixed(let days): days
        case .rhythm(_, _, let longest): longest
        }
    }

    /// The rhythm under `model`, for a window of this kind (a fixed one is a rhythm whose bounds meet).
    public func rhythm(_ model: BGNBDModel) -> PurchaseRhythm {
        switch self {
        case .fixed(let days): PurchaseRhythm(model: model, windowMultiple: 1, shortestWindow: days, longestWindow: days)
        case let .rhythm(multiple, shortest, longest): PurchaseRhythm(model: model, windowMultiple: multiple, shortestWindow: shortest, longestWindow: longest)
        }
    }

    /// In words, for model documents: "no purchase in 180 days", "no purchase within 1.5 times their usual interval".
    public var description: String {
        switch self {
        case .fixed(let days): "no purchase in the following \(Int(days.rounded())) days"
        case let .rhythm(multiple, shortest, longest):
            "no purchase within \(multiple == multiple.rounded() ? String(Int(multiple)) : String(format: "%.1f", multiple)) times the client's usual interval "
                + "(between \(Int(shortest)) and \(Int(longest)) days)"
        }
    }
}

/// An honest evaluation of churn scores: features from before a cut-off date, the label "no
/// purchase in the client's window after it", and classification metrics for each scorer. The
/// BG/NBD model (and so each client's rhythm) is fitted on the data before the cut-off only, so
/// nothing from the label window leaks into a score. The best scorer by AUC is then calibrated
/// (``ProbabilityCalibrator/choose(scores:outcomes:folds:)``), so that its probabilities can be
/// read as such.
///
/// A window must end before the data does (otherwise late clients look lapsed): clients whose
/// window runs past `dataEnd` are left out and counted as excluded.
///
/// ```swift
/// let report = try ChurnBacktest(cutoff: twoYearsAgo, window: .ownRhythm, dataEnd: today).run(histories)
/// report.evaluation(of: .bgnbdNoPurchase)?.metrics.auc
/// report.calibration?.report.expectedCalibrationError
/// ```
public struct ChurnBacktest: Sendable, Hashable, Codable {
    public var cutoff: Date
    public var window: LapseWindow
    /// The end of the data; nil when the caller vouches that every window fits.
    public var dataEnd: Date?
    /// The heuristic under test.
    public var heuristic: ChurnModel
    /// The score at or above which a client is predicted to churn.
    public var threshold: Double

    /// The longest label window in days.
    public var horizonDays: Double { window.longest }

    /// A backtest with one fixed horizon for every client.
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` for a horizon that is not positive.
    public init(cutoff: Date, horizonDays: Double, heuristic: ChurnModel = ChurnModel(), threshold: Double = 0.5) throws(AnalyticsError) {
        try self.init(cutoff: cutoff, window: .fixed(days: horizonDays), dataEnd: nil, heuristic: heuristic, threshold: threshold)
    }

    /// A backtest whose label window is `window`.
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` for a window that is
    ///   not positive, or whose bounds or multiple are not.
    public init(cutoff: Date, window: LapseWindow, dataEnd: Date?, heuristic: ChurnModel = ChurnModel(), threshold: Double = 0.5) throws(AnalyticsError) {
        switch window {
        case .fixed(let days):
            guard days > 0, days.isFinite else {
                throw .invalidArgument(name: "horizonDays", value: days, requirement: "a positive number of days, e.g. 90")
            }
        case let .rhythm(multiple, shortest, longest):
            guard multiple > 0, multiple.isFinite else {
                throw .invalidArgument(name: "window multiple", value: multiple, requirement: "a positive number of usual intervals, e.g. 1.5")
            }
            guard shortest > 0, longest >= shortest, longest.isFinite else {
                throw .invalidArgument(name: "longest window", value: longest,
                                       requirement: "positive bounds with the longest at least the shortest (\(shortest) days)")
            }
        }
        self.cutoff = cutoff
        self.window = window
        self.dataEnd = dataEnd
        self.heuristic = heuristic
        self.threshold = threshold
    }

    /// The features the scorers read, as recorded in the report's training-data description.
    public static let features = ["frequency", "recency", "T", "usual-interval", "days-since-contact", "frequency-trend", "energy-alignment",
                                  "ltv-trend", "engagement-spacing"]

    /// Scores every client who bought before the cut-off, labels them from their window, and
    /// evaluates each scorer; the best is calibrated when the data allow.
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` when no client bought before the
    ///   cut-off or none made a repeat purchase (the model cannot be fitted), and what the BG/NBD fit throws.
    public func run(_ histories: [CustomerHistory]) throws(AnalyticsError) -> ChurnBacktestReport {
        var summaries: [RFMSummary] = [], included: [CustomerHistory] = []
        for history in histories {
            guard let summary = try history.rfmSummary(at: cutoff) else { continue }
            summaries.append(summary)
            included.append(history)
        }
        guard !included.isEmpty else {
            throw .unusableInput(problem: "None of the \(histories.count) clients ordered before the cut-off \(cutoff)",
                                 advice: "Move the cut-off later, so that there is history to learn from")
        }
        let fit = try BGNBDModel.fit(summaries)
        let rhythm = window.rhythm(fit.model)
        var rows: [ChurnBacktestReport.Row] = []
        rows.reserveCapacity(included.count)
        var beyondData = 0
        for (history, summary) in zip(included, summaries) {
            let days = rhythm.lapseWindow(summary)
            let windowEnd = AnalyticsCalendar.adding(days: days, to: cutoff)
            if let dataEnd, windowEnd > dataEnd.addingTimeInterval(1) {
                beyondData += 1
                continue
            }
            let churned = history.orders(from: cutoff, to: windowEnd).isEmpty
            let heuristicScore = heuristic.assess(history, at: cutoff).score
            let dropout = fit.model.probabilityChurned(frequency: summary.frequency, recency: summary.recency, age: summary.age)
            let noPurchase = try rhythm.probabilityOfNoPurchase(summary, within: days)
            rows.append(.init(customerID: history.id, churned: churned, windowDays: days,
                              scores: [.briefHeuristic: heuristicScore, .bgnbdDropout: dropout, .bgnbdNoPurchase: noPurchase]))
        }
        guard !rows.isEmpty else {
            throw .unusableInput(problem: "Every client's window after the cut-off \(cutoff) runs past the end of the data",
                                 advice: "Move the cut-off earlier by at least the longest window (\(Int(window.longest)) days)")
        }
        var evaluations: [ChurnBacktestReport.Evaluation] = []
        let outcomes = rows.map(\.churned)
        for scorer in ChurnScorer.allCases {
            let metrics = try ClassificationMetrics(scores: rows.map { $0.scores[scorer] ?? 0 }, outcomes: outcomes, threshold: threshold)
            evaluations.append(.init(scorer: scorer, metrics: metrics))
        }
        let ranked = evaluations.compactMap { evaluation in evaluation.metrics.auc.map { (evaluation.scorer, $0) } }
        let best = ranked.max { $0.1 < $1.1 }?.0 ?? .bgnbdNoPurchase
        let calibration = try? ProbabilityCalibrator.choose(scores: rows.map { $0.scores[best] ?? 0 }, outcomes: outcomes)
        let training = ChurnBacktestReport.TrainingData(
            datasetSize: rows.count, excluded: histories.count - included.count, beyondData: beyondData, features: Self.features,
            cutoff: cutoff, horizonDays: window.longest, medianWindowDays: median(rows.map(\.windowDays)),
            churned: outcomes.filter { $0 }.count)
        return ChurnBacktestReport(trainingData: training, window: window, model: fit, evaluations: evaluations, best: best,
                                   calibration: calibration, rows: rows)
    }
}

/// What a churn backtest found.
public struct ChurnBacktestReport: Sendable, Hashable, Codable {
    /// The training-data description an `analyticsModel` document records.
    public struct TrainingData: Sendable, Hashable, Codable {
        /// Clients scored (those with an order before the cut-off whose window fits in the data).
        public var datasetSize: Int
        /// Clients left out because they had not ordered before the cut-off.
        public var excluded: Int
        /// Clients left out because their window runs past the data.
        public var beyondData: Int
        public var features: [String]
        /// Features come from before this date; it is also the model's training date.
        public var cutoff: Date
        /// The longest window.
        public var horizonDays: Double
        /// The median of the clients' windows.
        public var medianWindowDays: Double
        /// Clients with no order in their window (the positives).
        public var churned: Int
    }

    /// One scorer's metrics.
    public struct Evaluation: Sendable, Hashable, Codable {
        public var scorer: ChurnScorer
        public var metrics: ClassificationMetrics
    }

    /// One client's label and scores, so that every metric can be recomputed by hand.
    public struct Row: Sendable, Hashable, Codable {
        public var customerID: String
        /// True when the client made no purchase in their window.
        public var churned: Bool
        /// The client's window after the cut-off, in days.
        public var windowDays: Double
        public var scores: [ChurnScorer: Double]
    }

    public var trainingData: TrainingData
    public var window: LapseWindow
    /// The BG/NBD fit on the data before the cut-off.
    public var model: BGNBDFit
    public var evaluations: [Evaluation]
    /// The scorer with the highest AUC.
    public var best: ChurnScorer
    /// The best scorer's calibration; nil when the backtest is too small or one-sided to calibrate.
    public var calibration: ProbabilityCalibrator.Choice?
    public var rows: [Row]

    /// The evaluation of `scorer`.
    public func evaluation(of scorer: ChurnScorer) -> Evaluation? { evaluations.first { $0.scorer == scorer } }
}

extension ChurnScorer: CodingKeyRepresentable {}
