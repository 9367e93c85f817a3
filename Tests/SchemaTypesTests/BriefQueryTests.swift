import FacetSchema
import FacetStore
import GROQ
import SchemaTypes
import Testing
import TestSupport

/// The four GROQ examples of the product brief, run against model runs and trend analyses of the
/// house's book.
@Suite("The brief's GROQ examples", .ownThread(computing: true))
struct BriefQueryTests {
    static let highRiskChurn = #"*[_type == "analyticsModel" && modelType == "churn-prediction" && predictions.riskLevel == "critical"]"#
    static let fiveYearLTV = #"*[_type == "analyticsModel" && modelType == "ltv-forecasting"] | order(forecast.forecastedValue desc)"#
    static let seasonalTrends = #"*[_type == "trendAnalysis" && trendType == "seasonal"] | order(dataPoints.percentageChange desc)"#
    static let energyAlignmentAsWritten = #"*[_type == "trendAnalysis" && trendType == "energy-alignment"] | select(impact, insights)"#
    static let energyAlignment = #"*[_type == "trendAnalysis" && trendType == "energy-alignment"]{impact, insights}"#

    static func churn(_ id: String, client: String, risk: String, probability: Double, at generatedAt: String) -> JSONValue {
        [
            "_id": .string(id), "_type": "analyticsModel", "name": .string("Churn risk: \(client)"), "modelType": "churn-prediction",
            "algorithm": "brief-heuristic", "modelVersion": "1.2.0",
            "predictions": ["value": .number(probability), "probability": .number(probability), "riskLevel": .string(risk)],
            "generatedAt": .string(generatedAt),
        ]
    }

    static func forecast(_ id: String, type: String, client: String, value: Double, lower: Double, upper: Double) -> JSONValue {
        [
            "_id": .string(id), "_type": "analyticsModel", "name": .string("Five-year value: \(client)"), "modelType": .string(type),
            "algorithm": "gamma-gamma",
            "forecast": ["forecastedValue": .number(value), "timeframe": "5-years",
                         "confidenceInterval": ["lower": .number(lower), "upper": .number(upper), "level": 0.9]],
            "generatedAt": "2025-11-30T06:00:00Z",
        ]
    }

    static func trend(_ id: String, type: String, title: String, change: Double) -> JSONValue {
        [
            "_id": .string(id), "_type": "trendAnalysis", "title": .string(title), "trendType": .string(type), "timeframe": "quarterly",
            "dataPoints": ["percentageChange": .number(change)], "generatedAt": "2026-01-05T07:00:00Z",
        ]
    }

    static let exceptionalImpact: JSONValue = ["revenueImpact": 640000, "customerCount": 212, "implementationEffort": "medium", "priority": "high"]
    static let exceptionalInsights: JSONValue = [
        "narrative": "Clients whose experiences are exceptionally aligned convert at twice the rate of the rest.",
        "keyFindings": ["Conversion 0.61 against 0.29", "Average order 4,180 against 2,260"],
    ]
    static let developingImpact: JSONValue = ["revenueImpact": 95000, "customerCount": 388, "implementationEffort": "high", "priority": "medium"]
    static let developingInsights: JSONValue = ["narrative": "Developing alignment shows no retention gain yet.", "keyFindings": ["Retention flat at 0.71"]]

    static let documents: [JSONValue] = [
        CRMSamples.churnModel,  // Amara Okafor, critical
        churn("model.churn.sofia-marchetti", client: "Sofia Marchetti", risk: "critical", probability: 0.91, at: "2025-11-30T06:00:00Z"),
        churn("model.churn.james-whitfield", client: "James Whitfield", risk: "high", probability: 0.66, at: "2025-11-30T06:00:00Z"),
        churn("model.churn.mei-lin-chen", client: "Mei-Lin Chen", risk: "low", probability: 0.08, at: "2025-11-30T06:00:00Z"),
        churn("model.upsell.amara-okafor", client: "Amara Okafor", risk: "critical", probability: 0.7, at: "2025-11-30T06:00:00Z")
            .edited("modelType", to: "upsell-opportunity").edited("name", to: "Upsell: Amara Okafor"),
        CRMSamples.ltvModel,  // Mei-Lin Chen, 245,000
        forecast("model.ltv.amara-okafor", type: "ltv-forecasting", client: "Amara Okafor", value: 98500, lower: 71000, upper: 126000),
        forecast("model.ltv.james-whitfield", type: "ltv-forecasting", client: "James Whitfield", value: 410000, lower: 302000, upper: 518000),
        forecast("model.next.james-whitfield", type: "next-purchase", client: "James Whitfield", value: 999000, lower: 1, upper: 1_000_000),
        CRMSamples.seasonalTrend,  // +34.5 %
        trend("trend.seasonal.february-lull", type: "seasonal", title: "The February lull", change: -8.25),
        trend("trend.seasonal.bridal", type: "seasonal", title: "Bridal season starts earlier", change: 12),
        trend("trend.cultural.lunar-new-year", type: "cultural-preferences", title: "Lunar new year gifting", change: 51),
        trend("trend.energy.exceptional", type: "energy-alignment", title: "Exceptional alignment converts", change: 22)
            .edited("impact", to: exceptionalImpact).edited("insights", to: exceptionalInsights),
        trend("trend.energy.developing", type: "energy-alignment", title: "Developing alignment", change: 1.5)
            .edited("impact", to: developingImpact).edited("insights", to: developingInsights),
    ]

