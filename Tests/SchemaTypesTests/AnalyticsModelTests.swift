import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Analytics models", .ownThread(computing: true))
struct AnalyticsModelTests {
    /// The string options of `type.path`, where `path` names fields of nested objects (`forecast.timeframe`).
    static func options(_ type: String, _ path: String) -> [String] {
        var fields = CRM.schema.type(named: type)?.fields ?? []
        var found: Field?
        for name in path.split(separator: ".") {
            found = fields.first { $0.name == name }
            if case .object(let nested)? = found?.type { fields = nested }
        }
        guard case .string(let options, _)? = found?.type else { return [] }
        return options.compactMap(\.value.stringValue)
    }

    @Test func theFivePredictiveModelsOfTheBriefAndTheWorklist() {
        #expect(Self.options("analyticsModel", "modelType") == [
            "churn-prediction", "ltv-forecasting", "next-purchase", "product-affinity", "upsell-opportunity", "clienteling-worklist",
        ])
        #expect(Self.options("analyticsModel", "predictions.riskLevel") == ["critical", "high", "medium", "low"])
        #expect(Self.options("analyticsModel", "forecast.timeframe") == ["30-days", "90-days", "6-months", "1-year", "5-years"])
        #expect(Self.options("analyticsModel", "trainingData.retrainSchedule") == ["daily", "weekly", "monthly", "quarterly"])
    }

    @Test func theSevenTrendDimensionsAndTimeframesOfTheBrief() {
        #expect(Self.options("trendAnalysis", "trendType") == [
            "seasonal", "cultural-preferences", "musical-jewelry-correlation", "engagement-effectiveness", "collection-performance",
            "experience-adoption", "energy-alignment",
        ])
        #expect(Self.options("trendAnalysis", "timeframe") == ["daily", "weekly", "monthly", "quarterly", "yearly", "multi-year"])
        #expect(Self.options("trendAnalysis", "impact.priority") == ["critical", "high", "medium", "low"])
        #expect(Self.options("trendAnalysis", "impact.implementationEffort") == ["low", "medium", "high"])
    }

    @Test func aModelRunNeedsNameTypeAndAlgorithm() {
        let run = CRMSamples.churnModel.without("name", "modelType", "algorithm")
        #expect(CRM.markers(run) == ["error at name: Required", "error at modelType: Required", "error at algorithm: Required"])
        #expect(CRM.markers(CRMSamples.churnModel.edited("modelType", to: "clv")) == [
            "error at modelType: Must be one of \"churn-prediction\", \"ltv-forecasting\", \"next-purchase\", \"product-affinity\", \"upsell-opportunity\", \"clienteling-worklist\"",
        ])
    }

    @Test(arguments: ["v2", "2", "1.2.0-beta", "1.2.3.4"])
    func versionsAreDottedNumbers(_ version: String) {
        #expect(CRM.markers(CRMSamples.churnModel.edited("modelVersion", to: .string(version))) == [
            "error at modelVersion: Does not match the version number",
        ])
    }

    @Test func performanceMetricsAreFractions() {
        let run = CRMSamples.churnModel
            .edited("performance.accuracy", to: 87)
            .edited("performance.recall", to: -0.1)
            .edited("performance.auc", to: 1)
        #expect(CRM.markers(run) == [
            "error at performance.accuracy: Must be less than or equal to 1",
            "error at performance.recall: Must be greater than or equal to 0",
        ])
    }

    @Test func trainingDataAndParametersAreChecked() {
        let run = CRMSamples.churnModel
            .edited("trainingData.datasetSize", to: 4812.5)
            .edited("trainingData.features", to: ["ltvTrend", "ltvTrend"])
            .edited("trainingData.retrainSchedule", to: "yearly")
            .edited("parameters.0.standardError", to: -0.04)
            .without("parameters.0.value")
        #expect(CRM.markers(run) == [
            "error at trainingData.datasetSize: Must be an integer",
            "error at trainingData.features: Can't be a duplicate",
            "error at trainingData.retrainSchedule: Must be one of \"daily\", \"weekly\", \"monthly\", \"quarterly\"",
            "error at parameters[_key==\"p1\"].value: Required",
            "error at parameters[_key==\"p1\"].standardError: Must be greater than or equal to 0",
        ])
    }

    @Test func predictionsCarryAProbabilityARiskLevelAndNamedDrivers() {
        let run = CRMSamples.churnModel
            .edited("predictions.probability", to: 1.2)
            .edited("predictions.riskLevel", to: "severe")
            .without("predictions.keyDrivers.1.factor")
        #expect(CRM.markers(run) == [
            "error at predictions.probability: Must be less than or equal to 1",
            "error at predictions.riskLevel: Must be one of \"critical\", \"high\", \"medium\", \"low\"",
            "error at predictions.keyDrivers[_key==\"k2\"].factor: Required",
        ])
    }

    @Test func theIntervalsUpperBoundIsNotBelowItsLowerBound() {
        let run = CRMSamples.ltvModel.edited("forecast.confidenceInterval.upper", to: 150000)
        #expect(CRM.markers(run) == [
            "error at forecast.confidenceInterval.upper: The upper bound is below the lower bound (198000.0)",
        ])
    }

    @Test func theForecastLiesInsideItsInterval() {
        #expect(CRM.markers(CRMSamples.ltvModel.edited("forecast.forecastedValue", to: 310000)) == [
            "error at forecast.confidenceInterval.upper: The forecasted value (310000.0) lies outside the interval [198000.0, 291000.0]",
        ])
        #expect(CRM.markers(CRMSamples.ltvModel.edited("forecast.forecastedValue", to: 150000)) == [
            "error at forecast.confidenceInterval.upper: The forecasted value (150000.0) lies outside the interval [198000.0, 291000.0]",
        ])
        // On the bounds is inside.
        #expect(CRM.markers(CRMSamples.ltvModel.edited("forecast.forecastedValue", to: 291000)) == [])
    }

    @Test func theConfidenceLevelIsStrictlyBetweenZeroAndOne() {
        let run = { (level: JSONValue) in CRM.markers(CRMSamples.ltvModel.edited("forecast.confidenceInterval.level", to: level)) }
        #expect(run(90) == ["error at forecast.confidenceInterval.level: Must be less than 1"])
        #expect(run(1) == ["error at forecast.confidenceInterval.level: Must be less than 1"])
        #expect(run(0) == ["error at forecast.confidenceInterval.level: Must be greater than 0"])
        #expect(run(0.95) == [])
    }

    @Test func theForecastTimeframeIsOneOfTheHorizons() {
        #expect(CRM.markers(CRMSamples.ltvModel.edited("forecast.timeframe", to: "10-years")) == [
            "error at forecast.timeframe: Must be one of \"30-days\", \"90-days\", \"6-months\", \"1-year\", \"5-years\"",
        ])
    }

    @Test func theClientAndProductReferencesHaveTheirShapeAndAreWeak() throws {
        let run = CRMSamples.churnModel.edited("customer", to: "customer.amara-okafor").edited("product", to: ["sku": "RG-10042"])
        #expect(CRM.markers(run) == [
            "error at customer: Must be a reference ({\"_ref\": \"<id>\"}) to customer or lizaCustomer, found string",
            "error at product: Must be a reference ({\"_ref\": \"<id>\"}) to product, found object",
        ])
        let customer = try #require(CRM.field("analyticsModel", "customer"))
        #expect(customer.type == .reference(to: ["customer", "lizaCustomer"], weak: true))
        #expect(CRM.field("analyticsModel", "generatedAt")?.readOnly == true)
    }
}
