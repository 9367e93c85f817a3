import FacetAnalytics
import FacetSchema
import FacetStore
import Foundation
import GROQ

extension CRMActions {
    /// Refits every model and rewrites every client's five prediction documents and the cohort
    /// documents (parameters, backtest metrics, training data). Documents that did not change are
    /// left alone; those of clients who no longer have orders are deleted. Reports its stages to
    /// the context's progress.
    ///
    /// Result: `clients`, `asOf`, `cutoff`, `churnScorer`, `churn` (risk distribution and each
    /// scorer's metrics), `lifetimeValue`, `nextPurchase`, `affinity`, `upsell`, `documents`.
    public static let refreshPredictions = DocumentAction(
        "refresh-predictions", title: "Refresh all predictions",
        description: "Refits the five predictive models on every client's history and rewrites their predictions.",
        types: ["analyticsDashboard", "analyticsModel"]
    ) { context in
        try await PredictionRefresh.run(context).result
    }

    /// Recomputes the seven trend dimensions into one `trendAnalysis` document each, reporting its
    /// stages to the context's progress.
    ///
    /// Result: one entry per dimension under `dimensions` (percentage change, top category,
    /// priority), the seasonal index under `seasonalIndex`, `skipped` dimensions with the
    /// reason, and `documents`.
    public static let refreshTrends = DocumentAction(
        "refresh-trends", title: "Refresh trends",
        description: "Recomputes the seven trend analyses (seasonal, cultural, musical, engagement, collections, experiences, energy) from the data.",
        types: ["analyticsDashboard", "trendAnalysis"]
    ) { context in
        try await TrendRefresh.run(context).result
    }

    /// Refreshes predictions and trends, then points the dashboard at them: its `models` and
    /// `trends`, and the widgets the studio draws (churn-risk distribution, lifetime-value
    /// forecast, seasonal revenue, trend dimensions, model performance, upsell candidates) —
    /// editors' own widgets are kept. `lastRefreshed` moves only when something changed. The
    /// context's progress hears one rising share across the three parts.
    ///
    /// Result: `predictions` and `trends` (as the two refresh actions report them) and `documents`.
    public static let refreshDashboard = DocumentAction(
        "refresh-dashboard", title: "Refresh dashboard",
        description: "Refreshes every prediction and trend analysis and the dashboard's charts.",
        types: ["analyticsDashboard"]
    ) { context in
        context.progress("reading the clientele", 0)
        let readAt = Date()
        let clientele = try await ClienteleHistories.read(context)
        // Each part reports 0…1 of its own; the slices turn that into one rising figure, sized
        // roughly as the parts take time (forecasting and writing the predictions dominate).
        var part = context
        part.progress = context.progress.slice(0.1...0.85)
        let predictions = try await PredictionRefresh.run(part, clientele: clientele, readAt: readAt)
        part.progress = context.progress.slice(0.85...0.95)
        let trends = try await TrendRefresh.run(part, clientele: clientele)
        context.progress("updating the dashboard", 0.95)
        var outcome = predictions.outcome
        outcome.add(trends.outcome)
        let dashboard = try await DashboardWidgets.update(context, models: predictions.cohortIDs, trends: trends.documentIDs,
                                                          changed: !(outcome.written.isEmpty && outcome.deleted.isEmpty))
        outcome.add(dashboard)
        var data: JSONObject = ["predictions": .object(predictions.data), "trends": .object(trends.data)]
        data["documents"] = ["written": .number(Double(outcome.written.count)), "deleted": .number(Double(outcome.deleted.count)),
                             "unchanged": .number(Double(outcome.unchanged))]
        let changed = outcome.written.count + outcome.deleted.count
        let message = changed == 0
            ? "Dashboard up to date: no prediction or trend changed"
            : "Dashboard refreshed: \(predictions.summary); \(trends.summary); \(changed) document\(changed == 1 ? "" : "s") updated"
        return ActionResult(message: message, tone: changed == 0 ? .info : .success, transactionId: outcome.transactionIDs.last,
                            writtenIDs: outcome.written + outcome.deleted, data: data)
    }
}

/// Hears how far a long analytics run has got: the stage, and the share of the run done (0…1).
public typealias AnalyticsProgress = @Sendable (_ stage: String, _ done: Double) -> Void

/// One refresh of the predictions, shared by the prediction and dashboard actions and by
/// `facet analytics run`.
///
/// ```swift
/// let run = try await PredictionRefresh.run(context, types: [.churn])
/// print(run.message)
/// ```
public struct PredictionRefresh: Sendable {
    public var outcome: GeneratedDocuments.Outcome
    public var data: JSONObject
    public var cohortIDs: [String]
    /// A clause for a combined message: "612 of 4,950 clients at high or critical churn risk".
    public var summary: String
    public var message: String

