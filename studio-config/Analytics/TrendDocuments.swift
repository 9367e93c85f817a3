import FacetAnalytics
import Foundation
import GROQ

/// The brief's seven trend dimensions computed from a clientele, and the `trendAnalysis`
/// document each becomes (`trend.<dimension>`: one per dimension, replaced by every run).
///
/// What each dimension reads:
/// - seasonal: every kept order's total by date;
/// - cultural preferences: order lines by the buyer's heritage and the product's category;
/// - musical–jewelry correlation: the genres and design aesthetics of each creative profile;
/// - engagement effectiveness: each interaction's channel, whether it ended in a purchase, and
///   the total of the order it names;
/// - collection performance: order lines by product category;
/// - experience adoption: clients by segment, adopted when a creative profile lists an
///   experience they took up (dated by its capture);
/// - energy alignment: clients by alignment level, their contacts, conversions and orders,
///   retained when they ordered in the last year before the as-of date.
///
/// ```swift
/// let analyses = ClienteleTrends.analyse(clientele)
/// analyses.reports.first?.dimension   // .seasonal
/// analyses.skipped                    // dimensions without the data they need, and why
/// ```
public enum ClienteleTrends {
    /// The reports computed, and the dimensions that could not be (with the reason).
    public struct Analyses: Sendable {
        public var reports: [TrendReport]
        public var skipped: [(dimension: TrendReport.Dimension, reason: String)]
        /// Calendar-month seasonal index of revenue (January first), when there were three months of orders.
        public var seasonalIndex: [Double?]
    }

    /// The id of the document of `dimension`.
    public static func documentID(_ dimension: TrendReport.Dimension) -> String { "trend.\(dimension.rawValue)" }

    /// Computes the seven dimensions.
    public static func analyse(_ clientele: ClienteleHistories, periodDays: Double = 365) -> Analyses {
        let asOf = clientele.asOf
        var reports: [TrendReport] = [], skipped: [(TrendReport.Dimension, String)] = []
        func run(_ dimension: TrendReport.Dimension, _ body: () throws(AnalyticsError) -> TrendReport) {
            do { reports.append(try body()) } catch { skipped.append((dimension, error.description)) }
        }
        let orders = clientele.orders.filter { $0.date < asOf }
        let revenue = orders.map { DatedAmount(date: $0.date, amount: $0.total) }
        run(.seasonal) { () throws(AnalyticsError) in try Trends.seasonal(revenue, periodDays: periodDays) }

        var heritage: [String: [String]] = [:], segments: [String: String] = [:]
        for history in clientele.histories {
            heritage[history.id] = history.profile.culturalHeritage
            segments[history.id] = history.segment.rawValue
        }
        let lines = orders.flatMap { order in
            order.lines.compactMap { line in line.category.map { (order: order, category: $0, amount: line.amount) } }
        }
        let purchases = lines.map { HeritagePurchase(date: $0.order.date, heritage: heritage[$0.order.customerID] ?? [], category: $0.category, amount: $0.amount) }
        run(.culturalPreferences) { () throws(AnalyticsError) in try Trends.culturalPreferences(purchases, periodDays: periodDays) }

        let profiles = clientele.histories.filter { !$0.profile.musicalPreferences.isEmpty || !$0.profile.designAesthetics.isEmpty }
            .map { (genres: $0.profile.musicalPreferences, aesthetics: $0.profile.designAesthetics) }
        run(.musicalJewelryCorrelation) { () throws(AnalyticsError) in try Trends.musicalJewelryCorrelation(profiles) }

        let contacts = clientele.contacts.filter { $0.date < asOf }
            .map { ContactOutcome(date: $0.date, channel: $0.channel, converted: $0.converted, revenue: $0.revenue) }
        run(.engagementEffectiveness) { () throws(AnalyticsError) in try Trends.engagementEffectiveness(contacts) }

        let sales = lines.map { DatedAmount(date: $0.order.date, amount: $0.amount, category: $0.category) }
        run(.collectionPerformance) { () throws(AnalyticsError) in try Trends.collectionPerformance(sales, periodDays: periodDays) }

        let uptake = clientele.histories.map { history in
            ExperienceUptake(segment: history.segment.rawValue, adoptedAt: clientele.experienceAdoption[history.id].flatMap { $0 < asOf ? $0 : nil })
        }
        run(.experienceAdoption) { () throws(AnalyticsError) in try Trends.experienceAdoption(uptake) }

        var contactCounts: [String: (contacts: Int, conversions: Int)] = [:]
        for contact in clientele.contacts where contact.date < asOf {
            contactCounts[contact.customerID, default: (0, 0)].contacts += 1
            if contact.converted { contactCounts[contact.customerID, default: (0, 0)].conversions += 1 }
        }
        let lastYear = AnalyticsCalendar.adding(days: -365, to: asOf)
        let outcomes = clientele.histories.map { history in
            let counts = contactCounts[history.id] ?? (0, 0)
            let known = history.orders.filter { $0.date < asOf }
            return AlignmentOutcome(level: history.energyAlignment?.rawValue ?? "unassessed", contacts: counts.contacts,
                                    conversions: counts.conversions, orderAmounts: known.map(\.amount),
                                    retained: known.contains { $0.date >= lastYear })
        }
        run(.energyAlignment) { () throws(AnalyticsError) in try Trends.energyAlignmentImpact(outcomes) }

        let index = (try? MonthlySeries(revenue))?.index ?? []
        return Analyses(reports: reports, skipped: skipped, seasonalIndex: index)
    }

