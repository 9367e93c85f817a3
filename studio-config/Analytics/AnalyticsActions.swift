import FacetAnalytics
import FacetSchema
import FacetStore
import Foundation
import GROQ

/// The predictive-analytics actions: five on a client (one per model), and three on the
/// analytics documents that refresh the whole book. Parameters are described by
/// ``PredictionSettings``; every action reads the clientele with GROQ as its caller, fits the
/// models away from the server's event loops, and writes through the mutation pipeline.
extension CRMActions {
    /// The analytics actions, in the order the studio lists them.
    public static let analytics: [DocumentAction] = [
        predictChurn, forecastLifetimeValue, predictNextPurchase, scoreAffinity, checkUpsell,
        refreshPredictions, refreshTrends, refreshDashboard,
    ]

    /// Churn risk of one client: the calibrated probability of no purchase within the client's own
    /// window, the value it puts at risk and the house's level, beside the brief's heuristic with
    /// its drivers and interventions. Result: `probability`, `riskLevel`, `valueAtRisk`,
    /// `usualIntervalDays`, `windowDays`, `heuristicScore`, `heuristicRiskLevel`, `scores`, `scorer`.
    public static let predictChurn = clientAction(
        "predict-churn", title: "Predict churn", type: .churn,
        description: "Scores the client's risk of not buying again on their usual rhythm and suggests interventions."
    ) { forecast, predictions in
        var scores: JSONObject = [:]
        for scorer in ChurnScorer.allCases { if let score = forecast.churnScores[scorer] { scores[scorer.rawValue] = .number(ModelDocuments.round(score, 4)) } }
        let data: JSONObject = [
            "probability": .number(ModelDocuments.round(forecast.churnScore, 4)), "riskLevel": .string(forecast.churnLevel.rawValue),
            "valueAtRisk": .number(ModelDocuments.round(forecast.valueAtRisk, 2)),
            "usualIntervalDays": forecast.usualInterval.map { .number(ModelDocuments.round($0, 1)) } ?? .null,
            "windowDays": forecast.lapseWindow.map { .number(ModelDocuments.round($0, 1)) } ?? .null,
            "scorer": .string(predictions.churnScorer.rawValue), "calibration": predictions.calibration.map { .string($0.calibrator.method.rawValue) } ?? .null,
            "heuristicScore": .number(ModelDocuments.round(forecast.heuristic.score, 4)),
            "heuristicRiskLevel": .string(forecast.heuristic.riskLevel.rawValue), "scores": .object(scores),
        ]
        return (AdvisorWording.churn(forecast, predictions, today: Date())
            + " (brief heuristic: \(forecast.heuristic.riskLevel.rawValue), \(String(format: "%.2f", forecast.heuristic.score)))", data)
    }

    /// The client's discounted lifetime value (BG/NBD × Gamma-Gamma), with the brief's heuristic
    /// kept for comparison, and key drivers. Result: `forecast`, `briefHeuristic`, `months`, `drivers`, `currency`.
    public static let forecastLifetimeValue = clientAction(
        "forecast-lifetime-value", title: "Forecast lifetime value", type: .lifetimeValue,
        description: "Forecasts what the client will spend over the next five years, with the brief's heuristic beside it."
    ) { forecast, predictions in
        let model = forecast.modelValue?.value, brief = forecast.briefValue?.value ?? 0
        let data: JSONObject = [
            "forecast": model.map { .number(ModelDocuments.round($0, 2)) } ?? .null, "briefHeuristic": .number(ModelDocuments.round(brief, 2)),
            "months": .number(Double(predictions.settings.months)), "currency": .string(predictions.settings.currency.code),
            "drivers": .array((forecast.modelValue?.drivers ?? forecast.briefValue?.drivers ?? []).map { .string($0.input) }),
        ]
        // One figure to act on; the brief's heuristic stays in the result and the document's details.
        return (AdvisorWording.lifetimeValue(forecast, predictions, today: Date()) ?? "No order to forecast from", data)
    }

    /// When the client will next buy, with a confidence score. Result: `expectedDate`,
    /// `daysUntil`, `interval`, `confidence`, `overdue`, `dueDate`, `purchaseWithin30Days` and
    /// `window` (`earliest`, `latest` — null past ten years, when `openEnded` —, `level`,
    /// `probabilityAlive`; null without a model).
    public static let predictNextPurchase = clientAction(
        "predict-next-purchase", title: "Predict next purchase", type: .nextPurchase,
        description: "Estimates when the client will next buy, adjusted for the season, the 80% window for the date, and when to reach out."
    ) { forecast, predictions in
        guard let next = forecast.nextPurchase else { return ("The client has no purchase to start from", [:]) }
        let data: JSONObject = [
            "expectedDate": .string(AnalyticsDate.day(next.expectedDate)), "daysUntil": .number(ModelDocuments.round(next.daysUntil, 1)),
            "interval": .number(ModelDocuments.round(next.expectedInterval, 1)), "confidence": .number(ModelDocuments.round(next.confidence, 4)),
            "overdue": .bool(next.isOverdue), "dueDate": .string(AnalyticsDate.day(next.dueDate)),
            "purchaseWithin30Days": forecast.purchaseWithin30Days.map { .number(ModelDocuments.round($0, 4)) } ?? .null,
            "window": next.window.map { window -> JSONValue in
                ["earliest": .string(AnalyticsDate.day(window.earliest)), "latest": window.isOpenEnded ? .null : .string(AnalyticsDate.day(window.latest)),
                 "openEnded": .bool(window.isOpenEnded), "level": .number(window.level),
                 "probabilityAlive": .number(ModelDocuments.round(window.probabilityAlive, 4))]
            } ?? .null,
        ]
        return (AdvisorWording.nextPurchase(forecast, predictions, today: Date()) ?? next.outreach, data)
    }

