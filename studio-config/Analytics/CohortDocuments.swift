import FacetAnalytics
import Foundation
import GROQ

extension ModelDocuments {
    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                             "November", "December"]

    /// The cohort documents of `types`: for churn one per scorer of the backtest, with its
    /// classification metrics; for the others the fitted parameters and how well they did.
    public static func cohortDocuments(_ predictions: ClientelePredictions, clients: [ClientelePredictions.ClientForecast],
                                       types: [ModelType], worklist: ContactListBacktest.Report? = nil) -> [JSONObject] {
        types.flatMap { type -> [JSONObject] in
            switch type {
            case .churn: churnCohort(predictions, clients: clients)
            case .lifetimeValue: [lifetimeValueCohort(predictions, clients: clients)]
            case .nextPurchase: [nextPurchaseCohort(predictions)]
            case .affinity: [affinityCohort(predictions)]
            case .upsell: [upsellCohort(predictions, clients: clients)]
            case .worklist: worklist.map { [worklistCohort(predictions, report: $0)] } ?? []
            }
        }
    }

    static func cohortBase(_ type: ModelType, variant: String, name: String, algorithm: String) -> JSONObject {
        ["_id": .string(cohortDocumentID(type, variant: variant)), "_type": "analyticsModel", "name": .string(name),
         "modelType": .string(type.rawValue), "algorithm": .string(algorithm), "modelVersion": .string(version)]
    }

    static func trainingData(size: Int, features: [String], date: Date, predictions: ClientelePredictions, cutoff: Date? = nil,
                             horizonDays: Double? = nil) -> JSONValue {
        var object: JSONObject = ["datasetSize": .number(Double(size)), "features": .array(features.map(JSONValue.string)),
                                  "trainingDate": .string(AnalyticsDate.dateTime(date)),
                                  "retrainSchedule": .string(predictions.settings.retrainSchedule)]
        if let cutoff {
            object["cutoffDate"] = .string(AnalyticsDate.dateTime(cutoff))
            object["horizonDays"] = .number(horizonDays ?? predictions.settings.horizonDays)
        }
        return .object(object)
    }

    static func parameters(_ values: [(String, Double, Double?)]) -> JSONValue {
        keyed(values.map { name, value, error in
            var parameter: JSONObject = ["name": .string(name), "value": .number(round(value, 6))]
            if let error, error.isFinite { parameter["standardError"] = .number(round(error, 6)) }
            return parameter
        }, type: "parameter", by: "name")
    }

    static func bgnbdParameters(_ fit: BGNBDFit) -> [(String, Double, Double?)] {
        [("r", fit.model.r, fit.standardErrors?.r), ("alpha", fit.model.alpha, fit.standardErrors?.alpha),
         ("a", fit.model.a, fit.standardErrors?.a), ("b", fit.model.b, fit.standardErrors?.b),
         ("bgnbdLogLikelihood", fit.logLikelihood, nil)]
            + (fit.commonDropoutProbability.map { [("commonDropoutProbability", $0, nil)] } ?? [])
            + (fit.commonPurchaseRate.map { [("commonPurchaseRate", $0, nil)] } ?? [])
    }

    /// The fit's plain reading when it lies on the edge of its parameter space, as a sentence to
    /// add to notes (empty otherwise).
    static func boundaryNote(_ fit: BGNBDFit?) -> String {
        fit?.boundaryNote.map { " " + $0 } ?? ""
    }

    /// The chosen scorer's calibration as parameters: the method, Brier scores, calibration
    /// error and the reliability table (per bin: clients, mean prediction, observed rate).
    static func calibrationParameters(_ calibration: ProbabilityCalibrator.Choice) -> [(String, Double, Double?)] {
        let report = calibration.report
        var values: [(String, Double, Double?)] = [
            ("calibrationIsotonic", calibration.calibrator.method == .isotonic ? 1 : 0, nil),
            ("brierScore", report.brierScore, nil), ("brierScoreUncalibrated", calibration.uncalibrated.brierScore, nil),
            ("brierScoreBaseRate", report.baseRateBrierScore, nil), ("expectedCalibrationError", report.expectedCalibrationError, nil),
            ("expectedCalibrationErrorUncalibrated", calibration.uncalibrated.expectedCalibrationError, nil),
        ]
        if calibration.calibrator.method == .platt {
            values += [("plattSlope", calibration.calibrator.slope, nil), ("plattIntercept", calibration.calibrator.intercept, nil)]
        }
        for bin in report.reliability where bin.count > 0 {
            let name = "reliability-\(Int((bin.lower * 100).rounded()))-\(Int((bin.upper * 100).rounded()))"
            values += [(name + "-clients", Double(bin.count), nil), (name + "-predicted", bin.meanPredicted ?? 0, nil),
                       (name + "-observed", bin.observedRate ?? 0, nil)]
        }
        return values
    }

    /// The share of scored clients in each risk level.
    static func shares(_ predictions: ClientelePredictions, clients: [ClientelePredictions.ClientForecast]) -> [(String, Double, Double?)] {
        let scored = clients.filter { $0.summary != nil }
        return RiskLevel.allCases.map { level in
            ("share-\(level.rawValue)", Double(scored.filter { $0.churnLevel == level }.count) / Double(max(1, scored.count)), nil)
        }
    }

    /// The worklist's backtest: the revenue the top of each advisor's list brought in the 90
    /// days after a cut-off, against a random list and the biggest spenders to date.
    static func worklistCohort(_ predictions: ClientelePredictions, report: ContactListBacktest.Report) -> JSONObject {
        var document = cohortBase(.worklist, variant: "expected-revenue", name: "Clienteling worklist — \(Int(ClientWorklist.horizonDays))-day backtest",
                                  algorithm: "bg-nbd+gamma-gamma-expected-revenue")
        var values: [(String, Double, Double?)] = [
            ("listSize", Double(report.listSize), nil), ("advisors", Double(report.advisors.count), nil), ("clients", Double(report.clients), nil),
            ("revenueTopOfList", report.ranked, nil), ("revenueRandomList", report.random, nil), ("revenueTopLifetimeValue", report.topLifetimeValue, nil),
            ("gainPerAdvisorOverRandom", report.meanGainOverRandom, report.standardErrorOverRandom),
            ("gainPerAdvisorOverTopLifetimeValue", report.meanGainOverLifetimeValue, report.standardErrorOverLifetimeValue),
        ]
        for advisor in report.advisors {
            values += [("\(advisor.advisor)-topOfList", advisor.ranked, nil), ("\(advisor.advisor)-random", advisor.random, nil),
                       ("\(advisor.advisor)-topLifetimeValue", advisor.topLifetimeValue, nil)]
        }
        document["parameters"] = parameters(values)
        let currency = predictions.settings.currency
        let times = report.random > 0 ? String(format: "%.1f", report.ranked / report.random) : "—"
        let sentence = "The top \(report.listSize) of each advisor's list brought \(currency.text(report.ranked)) in the \(Int(ClientWorklist.horizonDays)) days "
            + "after the cut-off: \(times) times a random list (\(currency.text(report.random))) and \(currency.text(report.ranked - report.topLifetimeValue)) "
            + "more than each advisor's biggest spenders (\(currency.text(report.topLifetimeValue)))"
        document["predictions"] = ["value": .number(round(report.ranked, 2)), "recommendations": [.string(sentence)]]
        document["notes"] = .string("""
            Backtest: every model refitted on the data up to \(Int(ClientWorklist.horizonDays)) days before \(AnalyticsDate.day(predictions.asOf)), \
            each advisor's clients ranked by expected spend in the following \(Int(ClientWorklist.horizonDays)) days (BG/NBD × Gamma-Gamma), and the \
            revenue of the top \(report.listSize) compared with the expected revenue of a random \(report.listSize) and of the \(report.listSize) \
            highest spenders to date. Standard errors are of the mean per-advisor gain (advisors are the replicates). The house has no \
            record of what contacts changed, so the list ranks by what is at stake, not by a measured effect of calling.
            """)
        return document
    }

    static func churnCohort(_ predictions: ClientelePredictions, clients: [ClientelePredictions.ClientForecast]) -> [JSONObject] {
        guard let report = predictions.backtest else { return [] }
        let training = report.trainingData
        let summary = report.evaluations.map { evaluation in
            "\(evaluation.scorer.rawValue) AUC \(evaluation.metrics.auc.map { String(format: "%.3f", $0) } ?? "undefined")"
        }.joined(separator: ", ")
        return report.evaluations.map { evaluation in
            let metrics = evaluation.metrics
            var document = cohortBase(.churn, variant: evaluation.scorer.rawValue,
                                      name: "Churn backtest — \(describe(evaluation.scorer))", algorithm: evaluation.scorer.rawValue)
            var performance: JSONObject = ["accuracy": .number(round(metrics.accuracy, 4))]
            if let precision = metrics.precision { performance["precision"] = .number(round(precision, 4)) }
            if let recall = metrics.recall { performance["recall"] = .number(round(recall, 4)) }
            if let f1 = metrics.f1 { performance["f1Score"] = .number(round(f1, 4)) }
            if let auc = metrics.auc { performance["auc"] = .number(round(auc, 4)) }
            if let error = metrics.aucStandardError { performance["aucStandardError"] = .number(round(error, 4)) }
            document["performance"] = .object(performance)
            document["trainingData"] = trainingData(size: training.datasetSize, features: ChurnBacktest.features, date: training.cutoff,
                                                    predictions: predictions, cutoff: training.cutoff, horizonDays: training.horizonDays)
            var values: [(String, Double, Double?)] = [("threshold", metrics.threshold, nil), ("churnedShare", Double(training.churned) / Double(max(1, training.datasetSize)), nil),
                                                       ("truePositives", Double(metrics.truePositives), nil), ("falsePositives", Double(metrics.falsePositives), nil),
                                                       ("trueNegatives", Double(metrics.trueNegatives), nil), ("falseNegatives", Double(metrics.falseNegatives), nil)]
            if evaluation.scorer == .briefHeuristic {
                let total = ChurnModel.briefWeights.values.reduce(0, +)
                values += ChurnFactor.allCases.map { factor -> (String, Double, Double?) in
                    ("weight-\(factor.rawValue)", (ChurnModel.briefWeights[factor] ?? 0) / total, nil)
                }
            } else {
                values += bgnbdParameters(report.model)
            }
            values.append(("medianWindowDays", training.medianWindowDays, nil))
            let chosen = evaluation.scorer == predictions.churnScorer
            if chosen, let calibration = predictions.calibration {
                values += calibrationParameters(calibration)
                values += shares(predictions, clients: clients)
            }
            document["parameters"] = parameters(values)
            document["predictions"] = ["probability": .number(round(Double(training.churned) / Double(max(1, training.datasetSize)), 4)),
                                       "recommendations": [.string(chosen ? "Used as the churn score of every client: the highest AUC of the three scorers" : "Kept for comparison; \(predictions.churnScorer.rawValue) ranks churners better and is the churn score")]]
            var calibrated = ""
            if chosen, let calibration = predictions.calibration {
                let report = calibration.report
                calibrated = " Calibrated by \(calibration.calibrator.method.rawValue) (chosen by 5-fold cross-validated Brier score): "
                    + "Brier \(String(format: "%.3f", report.brierScore)) against \(String(format: "%.3f", calibration.uncalibrated.brierScore)) uncalibrated "
                    + "and \(String(format: "%.3f", report.baseRateBrierScore)) for the base rate; expected calibration error "
                    + "\(String(format: "%.3f", report.expectedCalibrationError)) (\(String(format: "%.3f", calibration.uncalibrated.expectedCalibrationError)) uncalibrated)."
            }
            document["notes"] = .string("""
                Time-split backtest: models fitted on the orders before \(AnalyticsDate.day(training.cutoff)), label = \(report.window.description) \
                after it (median window \(Int(training.medianWindowDays.rounded())) days; \(training.churned) of \(training.datasetSize) clients lapsed; \
                \(training.excluded) without an order before the cut-off and \(training.beyondData) whose window runs past the data left out). \
                Metrics at threshold \(metrics.threshold). All three scorers: \(summary).\(calibrated) \
                The brief's weights sum to 120%; the heuristic divides by their sum, keeping their proportions.\(boundaryNote(report.model))
                """)
            return document
        }
    }

    static func lifetimeValueCohort(_ predictions: ClientelePredictions, clients: [ClientelePredictions.ClientForecast]) -> JSONObject {
        var document = cohortBase(.lifetimeValue, variant: predictions.spend == nil ? "brief-heuristic" : "bg-nbd-gamma-gamma",
                                  name: "Lifetime value — \(predictions.settings.months)-month forecast of the clientele",
                                  algorithm: predictions.spend == nil ? "brief-heuristic" : "bg-nbd+gamma-gamma")
        var values: [(String, Double, Double?)] = predictions.purchases.map(bgnbdParameters) ?? []
        if let spend = predictions.spend {
            values += [("p", spend.model.p, spend.standardErrors?.p), ("q", spend.model.q, spend.standardErrors?.q),
                       ("gamma", spend.model.gamma, spend.standardErrors?.gamma), ("gammaGammaLogLikelihood", spend.logLikelihood, nil)]
        }
        values.append(("monthlyDiscountRate", predictions.settings.monthlyDiscountRate, nil))
        if let comparison = predictions.lifetimeComparison {
            values += [("spearmanModel", comparison.probabilisticCorrelation, nil), ("spearmanBriefHeuristic", comparison.heuristicCorrelation, nil)]
        }
        document["parameters"] = parameters(values)
        let model = clients.compactMap { $0.modelValue?.value }, brief = clients.compactMap { $0.briefValue?.value }
        let total = model.isEmpty ? brief.reduce(0, +) : model.reduce(0, +)
        document["forecast"] = ["forecastedValue": .number(round(total, 2)),
                                "timeframe": .string(timeframe(days: Double(predictions.settings.months) * LifetimeValueProjection.daysPerMonth))]
        document["predictions"] = ["value": .number(round(brief.reduce(0, +), 2))]
        document["trainingData"] = trainingData(size: predictions.clientsWithOrders, features: ["frequency", "recency", "T", "monetary-value"],
                                                date: predictions.asOf, predictions: predictions)
        let comparison = predictions.lifetimeComparison.map {
            " Ranking the spend of the \(Int(predictions.settings.horizonDays)) days after \(AnalyticsDate.day(predictions.cutoff)): Spearman \(String(format: "%.3f", $0.probabilisticCorrelation)) for the model, \(String(format: "%.3f", $0.heuristicCorrelation)) for the brief's heuristic."
        } ?? ""
        document["notes"] = .string("forecastedValue sums every client's forecast; predictions.value sums the brief heuristic's.\(comparison)\(boundaryNote(predictions.purchases))")
        return document
    }

    static func nextPurchaseCohort(_ predictions: ClientelePredictions) -> JSONObject {
        var document = cohortBase(.nextPurchase, variant: "seasonal-interval", name: "Next purchase — intervals with a seasonal index",
                                  algorithm: predictions.purchases == nil ? "own-intervals" : "bg-nbd+own-intervals")
        let index = predictions.seasonality
        var values = (1...12).map { month -> (String, Double, Double?) in
            (String(format: "seasonalIndex%02d", month), index.factors[month - 1], nil)
        } + [("priorStrength", index.priorStrength, nil)]
        var check = ""
        if let windows = predictions.windowCheck {
            values += [("windowClients", Double(windows.clients), nil),
                       ("windowInside", Double(windows.inside), nil), ("windowExpectedInside", windows.expectedInside, windows.insideError),
                       ("windowBefore", Double(windows.before), nil), ("windowExpectedBefore", windows.expectedBefore, nil),
                       ("windowLater", Double(windows.later), nil), ("windowExpectedLater", windows.expectedLater, nil)]
            check = " " + Self.windowSentence(windows)
        }
        document["parameters"] = parameters(values)
        document["trainingData"] = trainingData(size: predictions.clientsWithOrders, features: ["purchase-intervals", "frequency", "recency", "T", "month"],
                                                date: predictions.asOf, predictions: predictions)
        let names = Self.monthNames
        document["notes"] = .string("The purchase-rate index peaks in \(names[index.peakMonth - 1]) (\(String(format: "%.2f", index.factors[index.peakMonth - 1]))) and is lowest in \(names[index.lowMonth - 1]) (\(String(format: "%.2f", index.factors[index.lowMonth - 1]))), estimated from the repeat purchases and shrunk toward the brief's 30% holiday boost by \(Int(index.priorStrength)) purchases of prior evidence a month.\(check)")
        return document
    }

    /// How the 80% windows held on the backtest's split, in a sentence.
    static func windowSentence(_ check: PurchaseWindowBacktest) -> String {
        let level = percent(check.level)
        let count = { (value: Double) in Int(value.rounded()).formatted(.number.grouping(.automatic)) }
        let verdict = abs(check.insideRatio - 1) <= 0.1 ? "the windows hold what they promise"
            : check.insideRatio < 1 ? "the windows hold fewer purchases than they promise: read them as narrower than they are"
            : "the windows hold more purchases than they promise: they are wider than they need be"
        return "The \(level) windows, fitted before \(AnalyticsDate.day(check.cutoff)) and checked until \(AnalyticsDate.day(check.dataEnd)): "
            + "\(count(Double(check.inside))) of \(count(Double(check.clients))) clients made their next purchase inside their window, "
            + "\(percent(check.insideRatio)) of the \(count(check.expectedInside)) ± \(count(check.insideError)) the model expected "
            + "(which counts the clients who never buy again and the windows the data end cuts short): \(verdict). "
            + "\(count(Double(check.before))) bought before their window against \(count(check.expectedBefore)) expected, and \(count(Double(check.later))) later or not yet against \(count(check.expectedLater))."
    }

    static func affinityCohort(_ predictions: ClientelePredictions) -> JSONObject {
        var document = cohortBase(.affinity, variant: "co-purchase", name: "Product affinity — co-purchase structure", algorithm: "association-rules+cosine")
        let statistics = predictions.affinity.statistics
        var values: [(String, Double, Double?)] = statistics.categories.map { category -> (String, Double, Double?) in
            ("support-\(category)", statistics.support(category), nil)
        }
        if let evaluation = predictions.affinityEvaluation {
            values += [("hitRateAt\(evaluation.k)", evaluation.hitRate, nil), ("baselineHitRateAt\(evaluation.k)", evaluation.baselineHitRate, nil),
                       ("heldOutCustomers", Double(evaluation.customers), nil)]
            document["performance"] = ["accuracy": .number(round(evaluation.hitRate, 4))]
            document["notes"] = .string("performance.accuracy is hit-rate@\(evaluation.k) on each client's held-out last order (\(evaluation.hits) of \(evaluation.customers)) against \(String(format: "%.3f", evaluation.baselineHitRate)) for recommending the \(evaluation.k) most popular categories to everyone.")
        }
        if let backtest = predictions.recommenderBacktest {
            for evaluation in backtest.test {
                let name = evaluation.algorithm.rawValue
                values += [("\(name)-hitRateAt\(backtest.k)", evaluation.hitRate, evaluation.hitRateError),
                           ("\(name)-ndcgAt\(backtest.k)", evaluation.ndcg, evaluation.ndcgError),
                           ("\(name)-coverage", evaluation.coverage, nil),
                           ("\(name)-hitRateGain", evaluation.hitRateGain, evaluation.hitRateGainError)]
            }
            document["notes"] = .string(RecommenderWording.summary(backtest) + " " + (document["notes"]?.stringValue ?? ""))
        } else if let problem = predictions.recommenderProblem {
            document["notes"] = .string("Pieces are recommended by best-sellers: the recommenders could not be judged (\(problem)). " + (document["notes"]?.stringValue ?? ""))
        }
        document["parameters"] = parameters(values)
        document["trainingData"] = trainingData(size: statistics.customers, features: ["order-categories", "order-products", "segment", "cultural-heritage"], date: predictions.asOf,
                                                predictions: predictions)
        return document
    }

    static func upsellCohort(_ predictions: ClientelePredictions, clients: [ClientelePredictions.ClientForecast]) -> JSONObject {
        var document = cohortBase(.upsell, variant: "liza-tiers", name: "Upsell — LIZA tier upgrade candidates", algorithm: "liza-tier-policy")
        let policy = predictions.settings.upsell
        let recommended = clients.compactMap(\.upsell.recommendedTier)
        document["parameters"] = parameters([
            ("goldThreshold", policy.goldThreshold, nil), ("platinumThreshold", policy.platinumThreshold, nil),
            ("minimumContactMonths", policy.minimumContactMonths, nil),
            ("goldCandidates", Double(recommended.filter { $0 == .goldPreferred }.count), nil),
            ("platinumCandidates", Double(recommended.filter { $0 == .platinumPremier }.count), nil),
        ])
        document["predictions"] = ["value": .number(Double(recommended.count))]
        document["trainingData"] = trainingData(size: clients.count, features: ["forecast-lifetime-value", "tier", "contact-months"],
                                                date: predictions.asOf, predictions: predictions)
        document["notes"] = "predictions.value counts the clients to invite to a higher tier; each client's upsell document holds the personalised invitation."
        return document
    }
}