    private func withBook(_ body: (Dataset) throws -> Void) throws {
        try CRM.withStore { dataset in
            try dataset.mutate(Self.documents.map(CRM.create))
            try body(dataset)
        }
    }

    @Test func theDocumentsAreValid() {
        for document in Self.documents {
            #expect(CRM.markers(document) == [], "\(document["_id"]?.stringValue ?? "?")")
        }
    }

    @Test func highRiskChurnFindsTheCriticalChurnPredictionsOnly() throws {
        try withBook { dataset in
            let found = try dataset.query(Self.highRiskChurn)
            #expect(Set(CRM.ids(found)) == ["model.churn.amara-okafor.2025-11", "model.churn.sofia-marchetti"])
            #expect(found.arrayValue?.count == 2)
        }
    }

    @Test func fiveYearLTVListsTheLifetimeValueForecastsHighestFirst() throws {
        try withBook { dataset in
            let found = try dataset.query(Self.fiveYearLTV)
            #expect(CRM.ids(found) == ["model.ltv.james-whitfield", "model.ltv.mei-lin-chen.2025-11", "model.ltv.amara-okafor"])
            let values = try dataset.query(Self.fiveYearLTV + ".forecast.forecastedValue")
            #expect(values == [410000, 245000, 98500])
        }
    }

    @Test func seasonalTrendsAreOrderedByChangeBiggestFirst() throws {
        try withBook { dataset in
            let found = try dataset.query(Self.seasonalTrends)
            #expect(CRM.ids(found) == ["trend.seasonal.2025", "trend.seasonal.bridal", "trend.seasonal.february-lull"])
        }
    }

    @Test func theEnergyAlignmentExampleAsWrittenIsNotGROQAndSaysWhere() throws {
        try withBook { dataset in
            let refused = CRM.refusal { _ = try dataset.query(Self.energyAlignmentAsWritten) }
            #expect(refused?.type == "queryParseError")
            #expect(refused?.status == 400)
            #expect(refused?.message == """
                invalid GROQ query at line 1, column 66: select() is not a pipe function: only order() and score() can follow '|'. \
                To pick fields, use a projection instead: `{impact, insights}`.
                  *[_type == "trendAnalysis" && trendType == "energy-alignment"] | select(impact, insights)
                                                                                   ^
                """)
        }
    }

    @Test func theEnergyAlignmentExampleAsAProjectionReturnsImpactAndInsights() throws {
        try withBook { dataset in
            let found = try dataset.query(Self.energyAlignment)
            #expect(Set(found.arrayValue ?? []) == [
                ["impact": Self.exceptionalImpact, "insights": Self.exceptionalInsights],
                ["impact": Self.developingImpact, "insights": Self.developingInsights],
            ])
            #expect(found.arrayValue?.count == 2)
        }
    }

    @Test func theExamplesNameFieldsTheModelDeclares() throws {
        let paths: [(type: String, path: String)] = [
            ("analyticsModel", "modelType"), ("analyticsModel", "predictions.riskLevel"), ("analyticsModel", "forecast.forecastedValue"),
            ("trendAnalysis", "trendType"), ("trendAnalysis", "dataPoints.percentageChange"), ("trendAnalysis", "impact"),
            ("trendAnalysis", "insights"),
        ]
        for (type, path) in paths {
            var fields = try #require(CRM.schema.type(named: type)).fields
            var field: Field?
            for name in path.split(separator: ".") {
                field = fields.first { $0.name == name }
                if case .object(let nested)? = field?.type { fields = nested } else { fields = [] }
            }
            #expect(field != nil, "\(type).\(path)")
        }
        #expect(AnalyticsModelTests.options("analyticsModel", "modelType").contains("churn-prediction"))
        #expect(AnalyticsModelTests.options("analyticsModel", "modelType").contains("ltv-forecasting"))
        #expect(AnalyticsModelTests.options("analyticsModel", "predictions.riskLevel").contains("critical"))
        #expect(AnalyticsModelTests.options("trendAnalysis", "trendType").contains("seasonal"))
        #expect(AnalyticsModelTests.options("trendAnalysis", "trendType").contains("energy-alignment"))
    }
}
