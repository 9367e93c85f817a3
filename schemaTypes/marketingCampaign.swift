import FacetSchema
import GROQ

/// A campaign: its audience, channel, dates, budget, what it features and how it performed.
let marketingCampaign = SchemaType.document("marketingCampaign", title: "Marketing Campaign") {
    Field("name", .string()).rules(.required(), .max(120))
    Field("slug", .slug(source: "name"))
    Field("channel", .string(options: [
        ListOption("email", title: "Email"),
        ListOption("sms", title: "SMS"),
        ListOption("social", title: "Social"),
        ListOption("event", title: "Event"),
        ListOption("direct-mail", title: "Direct mail"),
        ListOption("in-store", title: "In store"),
    ])).rules(.required())
    Field("status", .string(options: [
        ListOption("draft", title: "Draft"),
        ListOption("scheduled", title: "Scheduled"),
        ListOption("active", title: "Active"),
        ListOption("completed", title: "Completed"),
        ListOption("cancelled", title: "Cancelled"),
    ], layout: .radio)).rules(.required()).initialValue("draft")
    Field("startDate", .date).rules(.required())
    Field("endDate", .date).rules(.custom("endsAfterItStarts"))
    Field("budget", .number()).rules(.min(0), .precision(2))
    Field("targetSegments", .array(of: .primitive(.string(options: Vocabulary.segments)))).rules(.uniqueItems())
    Field("targetTiers", .array(of: .primitive(.string(options: Vocabulary.lizaTiers))), title: "Target LIZA Tiers").rules(.uniqueItems())
    Field("featuredProducts", .array(of: .reference(to: "product"))).rules(.uniqueItems())
    Field("featuredCollection", .reference(to: "collection"))
    Field("message", .block)
    Field("brief", .file, description: "The campaign brief or price list, as a file (PDF, say)")
    Field("results", .object {
        Field("audienceSize", .number()).rules(.integer(), .min(0))
        Field("delivered", .number()).rules(.integer(), .min(0))
        Field("opened", .number()).rules(.integer(), .min(0))
        Field("responded", .number()).rules(.integer(), .min(0))
        Field("converted", .number()).rules(.integer(), .min(0))
        Field("revenue", .number()).rules(.min(0), .precision(2))
    })
}
.preview(select: ["title": "name", "subtitle": "status"])
.orderings(.init("startDateDesc", title: "Newest first", by: [.init("startDate", descending: true)]))
