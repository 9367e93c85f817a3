import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Trend analyses", .ownThread(computing: true))
struct TrendAnalysisTests {
    @Test func aTrendNeedsTitleDimensionAndTimeframe() {
        let trend = CRMSamples.seasonalTrend.without("title", "trendType", "timeframe")
        #expect(CRM.markers(trend) == ["error at title: Required", "error at trendType: Required", "error at timeframe: Required"])
    }

    @Test func theDimensionAndTimeframeComeFromTheBrief() {
        let trend = CRMSamples.seasonalTrend.edited("trendType", to: "weather").edited("timeframe", to: "hourly")
        #expect(CRM.markers(trend) == [
            "error at trendType: Must be one of \"seasonal\", \"cultural-preferences\", \"musical-jewelry-correlation\", \"engagement-effectiveness\", \"collection-performance\", \"experience-adoption\", \"energy-alignment\"",
            "error at timeframe: Must be one of \"daily\", \"weekly\", \"monthly\", \"quarterly\", \"yearly\", \"multi-year\"",
        ])
    }

    @Test func thePeriodEndsAfterItStarts() {
        #expect(CRM.markers(CRMSamples.seasonalTrend.edited("periodEnd", to: "2024-12-31")) == [
            "error at periodEnd: Must not be before periodStart (2025-01-01)",
        ])
        // An open period has nothing to compare.
        #expect(CRM.markers(CRMSamples.seasonalTrend.without("periodStart").edited("periodEnd", to: "2024-12-31")) == [])
    }

    @Test func categoriesAndSeriesPointsAreLabelledValues() {
        let trend = CRMSamples.seasonalTrend
            .without("dataPoints.topCategories.0.category")
            .without("dataPoints.series.1.value")
            .edited("dataPoints.percentageChange", to: "34.5%")
        #expect(CRM.markers(trend) == [
            "error at dataPoints.percentageChange: Must be a number, found string",
            "error at dataPoints.topCategories[_key==\"t1\"].category: Required",
            "error at dataPoints.series[_key==\"s12\"].value: Required",
        ])
    }

    @Test func theImpactIsCountedAndPrioritised() {
        let trend = CRMSamples.seasonalTrend
            .edited("impact.customerCount", to: -3)
            .edited("impact.implementationEffort", to: "trivial")
            .edited("impact.priority", to: "urgent")
        #expect(CRM.markers(trend) == [
            "error at impact.customerCount: Must be greater than or equal to 0",
            "error at impact.implementationEffort: Must be one of \"low\", \"medium\", \"high\"",
            "error at impact.priority: Must be one of \"critical\", \"high\", \"medium\", \"low\"",
        ])
    }

    @Test func insightsAreTextAndListsOfText() {
        let trend = CRMSamples.seasonalTrend
            .edited("insights.keyFindings", to: ["Peak in December", 12])
            .edited("insights.confidence", to: "high")
        #expect(CRM.markers(trend) == [
            "error at insights.keyFindings[1]: Must be one of the array's member types (string), found number",
            "warning at insights.confidence: Not declared in the schema of trendAnalysis",
        ])
        #expect(CRM.field("trendAnalysis", "generatedAt")?.readOnly == true)
    }
}
