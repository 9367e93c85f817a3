import FacetAnalytics
import Foundation
import GROQ

/// The `analyticsModel` documents the predictive models write: one per client and model type
/// (`analytics.client.<modelType>.<client id>`, referencing the client weakly, so the brief's
/// queries and the desk's at-risk list find them), and the cohort documents that describe each
/// model as a whole, with its parameters, training data and measured performance
/// (`analytics.cohort.<modelType>.<variant>`).
///
/// Figures are rounded (probabilities to four decimals, money to cents, days to a tenth) so
/// that re-running on the same data gives the same document, byte for byte. Client names are
/// not copied into these documents: they live on the client, where GDPR erasure finds them.
public enum ModelDocuments {
    /// The model version written in `modelVersion`.
    public static let version = "1.0"

    /// The id of `client`'s document of `modelType`.
    public static func clientDocumentID(_ modelType: ModelType, client: String) -> String {
        clientPrefix(modelType) + client
    }

    /// The id of the cohort document of `modelType` and `variant`.
    public static func cohortDocumentID(_ modelType: ModelType, variant: String) -> String {
        "analytics.cohort.\(modelType.rawValue).\(variant)"
    }

    /// The id of `advisor`'s document of `modelType` (their worklist).
    public static func advisorDocumentID(_ modelType: ModelType, advisor: String) -> String {
        advisorPrefix(modelType) + advisor
    }

    /// The prefix of every per-advisor document of `modelType`.
    public static func advisorPrefix(_ modelType: ModelType) -> String { "analytics.advisor.\(modelType.rawValue)." }

    /// The prefix of every per-client document of `modelType`.
    public static func clientPrefix(_ modelType: ModelType) -> String { "analytics.client.\(modelType.rawValue)." }

    /// The five model types (`analyticsModel.modelType`).
    public enum ModelType: String, Sendable, CaseIterable {
        case churn = "churn-prediction"
        case lifetimeValue = "ltv-forecasting"
        case nextPurchase = "next-purchase"
        case affinity = "product-affinity"
        case upsell = "upsell-opportunity"
        /// Each advisor's weekly list; a cohort document with its backtest, no per-client ones.
        case worklist = "clienteling-worklist"

        var title: String {
            switch self {
            case .churn: "Churn risk"
            case .lifetimeValue: "Lifetime value"
            case .nextPurchase: "Next purchase"
            case .affinity: "Product affinity"
            case .upsell: "Upsell opportunity"
            case .worklist: "Clienteling worklist"
            }
        }
    }

    // MARK: Per client

    /// The client's documents of `types`, from `forecast`; a model type whose model could not say
    /// anything about the client (no order yet) gives no document.
    public static func clientDocuments(_ forecast: ClientelePredictions.ClientForecast, predictions: ClientelePredictions,
                                       types: [ModelType]) -> [JSONObject] {
        types.compactMap { type in
            switch type {
            case .churn: churn(forecast, predictions)
            case .lifetimeValue: lifetimeValue(forecast, predictions)
            case .nextPurchase: nextPurchase(forecast, predictions)
            case .affinity: affinity(forecast, predictions)
            case .upsell: upsell(forecast, predictions)
            case .worklist: nil
            }
        }
    }

    static func base(_ type: ModelType, client: String, algorithm: String) -> JSONObject {
        ["_id": .string(clientDocumentID(type, client: client)), "_type": "analyticsModel", "name": .string("\(type.title) — \(client)"),
         "modelType": .string(type.rawValue), "algorithm": .string(algorithm), "modelVersion": .string(version),
         "customer": ["_type": "reference", "_ref": .string(client), "_weak": true]]
    }