    /// The client's affinity for each product category. Result: `categories` (category, score,
    /// rank, owned) and `recommended`.
    public static let scoreAffinity = clientAction(
        "score-affinity", title: "Score product affinity", type: .affinity,
        description: "Scores the client's affinity for each product category from what clients like them buy together."
    ) { forecast, predictions in
        let recommended = forecast.affinity.filter { !$0.owned }.prefix(predictions.settings.affinityCount)
        let data: JSONObject = [
            "categories": .array(forecast.affinity.map { entry in
                ["category": .string(entry.category), "score": .number(ModelDocuments.round(entry.score, 4)), "rank": .string(entry.rank.rawValue),
                 "owned": .bool(entry.owned)]
            }),
            "recommended": .array(recommended.map { .string($0.category) }),
        ]
        guard !recommended.isEmpty else { return ("The client already owns every category; the strongest is \(forecast.affinity.first?.category ?? "none")", data) }
        return ("Categories to present: " + recommended.map { "\($0.category) (\($0.rank.rawValue))" }.joined(separator: ", "), data)
    }

    /// Whether to invite the client to a higher LIZA tier, with a personalised message. Result:
    /// `recommendedTier`, `eligibleTier`, `forecastLifetimeValue`, `contactMonths`, `blockers`.
    public static let checkUpsell = clientAction(
        "check-upsell", title: "Check upsell", type: .upsell,
        description: "Checks whether the client qualifies for a higher LIZA tier and drafts the invitation."
    ) { forecast, predictions in
        let upsell = forecast.upsell
        let data: JSONObject = [
            "recommendedTier": upsell.recommendedTier.map { .string($0.rawValue) } ?? .null,
            "eligibleTier": upsell.eligibleTier.map { .string($0.rawValue) } ?? .null,
            "forecastLifetimeValue": .number(ModelDocuments.round(upsell.forecastLifetimeValue, 2)),
            "contactMonths": .number(ModelDocuments.round(upsell.contactMonths, 1)),
            "blockers": .array(upsell.blockers.map(JSONValue.string)),
        ]
        guard let tier = upsell.recommendedTier else { return ("No upgrade yet: " + upsell.blockers.joined(separator: "; "), data) }
        return ("Invite to \(tier.title): forecast value \(predictions.settings.currency.text(upsell.forecastLifetimeValue)); the invitation is in the upsell document", data)
    }

    /// An action on a client that runs every model and writes the client's document of `type`.
    static func clientAction(_ name: String, title: String, type: ModelDocuments.ModelType, description: String,
                             summary: @escaping @Sendable (ClientelePredictions.ClientForecast, ClientelePredictions) -> (String, JSONObject))
        -> DocumentAction
    {
        DocumentAction(name, title: title, description: description, types: clientTypes) { context in
            let settings = try PredictionSettings(params: context.params)
            let id = context.documentID
            let predictions: ClientelePredictions, forecast: ClientelePredictions.ClientForecast?
            var fitted: Date?
            if let entry = await PredictionMemory.shared.models(for: context.dataset, settings: settings.model) {
                // The models of this server's last refresh, and the client as they are now.
                context.progress("reading the client", 0)
                let update = try await ClienteleHistories.read(context, clients: [id])
                let bought = Dictionary(grouping: update.productPurchases, by: \.customer).mapValues { $0.map(\.product) }
                predictions = entry.predictions.moved(to: settings.asOf ?? update.asOf, purchases: bought)
                forecast = try await context.blocking { try update.history(of: id).map(predictions.forecast(for:)) }
                fitted = entry.fitted
            } else {
                context.progress("reading the clientele", 0)
                let clientele = try await ClienteleHistories.read(context)
                // The models are fitted on the whole clientele, so one client's prediction takes most of a full refit.
                context.progress("fitting the models", 0.3)
                (predictions, forecast) = try await context.blocking { () throws -> (ClientelePredictions, ClientelePredictions.ClientForecast?) in
                    let predictions = try ClientelePredictions(clientele, settings: settings)
                    return (predictions, try clientele.history(of: id).map(predictions.forecast(for:)))
                }
            }
            guard let forecast, let document = ModelDocuments.clientDocuments(forecast, predictions: predictions, types: [type]).first else {
                return ActionResult(message: "Nothing to predict yet: the client has no order before \(AnalyticsDate.day(predictions.asOf))", tone: .info,
                                    data: ["asOf": .string(AnalyticsDate.day(predictions.asOf))])
            }
            context.progress("writing the prediction", 0.9)
            let outcome = try await GeneratedDocuments.replace([document], type: "analyticsModel", prefixes: [], context: context)
            var (message, data) = summary(forecast, predictions)
            data["asOf"] = .string(AnalyticsDate.day(predictions.asOf))
            data["documentId"] = document["_id"] ?? .null
            if let fitted { data["modelsFitted"] = .string(AnalyticsDate.dateTime(fitted)) }
            if outcome.written.isEmpty { message += "; unchanged since the last run" }
            return ActionResult(message: message, tone: outcome.written.isEmpty ? .info : .success, transactionId: outcome.transactionIDs.last,
                                writtenIDs: outcome.written, data: data)
        }
    }
}