    /// The result an action answers with.
    public var result: ActionResult {
        ActionResult(message: message, tone: outcome.written.isEmpty && outcome.deleted.isEmpty ? .info : .success,
                     transactionId: outcome.transactionIDs.last, writtenIDs: outcome.written + outcome.deleted, data: data)
    }

    /// Refits the models and rewrites the documents of `types` (all five by default), reading
    /// the clientele unless it is given; each stage is reported with the share done to
    /// `progress`, or to the context's progress when none is given.
    public static func run(_ context: ActionContext, types: [ModelDocuments.ModelType] = ModelDocuments.ModelType.allCases,
                    clientele given: ClienteleHistories? = nil, readAt: Date? = nil,
                    progress reporter: AnalyticsProgress? = nil) async throws -> PredictionRefresh {
        let settings = try PredictionSettings(params: context.params)
        if settings.incremental, let entry = await PredictionMemory.shared.entry(for: context.dataset, settings: settings.model, types: types) {
            let contextProgress = context.progress
            if let refresh = try await IncrementalRefresh.run(context, entry: entry, settings: settings, types: types,
                                                              progress: reporter ?? { stage, done in contextProgress(stage, done) }) {
                return refresh
            }
        }
        let started = Date()
        let (progress, clientele) = try await RefreshStart.begin(context, clientele: given, progress: reporter)
        progress("fitting the models", 0.1)
        let (predictions, forecasts, documents, worklist) = try await context.blocking {
            () throws -> (ClientelePredictions, [ClientelePredictions.ClientForecast], [JSONObject], Result<ContactListBacktest.Report, any Error>?) in
            let predictions = try ClientelePredictions(clientele, settings: settings)
            let histories = clientele.histories
            let stage = "forecasting \(CRMActions.grouped(histories.count)) clients"
            progress(stage, 0.15)
            let forecasts = try predictions.forecasts(for: histories) { done in progress(stage, 0.15 + 0.25 * done) }
            // The worklist's backtest refits every model at its own cut-off.
            if types.contains(.worklist) { progress("backtesting the worklist", 0.41) }
            let worklist = types.contains(.worklist) ? Result { try ClientWorklist.backtest(clientele) } : nil
            progress("building the documents", 0.43)
            var documents = ModelDocuments.cohortDocuments(predictions, clients: forecasts, types: types, worklist: try? worklist?.get())
            if types.contains(.worklist) {
                documents += ClientWorklist.documents(ClientWorklist.lists(predictions, forecasts: forecasts, clientele: clientele),
                                                      predictions: predictions)
            }
            // Building a document per client and model is a quarter of a large run: on every core.
            let perClient = EveryCore.chunks(of: forecasts.count) { range in
                range.flatMap { ModelDocuments.clientDocuments(forecasts[$0], predictions: predictions, types: types) }
            }
            for part in perClient { documents += part }
            return (predictions, forecasts, documents, worklist)
        }
        let writing = "writing \(CRMActions.grouped(documents.count)) documents"
        progress(writing, 0.45)
        let outcome = try await GeneratedDocuments.replace(
            documents, type: "analyticsModel",
            prefixes: types.map(ModelDocuments.clientPrefix) + types.map { "analytics.cohort.\($0.rawValue)." }
                + (types.contains(.worklist) ? [ModelDocuments.advisorPrefix(.worklist)] : []), context: context) { share in
            progress(writing, 0.45 + 0.55 * share)
        }
        let cohortIDs = documents.compactMap { $0["_id"]?.stringValue }.filter { $0.hasPrefix("analytics.cohort.") }
        // Kept for the next incremental refresh; a clientele handed in is remembered only with the
        // moment it was read (changes after that moment are the next refresh's).
        if given == nil || readAt != nil {
            await PredictionMemory.shared.remember(PredictionMemory.Entry(
                settings: settings.model, types: types, clientele: clientele, predictions: predictions,
                forecasts: Dictionary(forecasts.map { ($0.history.id, $0) }, uniquingKeysWith: { first, _ in first }), cohortIDs: cohortIDs,
                since: (readAt ?? started).addingTimeInterval(-IncrementalRefresh.margin), fitted: started), for: context.dataset)
        }

        let scored = forecasts.filter { $0.summary != nil }
        var distribution: JSONObject = [:]
        for level in RiskLevel.allCases { distribution[level.rawValue] = .number(Double(scored.filter { $0.churnLevel == level }.count)) }
        var shares: JSONObject = [:], policy: JSONObject = [:]
        for level in RiskLevel.allCases {
            shares[level.rawValue] = .number(ModelDocuments.round(Double(scored.filter { $0.churnLevel == level }.count) / Double(max(1, scored.count)), 4))
            if let threshold = predictions.riskPolicy.threshold(level) {
                policy[level.rawValue] = ["probability": .number(threshold.probability), "valueAtRisk": .number(threshold.valueAtRisk)]
            }
        }
        let calibration: JSONValue = predictions.calibration.map { choice in
            let report = choice.report
            return [
                "method": .string(choice.calibrator.method.rawValue),
                "brierScore": .number(ModelDocuments.round(report.brierScore, 4)),
                "brierScoreUncalibrated": .number(ModelDocuments.round(choice.uncalibrated.brierScore, 4)),
                "brierScoreBaseRate": .number(ModelDocuments.round(report.baseRateBrierScore, 4)),
                "expectedCalibrationError": .number(ModelDocuments.round(report.expectedCalibrationError, 4)),
                "expectedCalibrationErrorUncalibrated": .number(ModelDocuments.round(choice.uncalibrated.expectedCalibrationError, 4)),
                "reliability": .array(report.reliability.map { bin in
                    ["from": .number(bin.lower), "to": .number(bin.upper), "clients": .number(Double(bin.count)),
                     "predicted": bin.meanPredicted.map { .number(ModelDocuments.round($0, 4)) } ?? .null,
                     "observed": bin.observedRate.map { .number(ModelDocuments.round($0, 4)) } ?? .null]
                }),
            ]
        } ?? .null
        var metrics: JSONObject = [:]
        for evaluation in predictions.backtest?.evaluations ?? [] {
            let m = evaluation.metrics
            metrics[evaluation.scorer.rawValue] = [
                "accuracy": .number(ModelDocuments.round(m.accuracy, 4)), "precision": m.precision.map { .number(ModelDocuments.round($0, 4)) } ?? .null,
                "recall": m.recall.map { .number(ModelDocuments.round($0, 4)) } ?? .null, "f1": m.f1.map { .number(ModelDocuments.round($0, 4)) } ?? .null,
                "auc": m.auc.map { .number(ModelDocuments.round($0, 4)) } ?? .null,
                "aucStandardError": m.aucStandardError.map { .number(ModelDocuments.round($0, 4)) } ?? .null,
            ]
        }
        let modelValues = scored.compactMap { $0.modelValue?.value }, briefValues = scored.compactMap { $0.briefValue?.value }
        let recommended = forecasts.compactMap(\.upsell.recommendedTier)
        let dueSoon = forecasts.compactMap(\.nextPurchase).filter { $0.daysUntil <= 30 }.count
        var data: JSONObject = [
            "clients": .number(Double(forecasts.count)), "clientsWithOrders": .number(Double(predictions.clientsWithOrders)),
            "asOf": .string(AnalyticsDate.day(predictions.asOf)), "cutoff": .string(AnalyticsDate.day(predictions.cutoff)),
            "horizonDays": .number(predictions.settings.horizonDays), "churnScorer": .string(predictions.churnScorer.rawValue),
            "churn": ["distribution": .object(distribution), "shares": .object(shares), "backtest": .object(metrics),
                      "calibration": calibration, "policy": .object(policy), "cutoff": .string(AnalyticsDate.day(predictions.churnCutoff)),
                      "medianWindowDays": predictions.backtest.map { .number(ModelDocuments.round($0.trainingData.medianWindowDays, 1)) } ?? .null,
                      "churned": predictions.backtest.map { .number(Double($0.trainingData.churned)) } ?? .null,
                      "backtestSize": predictions.backtest.map { .number(Double($0.trainingData.datasetSize)) } ?? .null,
                      "backtestProblem": predictions.backtestProblem.map(JSONValue.string) ?? .null],
            "lifetimeValue": ["total": .number(ModelDocuments.round(modelValues.reduce(0, +), 2)),
                              "briefHeuristicTotal": .number(ModelDocuments.round(briefValues.reduce(0, +), 2)),
                              "spearmanModel": predictions.lifetimeComparison.map { .number(ModelDocuments.round($0.probabilisticCorrelation, 4)) } ?? .null,
                              "spearmanBriefHeuristic": predictions.lifetimeComparison.map { .number(ModelDocuments.round($0.heuristicCorrelation, 4)) } ?? .null],
            "nextPurchase": ["seasonalIndex": .array(predictions.seasonality.factors.map { .number(ModelDocuments.round($0, 4)) }),
                             "peakMonth": .number(Double(predictions.seasonality.peakMonth)), "dueWithin30Days": .number(Double(dueSoon))],
            "affinity": predictions.affinityEvaluation.map { evaluation in
                ["k": .number(Double(evaluation.k)), "hitRate": .number(ModelDocuments.round(evaluation.hitRate, 4)),
                 "baselineHitRate": .number(ModelDocuments.round(evaluation.baselineHitRate, 4))]
            } ?? .null,
            "recommender": predictions.recommenderBacktest.map { backtest in
                ["chosen": .string(backtest.chosen.rawValue), "k": .number(Double(backtest.k)),
                 "summary": .string(RecommenderWording.summary(backtest)),
                 "test": .array(backtest.test.map { evaluation in
                     ["algorithm": .string(evaluation.algorithm.rawValue), "customers": .number(Double(evaluation.customers)),
                      "hitRate": .number(ModelDocuments.round(evaluation.hitRate, 4)), "ndcg": .number(ModelDocuments.round(evaluation.ndcg, 4)),
                      "coverage": .number(ModelDocuments.round(evaluation.coverage, 4)),
                      "hitRateGain": .number(ModelDocuments.round(evaluation.hitRateGain, 4)),
                      "hitRateGainError": .number(ModelDocuments.round(evaluation.hitRateGainError, 4))]
                 })]
            } ?? .object(["problem": .string(predictions.recommenderProblem ?? "not run")]),
            "upsell": ["goldPreferred": .number(Double(recommended.filter { $0 == .goldPreferred }.count)),
                       "platinumPremier": .number(Double(recommended.filter { $0 == .platinumPremier }.count))],
        ]
        switch worklist {
        case .success(let report)?:
            data["worklist"] = [
                "listSize": .number(Double(report.listSize)), "advisors": .number(Double(report.advisors.count)),
                "revenueTopOfList": .number(ModelDocuments.round(report.ranked, 2)), "revenueRandomList": .number(ModelDocuments.round(report.random, 2)),
                "revenueTopLifetimeValue": .number(ModelDocuments.round(report.topLifetimeValue, 2)),
                "gainPerAdvisorOverRandom": .number(ModelDocuments.round(report.meanGainOverRandom, 2)),
                "gainPerAdvisorOverRandomStandardError": report.standardErrorOverRandom.map { .number(ModelDocuments.round($0, 2)) } ?? .null,
                "gainPerAdvisorOverTopLifetimeValue": .number(ModelDocuments.round(report.meanGainOverLifetimeValue, 2)),
                "gainPerAdvisorOverTopLifetimeValueStandardError": report.standardErrorOverLifetimeValue.map { .number(ModelDocuments.round($0, 2)) } ?? .null,
            ]
        case .failure(let error)?:
            data["worklist"] = ["problem": .string(String(describing: error))]
        case nil:
            break
        }
        data["documents"] = ["written": .number(Double(outcome.written.count)), "deleted": .number(Double(outcome.deleted.count)),
                             "unchanged": .number(Double(outcome.unchanged))]
        let atRisk = scored.filter { $0.churnLevel == .critical || $0.churnLevel == .high }.count
        let summary = "\(CRMActions.grouped(atRisk)) of \(CRMActions.grouped(scored.count)) clients at high or critical churn risk"
        var scorer = "churn score \(predictions.churnScorer.rawValue)"
        if let report = predictions.backtest, let chosen = report.evaluation(of: predictions.churnScorer)?.metrics.auc,
           let brief = report.evaluation(of: .briefHeuristic)?.metrics.auc {
            scorer += " (backtest AUC \(String(format: "%.2f", chosen)) against \(String(format: "%.2f", brief)) for the brief's heuristic)"
        } else if let problem = predictions.backtestProblem {
            scorer += " (no backtest: \(problem))"
        }
        let changed = outcome.written.count + outcome.deleted.count
        let message = "Predictions for \(CRMActions.grouped(scored.count)) clients: \(CRMActions.grouped(atRisk)) at high or critical churn risk, \(scorer); "
            + (changed == 0 ? "nothing changed since the last run" : "\(CRMActions.grouped(changed)) document\(changed == 1 ? "" : "s") updated")
        return PredictionRefresh(outcome: outcome, data: data, cohortIDs: cohortIDs, summary: summary, message: message)
    }
}