    static func churn(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions) -> JSONObject? {
        guard forecast.summary != nil else { return nil }
        let horizon = Int(predictions.settings.horizonDays)
        var document = base(.churn, client: forecast.history.id, algorithm: predictions.churnScorer.rawValue)
        var drivers: [JSONObject] = forecast.heuristic.drivers.map { driver in
            ["factor": .string(driver.factor.rawValue), "weight": .number(round(driver.contribution, 4)), "detail": .string(driver.detail)]
        }
        if let usual = forecast.usualInterval, let window = forecast.lapseWindow {
            drivers.append(["factor": "usual-interval", "weight": .number(round(usual, 1)),
                            "detail": .string("usually buys every \(AdvisorWording.span(days: usual)); lapsing after \(AdvisorWording.span(days: window)) without a purchase")])
        }
        drivers.append(["factor": "value-at-risk", "weight": .number(round(forecast.valueAtRisk, 2)),
                        "detail": .string("\(percent(forecast.churnScore)) of the forecast value \(predictions.settings.currency.text(forecast.modelValue?.value ?? forecast.briefValue?.value ?? 0))")])
        if let dropout = forecast.churnScores[.bgnbdDropout] {
            drivers.append(["factor": "p-alive", "weight": .number(round(1 - dropout, 4)),
                            "detail": .string("BG/NBD probability that the client is still active: \(percent(1 - dropout))")])
        }
        if let expected = forecast.expectedPurchases {
            drivers.append(["factor": "expected-purchases", "weight": .number(round(expected, 4)),
                            "detail": .string("BG/NBD expects \(String(format: "%.2f", expected)) purchases in the next \(horizon) days")])
        }
        var recommendations = [JSONValue.string(AdvisorWording.churn(forecast, predictions))]
        // The heuristic's interventions, escalated by the level shown, not by the heuristic's own.
        recommendations += ChurnModel.recommendations(for: forecast.heuristic.drivers, level: forecast.churnLevel).map(JSONValue.string)
        if forecast.churnLevel != forecast.heuristic.riskLevel {
            recommendations.append(.string("The brief's heuristic rates this client \(forecast.heuristic.riskLevel.rawValue); the calibrated churn probability and the value at risk rate them \(forecast.churnLevel.rawValue)"))
        }
        document["predictions"] = [
            "value": .number(round(forecast.heuristic.score, 4)),
            "probability": .number(round(forecast.churnScore, 4)),
            "riskLevel": .string(forecast.churnLevel.rawValue),
            "keyDrivers": keyed(drivers, type: "keyDriver", by: "factor"),
            "recommendations": .array(recommendations),
        ]
        if let expected = forecast.expectedPurchases {
            document["forecast"] = ["forecastedValue": .number(round(expected, 4)), "timeframe": .string(timeframe(days: predictions.settings.horizonDays))]
        }
        let scores = ChurnScorer.allCases.compactMap { scorer in
            forecast.churnScores[scorer].map { "\(scorer.rawValue) \(String(format: "%.3f", $0))" }
        }
        let calibrated = predictions.calibration.map { " calibrated by \($0.calibrator.method.rawValue) on the backtest" } ?? " (not calibrated: \(predictions.backtestProblem ?? "no backtest"))"
        document["notes"] = .string("""
            probability is the chance of \(predictions.lapseWindow.description), from \(describe(predictions.churnScorer))\(calibrated); \
            riskLevel comes from the house's thresholds on it and on the value at risk; value is the brief's weighted heuristic \
            (weights normalised from 120% to 100%), kept for comparison. Scores: \(scores.joined(separator: ", ")).
            """)
        return document
    }

    static func lifetimeValue(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions) -> JSONObject? {
        guard let brief = forecast.briefValue else { return nil }
        let model = forecast.modelValue
        var document = base(.lifetimeValue, client: forecast.history.id, algorithm: model?.algorithm ?? brief.algorithm)
        var drivers: [JSONObject] = (model?.drivers ?? []).map { driver in
            ["factor": .string(driver.input), "weight": .number(round(driver.effect, 2)), "detail": .string(driver.detail)]
        }
        drivers += brief.drivers.map { driver in
            ["factor": .string("brief-" + driver.input), "weight": .number(round(driver.effect, 2)), "detail": .string(driver.detail)]
        }
        document["predictions"] = ["value": .number(round(brief.value, 2)), "keyDrivers": keyed(drivers, type: "keyDriver", by: "factor"),
                                   "recommendations": .array(AdvisorWording.lifetimeValue(forecast, predictions).map { [.string($0)] } ?? [])]
        var projected: JSONObject = ["forecastedValue": .number(round(model?.value ?? brief.value, 2)),
                                     "timeframe": .string(timeframe(days: Double(predictions.settings.months) * LifetimeValueProjection.daysPerMonth))]
        // A central interval need not hold the mean of a skewed spend: a client most likely gone
        // has [0, 0] around a mean above 0. The document then keeps the mean alone, and the
        // sentence says how often their simulated futures hold no purchase.
        if let model, let interval = forecast.valueInterval, interval.lower <= model.value, model.value <= interval.upper {
            projected["confidenceInterval"] = ["lower": .number(round(interval.lower, 2)), "upper": .number(round(interval.upper, 2)),
                                               "level": .number(interval.level)]
        }
        document["forecast"] = .object(projected)
        let months = predictions.settings.months, rate = predictions.settings.monthlyDiscountRate
        document["notes"] = .string(model == nil
            ? "forecastedValue is the brief's multiplier heuristic over \(months) months: the spend model could not be fitted (no repeat purchases)."
            : "forecastedValue is BG/NBD × Gamma-Gamma over \(months) months discounted at \(String(format: "%.2f", rate * 100))% a month; its confidenceInterval holds the client's discounted spend with 80% probability, from \(ForecastInterval.defaultDraws) simulated futures under the fitted models (the client's own randomness and\(predictions.parameterUncertainty == nil ? " not" : "") the parameters' error); predictions.value is the brief's multiplier heuristic (\(predictions.heuristicValue.years) years, \(Int(predictions.heuristicValue.annualGrowth * 100))% annual growth).")
        return document
    }