    /// The `trendAnalysis` document of `report`. For the seasonal dimension the whole monthly
    /// index is added to the statistics (`seasonalIndex01` … `seasonalIndex12`).
    public static func document(_ report: TrendReport, seasonalIndex: [Double?] = []) -> JSONObject {
        func entries(_ items: [TrendReport.Entry], type: String, label: String) -> JSONValue {
            ModelDocuments.keyed(items.map { [label: .string($0.label), "value": .number(ModelDocuments.round($0.value, 4))] },
                                 type: type, by: label)
        }
        var dataPoints: JSONObject = [
            "total": .number(ModelDocuments.round(report.total, 2)), "average": .number(ModelDocuments.round(report.average, 4)),
            "topCategories": entries(report.topCategories, type: "categoryValue", label: "category"),
            "bottomCategories": entries(report.bottomCategories, type: "categoryValue", label: "category"),
            "series": entries(report.series, type: "point", label: "label"),
        ]
        if let change = report.percentageChange, change.isFinite { dataPoints["percentageChange"] = .number(ModelDocuments.round(change, 2)) }
        var statistics = report.statistics.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        if report.dimension == .seasonal {
            for (month, value) in seasonalIndex.enumerated() {
                if let value { statistics.append((String(format: "seasonalIndex%02d", month + 1), value)) }
            }
        }
        var document: JSONObject = [
            "_id": .string(documentID(report.dimension)), "_type": "trendAnalysis", "title": .string(report.title),
            "trendType": .string(report.dimension.rawValue), "timeframe": .string(report.timeframe),
            "dataPoints": .object(dataPoints),
            "insights": ["narrative": .string(report.narrative), "keyFindings": .array(report.keyFindings.map(JSONValue.string)),
                         "patterns": .array(report.patterns.map(JSONValue.string)), "anomalies": .array(report.anomalies.map(JSONValue.string))],
            "impact": ["revenueImpact": .number(ModelDocuments.round(report.revenueImpact, 2)), "customerCount": .number(Double(report.customerCount)),
                       "implementationEffort": .string(report.implementationEffort), "priority": .string(report.priority.rawValue)],
            "recommendations": .array(report.recommendations.map(JSONValue.string)),
            "statistics": ModelDocuments.keyed(statistics.filter { $0.1.isFinite }.map { ["name": .string($0.0), "value": .number(ModelDocuments.round($0.1, 6))] },
                                               type: "statistic", by: "name"),
        ]
        if let start = report.periodStart { document["periodStart"] = .string(AnalyticsDate.day(start)) }
        if let end = report.periodEnd.map(AnalyticsDate.day), end > (report.periodStart.map(AnalyticsDate.day) ?? "") {
            document["periodEnd"] = .string(end)
        }
        return document
    }
}