/// One refresh of the seven trend analyses, shared by the trend and dashboard actions and by
/// `facet analytics run trends`.
public struct TrendRefresh: Sendable {
    public var outcome: GeneratedDocuments.Outcome
    public var data: JSONObject
    public var documentIDs: [String]
    public var summary: String
    public var message: String
    public var tone: ActionResult.Tone

    /// The result an action answers with.
    public var result: ActionResult {
        ActionResult(message: message, tone: tone, transactionId: outcome.transactionIDs.last, writtenIDs: outcome.written + outcome.deleted, data: data)
    }

    /// Analyses the seven dimensions and rewrites their documents, reading the clientele unless it
    /// is given; each stage is reported with the share done to `progress`, or to the context's
    /// progress when none is given.
    public static func run(_ context: ActionContext, clientele given: ClienteleHistories? = nil,
                           progress reporter: AnalyticsProgress? = nil) async throws -> TrendRefresh {
        // The trends take the analytics' parameters too; of them, they use the currency.
        let currency = try PredictionSettings(params: context.params).currency
        let (progress, clientele) = try await RefreshStart.begin(context, clientele: given, progress: reporter)
        progress("analysing seven trend dimensions", 0.3)
        let analyses = try await context.blocking { Trends.inCurrency(currency) { ClienteleTrends.analyse(clientele) } }
        progress("writing the trend analyses", 0.9)
        let documents = analyses.reports.map { ClienteleTrends.document($0, seasonalIndex: analyses.seasonalIndex) }
        // Only the dimensions computed are replaced: a dimension that lacks data this time keeps its last analysis.
        let outcome = try await GeneratedDocuments.replace(documents, type: "trendAnalysis", prefixes: [], context: context) { share in
            progress("writing the trend analyses", 0.9 + 0.1 * share)
        }
        var dimensions: JSONObject = [:]
        for report in analyses.reports {
            dimensions[report.dimension.rawValue] = [
                "percentageChange": report.percentageChange.map { .number(ModelDocuments.round($0, 2)) } ?? .null,
                "top": report.topCategories.first.map { .string($0.label) } ?? .null,
                "priority": .string(report.priority.rawValue),
            ]
        }
        var skipped: JSONObject = [:]
        for (dimension, reason) in analyses.skipped { skipped[dimension.rawValue] = .string(reason) }
        let data: JSONObject = [
            "dimensions": .object(dimensions), "skipped": .object(skipped),
            "seasonalIndex": .array(analyses.seasonalIndex.map { $0.map { .number(ModelDocuments.round($0, 4)) } ?? .null }),
            "asOf": .string(AnalyticsDate.day(clientele.asOf)),
            "documents": ["written": .number(Double(outcome.written.count)), "unchanged": .number(Double(outcome.unchanged))],
        ]
        let seasonal = analyses.reports.first { $0.dimension == .seasonal }?.topCategories.first
        let peak = seasonal.map { ", revenue peaking in \($0.label) (\(String(format: "%.2f", $0.value))× an average month)" } ?? ""
        let summary = "\(analyses.reports.count) of 7 trend dimensions\(peak)"
        let skippedText = analyses.skipped.isEmpty ? "" : "; skipped \(analyses.skipped.map(\.dimension.rawValue).joined(separator: ", ")) for lack of data"
        let state = outcome.written.isEmpty ? "; nothing changed since the last run" : "; \(outcome.written.count) updated"
        return TrendRefresh(outcome: outcome, data: data, documentIDs: documents.compactMap { $0["_id"]?.stringValue }, summary: summary,
                            message: "Analysed \(summary)\(skippedText)\(state)",
                            tone: analyses.skipped.isEmpty ? (outcome.written.isEmpty ? .info : .success) : .warning)
    }
}

extension CRMActions {
    /// `4950` as `4,950`.
    static func grouped(_ value: Int) -> String {
        let text = money(Double(value))
        return String(text.prefix { $0 != "." })
    }
}

/// How every refresh starts: it reports to the reporter it was given, else to the caller's
/// progress, and works on the clientele it was given, else reads it (reporting that stage).
enum RefreshStart {
    static func begin(_ context: ActionContext, clientele given: ClienteleHistories?,
                      progress reporter: AnalyticsProgress?) async throws -> (AnalyticsProgress, ClienteleHistories) {
        let contextProgress = context.progress
        let progress: AnalyticsProgress = reporter ?? { stage, done in contextProgress(stage, done) }
        if let given { return (progress, given) }
        progress("reading the clientele", 0)
        return (progress, try await ClienteleHistories.read(context))
    }
}