    static func nextPurchase(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions) -> JSONObject? {
        guard let next = forecast.nextPurchase else { return nil }
        var document = base(.nextPurchase, client: forecast.history.id, algorithm: next.modelInterval == nil ? "own-intervals" : "bg-nbd+own-intervals")
        var drivers: [JSONObject] = []
        if let own = next.ownMeanInterval {
            drivers.append(["factor": "own-interval", "weight": .number(round(own, 1)),
                            "detail": .string("mean of \(next.intervals) interval\(next.intervals == 1 ? "" : "s") between purchases, in days")])
        }
        if let model = next.modelInterval {
            drivers.append(["factor": "model-interval", "weight": .number(round(model, 1)), "detail": "BG/NBD's (α + T)/(r + x), in days"])
        }
        drivers.append(["factor": "seasonal-factor", "weight": .number(round(next.seasonalFactor, 4)),
                        "detail": .string("purchase-rate index of the expected month, estimated from the data")])
        drivers.append(["factor": "p-alive", "weight": .number(round(next.probabilityAlive, 4)), "detail": "BG/NBD probability that the client is still active"])
        document["predictions"] = [
            "value": .number(round(next.expectedInterval, 1)), "probability": .number(round(next.confidence, 4)),
            "date": .string(AnalyticsDate.day(next.expectedDate)),
            "keyDrivers": keyed(drivers, type: "keyDriver", by: "factor"),
            "recommendations": [.string(AdvisorWording.nextPurchase(forecast, predictions) ?? next.outreach)],
        ]
        if let window = next.window {
            // An open-ended window has no last day to name (its ten-year floor is not one).
            var range: JSONObject = ["earliest": .string(AnalyticsDate.day(window.earliest)), "level": .number(window.level)]
            if !window.isOpenEnded { range["latest"] = .string(AnalyticsDate.day(window.latest)) }
            document["predictions"] = .object((document["predictions"]?.objectValue ?? [:]).merging(["dateRange": .object(range)]) { _, new in new })
        }
        var projected: JSONObject = ["forecastedValue": .number(round(next.daysUntil, 1)), "timeframe": .string(timeframe(days: next.daysUntil))]
        var windowNote = ""
        if let window = next.window {
            if !window.isOpenEnded {
                projected["confidenceInterval"] = ["lower": .number(round(window.earliestDays, 1)), "upper": .number(round(window.latestDays, 1)),
                                                   "level": .number(window.level)]
            }
            windowNote = " predictions.dateRange (and forecast.confidenceInterval, in days; neither has an end past ten years) holds the next purchase with \(percent(window.level)) probability if the client buys again (P(alive) \(percent(window.probabilityAlive))), from BG/NBD's posterior wait stretched by the seasonal index; predictions.date is that wait's median, value the usual rhythm."
        }
        document["forecast"] = .object(projected)
        document["notes"] = .string("Expected \(AnalyticsDate.day(next.expectedDate)), \(Int(next.daysUntil.rounded())) days after \(AnalyticsDate.day(predictions.asOf))\(next.isOverdue ? " (overdue on the usual rhythm)" : ""); value is the blended interval in days, probability the confidence score.\(windowNote)")
        return document
    }

    static func affinity(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions) -> JSONObject? {
        guard forecast.summary != nil, !forecast.affinity.isEmpty else { return nil }
        var document = base(.affinity, client: forecast.history.id, algorithm: "association-rules+cosine")
        let drivers: [JSONObject] = forecast.affinity.map { entry in
            ["factor": .string(entry.category), "weight": .number(round(entry.score, 4)),
             "detail": .string("\(entry.rank.rawValue)\(entry.owned ? ", owned" : ""): \(entry.reason)")]
        }
        let recommended = forecast.affinity.filter { !$0.owned }.prefix(predictions.settings.affinityCount)
        let pieces = predictions.productsToShow(forecast.history.id, count: predictions.settings.affinityCount)
        let method = predictions.recommender.algorithm.title
        document["predictions"] = [
            "value": .number(round(recommended.first?.score ?? 0, 4)),
            "keyDrivers": keyed(drivers, type: "keyDriver", by: "factor"),
            "recommendations": .array(pieces.map { piece in .string("Show the \(piece.name) (\(method))") } + recommended.map { entry in
                .string("Present \(entry.category) (\(entry.rank.rawValue), \(String(format: "%.2f", entry.score))): \(entry.reason)")
            }),
        ]
        document["notes"] = .string("Recommendations: first the pieces to show, by the recommender the backtest chose (\(method)), then the categories the client does not own yet. keyDrivers hold every category's affinity (0–1, after the segment boost), highest first.")
        return document
    }

