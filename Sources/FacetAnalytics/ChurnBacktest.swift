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

    /// The probability of no purchase in the next `days`, approximated as e^−E[Y(days)] (the
    /// Poisson zero term at the model's expected count): unlike 1 − P(alive) it also ranks clients
    /// who are alive but buy rarely, which is what "no purchase within the horizon" asks.
    public func probabilityOfNoPurchase(_ history: CustomerHistory, at date: Date, days: Double) throws(AnalyticsError) -> Double? {
        guard let summary = try history.rfmSummary(at: date) else { return nil }
        return exp(-(try model.expectedPurchases(in: days, for: summary)))
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
    /// e^−E[purchases in the horizon] from BG/NBD.
    case bgnbdNoPurchase = "bg-nbd-no-purchase"
}

/// An honest evaluation of churn scores: features from before a cut-off date, the label "no
/// purchase in the following `horizonDays`", and classification metrics for each scorer. The
/// BG/NBD model is fitted on the data before the cut-off only, so nothing from the label window
/// leaks into a score.
///
/// The horizon must end before the data does (otherwise late clients look churned); the caller
/// picks the cut-off accordingly, e.g. the last order date minus the horizon.
///
/// ```swift
/// let report = try ChurnBacktest(cutoff: julyFirst, horizonDays: 90).run(histories)
/// report.evaluation(of: .bgnbdDropout)?.metrics.auc
/// ```
public struct ChurnBacktest: Sendable, Hashable, Codable {
    public var cutoff: Date
    public var horizonDays: Double
    /// The heuristic under test.
    public var heuristic: ChurnModel
    /// The score at or above which a client is predicted to churn.
    public var threshold: Double

    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` for a horizon that is not positive.
    public init(cutoff: Date, horizonDays: Double, heuristic: ChurnModel = ChurnModel(), threshold: Double = 0.5) throws(AnalyticsError) {
        guard horizonDays > 0, horizonDays.isFinite else {
            throw .invalidArgument(name: "horizonDays", value: horizonDays, requirement: "a positive number of days, e.g. 90")
        }
        self.cutoff = cutoff
        self.horizonDays = horizonDays
        self.heuristic = heuristic
        self.threshold = threshold
    }

    /// The features the scorers read, as recorded in the report's training-data description.
    public static let features = ["frequency", "recency", "T", "days-since-contact", "frequency-trend", "energy-alignment",
                                  "ltv-trend", "engagement-spacing"]

    /// Scores every client who bought before the cut-off, labels them from the horizon, and
    /// evaluates each scorer.
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
        let horizonEnd = AnalyticsCalendar.adding(days: horizonDays, to: cutoff)
        var rows: [ChurnBacktestReport.Row] = []
        rows.reserveCapacity(included.count)
        for (history, summary) in zip(included, summaries) {
            let churned = history.orders(from: cutoff, to: horizonEnd).isEmpty
            let heuristicScore = heuristic.assess(history, at: cutoff).score
            let dropout = fit.model.probabilityChurned(frequency: summary.frequency, recency: summary.recency, age: summary.age)
            let noPurchase = exp(-(try fit.model.expectedPurchases(in: horizonDays, for: summary)))
            rows.append(.init(customerID: history.id, churned: churned,
                              scores: [.briefHeuristic: heuristicScore, .bgnbdDropout: dropout, .bgnbdNoPurchase: noPurchase]))
        }
        var evaluations: [ChurnBacktestReport.Evaluation] = []
        let outcomes = rows.map(\.churned)
        for scorer in ChurnScorer.allCases {
            let metrics = try ClassificationMetrics(scores: rows.map { $0.scores[scorer] ?? 0 }, outcomes: outcomes, threshold: threshold)
            evaluations.append(.init(scorer: scorer, metrics: metrics))
        }
        let training = ChurnBacktestReport.TrainingData(
            datasetSize: included.count, excluded: histories.count - included.count, features: Self.features,
            cutoff: cutoff, horizonDays: horizonDays, churned: outcomes.filter { $0 }.count)
        return ChurnBacktestReport(trainingData: training, model: fit, evaluations: evaluations, rows: rows)
    }
}

/// What a churn backtest found.
public struct ChurnBacktestReport: Sendable, Hashable, Codable {
    /// The training-data description an `analyticsModel` document records.
    public struct TrainingData: Sendable, Hashable, Codable {
        /// Clients scored (those with an order before the cut-off).
        public var datasetSize: Int
        /// Clients left out because they had not ordered before the cut-off.
        public var excluded: Int
        public var features: [String]
        /// Features come from before this date; it is also the model's training date.
        public var cutoff: Date
        public var horizonDays: Double
        /// Clients with no order in the horizon (the positives).
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
        /// True when the client made no purchase in the horizon.
        public var churned: Bool
        public var scores: [ChurnScorer: Double]
    }

    public var trainingData: TrainingData
    /// The BG/NBD fit on the data before the cut-off.
    public var model: BGNBDFit
    public var evaluations: [Evaluation]
    public var rows: [Row]

    /// The evaluation of `scorer`.
    public func evaluation(of scorer: ChurnScorer) -> Evaluation? { evaluations.first { $0.scorer == scorer } }
}

extension ChurnScorer: CodingKeyRepresentable {}
