import FacetSchema
import FacetStore
import Foundation
import GROQ

/// The widgets the analytics refresh puts on a dashboard: each a GROQ query over the documents
/// the refresh writes, so that the studio draws the current figures without the dashboard
/// holding copies of them.
///
/// Widgets are keyed `analytics-…`; a refresh replaces those and keeps every other widget an
/// editor added.
public enum DashboardWidgets {
    /// One widget: key, title, kind and query.
    public struct Widget: Sendable {
        public var key: String
        public var title: String
        public var kind: String
        public var query: String
        public var refreshMinutes: Int
    }

    static let clientModel = #"_type == "analyticsModel" && defined(customer)"#

    /// The analytics widgets, in the order the dashboard shows them.
    public static let widgets: [Widget] = [
        Widget(key: "analytics-churn-risk", title: "Churn risk distribution", kind: "donut-chart", query: """
            {"critical": count(*[\(clientModel) && modelType == "churn-prediction" && predictions.riskLevel == "critical"]), \
            "high": count(*[\(clientModel) && modelType == "churn-prediction" && predictions.riskLevel == "high"]), \
            "medium": count(*[\(clientModel) && modelType == "churn-prediction" && predictions.riskLevel == "medium"]), \
            "low": count(*[\(clientModel) && modelType == "churn-prediction" && predictions.riskLevel == "low"])}
            """, refreshMinutes: 60),
        Widget(key: "analytics-ltv-forecast", title: "Five-year value forecast, top clients", kind: "table", query: """
            *[\(clientModel) && modelType == "ltv-forecasting"] | order(forecast.forecastedValue desc)[0...20]\
            {"client": customer->name, "forecast": forecast.forecastedValue, "briefHeuristic": predictions.value}
            """, refreshMinutes: 60),
        Widget(key: "analytics-ltv-chart", title: "Five-year value forecast, top ten clients", kind: "bar-chart", query: """
            *[\(clientModel) && modelType == "ltv-forecasting"] | order(forecast.forecastedValue desc)[0...10]\
            {"label": customer->name, "forecast": forecast.forecastedValue}
            """, refreshMinutes: 60),
        Widget(key: "analytics-seasonal-revenue", title: "Monthly revenue and season", kind: "line-chart", query: """
            *[_type == "trendAnalysis" && trendType == "seasonal"][0]{"series": dataPoints.series, "peak": dataPoints.topCategories}
            """, refreshMinutes: 1440),
        trendChart("cultural-preferences", "Cultural preferences: lift of heritage × category", measure: "lift"),
        trendChart("musical-jewelry-correlation", "Music and design: association (phi)", measure: "phi"),
        trendChart("engagement-effectiveness", "Engagement: revenue per contact by channel", measure: "revenue"),
        trendChart("collection-performance", "Collections: revenue in the latest period", measure: "revenue"),
        trendChart("experience-adoption", "Experience adoption rate by segment", measure: "rate"),
        trendChart("energy-alignment", "Energy alignment: revenue per client by level", measure: "revenue"),
        Widget(key: "analytics-trends", title: "Trend dimensions", kind: "table", query: """
            *[_type == "trendAnalysis"] | order(dataPoints.percentageChange desc)\
            {title, trendType, "change": dataPoints.percentageChange, "priority": impact.priority, "narrative": insights.narrative}
            """, refreshMinutes: 1440),
        Widget(key: "analytics-churn-backtest", title: "Churn models, backtest performance", kind: "table", query: """
            *[_type == "analyticsModel" && modelType == "churn-prediction" && !defined(customer)] | order(performance.auc desc)\
            {algorithm, "auc": performance.auc, "accuracy": performance.accuracy, "precision": performance.precision, \
            "recall": performance.recall, "f1": performance.f1Score}
            """, refreshMinutes: 1440),
        Widget(key: "analytics-upsell", title: "LIZA upgrade candidates", kind: "list", query: """
            *[\(clientModel) && modelType == "upsell-opportunity" && "recommended-tier" in predictions.keyDrivers[].factor] \
            | order(predictions.value desc){"client": customer->name, "forecast": predictions.value, \
            "tier": predictions.keyDrivers[factor == "recommended-tier"][0].detail}
            """, refreshMinutes: 1440),
    ]

    /// A bar chart of one trend dimension's top categories, its measure named so that the studio
    /// formats it (`revenue` as money, `rate` as a percentage, others as numbers).
    static func trendChart(_ dimension: String, _ title: String, measure: String) -> Widget {
        Widget(key: "analytics-trend-" + dimension, title: title, kind: "bar-chart", query: """
            *[_type == "trendAnalysis" && trendType == "\(dimension)"][0].dataPoints.topCategories[]{"label": category, "\(measure)": value}
            """, refreshMinutes: 1440)
    }

    /// Points the action's dashboard (published, and its draft when there is one) at `models`
    /// and `trends` and puts the analytics widgets on it. Nothing is written when the dashboard
    /// already shows all of that; `lastRefreshed` moves when `changed` or the dashboard did.
    static func update(_ context: ActionContext, models: [String], trends: [String], changed: Bool) async throws -> GeneratedDocuments.Outcome {
        let versions = try await context.query(#"*[_id in [$id, "drafts." + $id]]{_id, widgets, models, trends}"#,
                                               params: ["id": .string(context.documentID)], perspective: .raw)
        var mutations: [Mutation] = []
        let stamp = JSONValue.string(AnalyticsDate.dateTime(Date()))
        for version in versions.arrayValue ?? [] {
            guard let id = version["_id"]?.stringValue else { continue }
            let own = Set(widgets.map(\.key))
            let kept = (version["widgets"]?.arrayValue ?? []).filter { !own.contains($0["_key"]?.stringValue ?? "") }
            let fields: JSONObject = [
                "widgets": .array(kept + widgets.map { widget in
                    ["_key": .string(widget.key), "_type": "widget", "title": .string(widget.title), "kind": .string(widget.kind),
                     "query": .string(widget.query), "refreshMinutes": .number(Double(widget.refreshMinutes))]
                }),
                "models": references(models), "trends": references(trends),
            ]
            let same = fields.allSatisfy { version[$0.key] == $0.value }
            guard !same || changed else { continue }
            var set = fields
            set["lastRefreshed"] = stamp
            mutations.append(.patch(try PatchMutation(json: ["id": .string(id), "set": .object(set)])))
        }
        var outcome = GeneratedDocuments.Outcome()
        guard !mutations.isEmpty else { return outcome }
        let result = try await context.mutate(mutations)
        outcome.transactionIDs.append(result.transactionId)
        outcome.written = result.results.filter { $0.operation != "none" }.map(\.id)
        return outcome
    }

    static func references(_ ids: [String]) -> JSONValue {
        .array(ids.map { id in ["_key": .string(String(id.suffix(60)).replacingOccurrences(of: ".", with: "-")), "_type": "reference", "_ref": .string(id), "_weak": true] })
    }
}