    static func upsell(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions) -> JSONObject? {
        guard forecast.summary != nil else { return nil }
        let assessment = forecast.upsell
        var document = base(.upsell, client: forecast.history.id, algorithm: "liza-tier-policy")
        var drivers: [JSONObject] = [
            ["factor": "contact-months", "weight": .number(round(assessment.contactMonths, 1)), "detail": "months since the first order or contact"],
            ["factor": "current-tier", "detail": .string(assessment.currentTier?.rawValue ?? "none")],
            ["factor": "eligible-tier", "detail": .string(assessment.eligibleTier?.rawValue ?? "none")],
        ]
        if let tier = assessment.recommendedTier {
            drivers.append(["factor": "recommended-tier", "detail": .string(tier.rawValue)])
        }
        let message = assessment.message.map { [JSONValue.string($0)] } ?? assessment.blockers.map { .string("No upgrade yet: \($0)") }
        document["predictions"] = ["value": .number(round(assessment.forecastLifetimeValue, 2)),
                                   "keyDrivers": keyed(drivers, type: "keyDriver", by: "factor"), "recommendations": .array(message)]
        document["notes"] = .string("value is the forecast lifetime value the tiers are checked against (\(forecast.modelValue == nil ? "brief heuristic" : "BG/NBD × Gamma-Gamma")); Gold Preferred from \(predictions.settings.currency.text(predictions.settings.upsell.goldThreshold)), Platinum Premier from \(predictions.settings.currency.text(predictions.settings.upsell.platinumThreshold)), after \(Int(predictions.settings.upsell.minimumContactMonths)) months of contact.")
        return document
    }

    // MARK: Shared

    /// `days` as the schema's nearest `forecast.timeframe` at or above it.
    static func timeframe(days: Double) -> String {
        switch days {
        case ..<31: "30-days"
        case ..<92: "90-days"
        case ..<184: "6-months"
        case ..<367: "1-year"
        default: "5-years"
        }
    }

    static func describe(_ scorer: ChurnScorer) -> String {
        switch scorer {
        case .briefHeuristic: "the brief's weighted heuristic"
        case .bgnbdDropout: "1 − P(alive) from BG/NBD"
        case .bgnbdNoPurchase: "BG/NBD's probability of no purchase within the client's window"
        }
    }

    /// `value` rounded to `places` decimals; non-finite values become 0 so that a document stays valid JSON.
    static func round(_ value: Double, _ places: Int) -> Double {
        guard value.isFinite else { return 0 }
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }

    static func percent(_ share: Double) -> String { "\(Int((share * 100).rounded()))%" }

    /// A probability in a sentence: as ``percent(_:)``, but a chance that is not nil is never
    /// "0%" nor one short of certain "100%" ("likely within the next 30 days: under 1%").
    static func chance(_ probability: Double) -> String {
        if probability > 0, probability < 0.005 { return "under 1%" }
        if probability < 1, probability >= 0.995 { return "over 99%" }
        return percent(probability)
    }

    /// Array members with `_type` and a `_key` made from `field` (unique within the array).
    static func keyed(_ items: [JSONObject], type: String, by field: String) -> JSONValue {
        var used = Set<String>()
        return .array(items.enumerated().map { index, item in
            var object: JSONObject = ["_key": .string(uniqueKey(item[field]?.stringValue ?? "item", index: index, used: &used)), "_type": .string(type)]
            for (key, value) in item { object[key] = value }
            return .object(object)
        })
    }

    static func uniqueKey(_ text: String, index: Int, used: inout Set<String>) -> String {
        var key: String
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            // The common case (factor names), without building a Character per letter.
            let bytes = text.utf8.prefix(40).map { byte -> UInt8 in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): byte
                default: UInt8(ascii: "-")
                }
            }
            key = String(decoding: bytes, as: UTF8.self)
        } else {
            key = String(text.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" }.prefix(40))
        }
        if key.isEmpty || !used.insert(key).inserted {
            key = "\(key)-\(index)"
            used.insert(key)
        }
        return key
    }
}
