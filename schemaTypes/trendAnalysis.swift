import FacetSchema
import GROQ

/// One trend analysis in one of the brief's seven dimensions: the aggregates, what they mean,
/// what they are worth and what to do. The `refresh-trends` action keeps one per dimension
/// (`trend.<trendType>`), with the test statistics behind its findings.
///
/// ```groq
/// *[_type == "trendAnalysis" && trendType == "seasonal"] | order(dataPoints.percentageChange desc)
/// *[_type == "trendAnalysis" && trendType == "energy-alignment"]{impact, insights}
/// ```
let trendAnalysis = SchemaType.document("trendAnalysis", title: "Trend Analysis") {
    Field("title", .string()).rules(.required(), .max(160))
    Field("trendType", .string(options: [
        ListOption("seasonal", title: "Seasonal patterns"),
        ListOption("cultural-preferences", title: "Cultural preferences"),
        ListOption("musical-jewelry-correlation", title: "Musical–jewelry correlation"),
        ListOption("engagement-effectiveness", title: "Engagement effectiveness"),
        ListOption("collection-performance", title: "Collection performance"),
        ListOption("experience-adoption", title: "Experience adoption"),
        ListOption("energy-alignment", title: "Energy alignment impact"),
    ])).rules(.required())
    Field("timeframe", .string(options: ["daily", "weekly", "monthly", "quarterly", "yearly", "multi-year"])).rules(.required())
    Field("periodStart", .date)
    Field("periodEnd", .date).rules(.custom("endsAfterItStarts"))
    Field("dataPoints", .object {
        Field("total", .number())
        Field("average", .number())
        Field("percentageChange", .number())
        Field("topCategories", .array(of: .inline(name: "categoryValue", fields: categoryValueFields)))
        Field("bottomCategories", .array(of: .inline(name: "categoryValue", fields: categoryValueFields)))
        Field("series", .array(of: .inline(name: "point", fields: [
            Field("label", .string()).rules(.required()),
            Field("value", .number()).rules(.required()),
        ])))
    })
    Field("insights", .object {
        Field("narrative", .text(rows: 4))
        Field("keyFindings", .array(of: .string))
        Field("patterns", .array(of: .string))
        Field("anomalies", .array(of: .string))
    })
    Field("impact", .object {
        Field("revenueImpact", .number())
        Field("customerCount", .number()).rules(.integer(), .min(0))
        Field("implementationEffort", .string(options: ["low", "medium", "high"], layout: .radio))
        Field("priority", .string(options: Vocabulary.riskLevels, layout: .radio))
    })
    Field("recommendations", .array(of: .string))
    Field("statistics", .array(of: .inline(name: "statistic", fields: [
        Field("name", .string()).rules(.required()),
        Field("value", .number()).rules(.required()),
    ])), description: "The test statistics behind the findings: p-values, Cramér's V, slopes, the seasonal index")
    Field("generatedAt", .datetime).readOnly()
}
.preview(select: ["title": "title", "subtitle": "trendType"])
.orderings(.init("changeDesc", title: "Biggest change first", by: [.init("dataPoints.percentageChange", descending: true)]))

@FieldsBuilder private var categoryValueFields: [Field] {
    Field("category", .string()).rules(.required())
    Field("value", .number()).rules(.required())
}
