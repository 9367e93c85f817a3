import FacetSchema
import GROQ

/// A dashboard of GROQ-backed widgets, the models and trends it shows, and who it is for.
let analyticsDashboard = SchemaType.document("analyticsDashboard", title: "Analytics Dashboard") {
    Field("title", .string()).rules(.required(), .max(120))
    Field("slug", .slug(source: "title")).rules(.required())
    Field("description", .text(rows: 2))
    Field("owner", .reference(to: "staff"))
    Field("audience", .array(of: .primitive(.string(options: Vocabulary.studioRoles))), description: "Studio roles it is meant for")
        .rules(.uniqueItems())
    Field("widgets", .array(of: .inline(name: "widget", fields: [
        Field("title", .string()).rules(.required()),
        Field("kind", .string(options: ["metric", "bar-chart", "line-chart", "donut-chart", "table", "list"])).rules(.required()),
        Field("query", .text(rows: 3), title: "GROQ Query").rules(.required(), .custom("groq")),
        Field("refreshMinutes", .number()).rules(.integer(), .min(1)),
    ])))
    Field("models", .array(of: .reference(to: "analyticsModel", weak: true)))
    Field("trends", .array(of: .reference(to: "trendAnalysis", weak: true)))
    Field("refreshSchedule", .string(options: ["hourly", "daily", "weekly", "monthly"]))
    Field("lastRefreshed", .datetime).readOnly()
}
.preview(select: ["title": "title", "subtitle": "refreshSchedule"])
