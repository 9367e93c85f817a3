import FacetSchema
import GROQ

/// One contact with a client: who, when, how, why and what came of it. Churn and engagement
/// analytics read the spacing and outcomes of these.
let interaction = SchemaType.document("interaction", title: "Interaction") {
    Field("customer", .reference(to: ["customer", "lizaCustomer"])).rules(.required())
    Field("staff", .reference(to: "staff"))
    Field("channel", .string(options: Vocabulary.contactChannels)).rules(.required())
    Field("direction", .string(options: [
        ListOption("inbound", title: "Client reached out"),
        ListOption("outbound", title: "We reached out"),
    ], layout: .radio)).rules(.required())
    Field("date", .datetime).rules(.required())
    Field("purpose", .string(options: [
        ListOption("follow-up", title: "Follow-up"),
        ListOption("new-arrival", title: "New arrival"),
        ListOption("occasion", title: "Occasion"),
        ListOption("service", title: "Service / repair"),
        ListOption("event-invitation", title: "Event invitation"),
        ListOption("check-in", title: "Check-in"),
    ]))
    Field("outcome", .string(options: [
        ListOption("purchase", title: "Purchase"),
        ListOption("appointment-booked", title: "Appointment booked"),
        ListOption("interested", title: "Interested"),
        ListOption("no-response", title: "No response"),
        ListOption("not-interested", title: "Not interested"),
        ListOption("resolved", title: "Resolved"),
    ])).rules(.required())
    Field("sentiment", .string(options: ["positive", "neutral", "negative"], layout: .radio))
    Field("campaign", .reference(to: "marketingCampaign"))
    Field("salesOrder", .reference(to: "salesOrder"), description: "The order this contact led to, if any")
    Field("durationMinutes", .number()).rules(.integer(), .min(0), .max(600))
    Field("summary", .text(rows: 3)).personalData()
    Field("followUpDate", .date)
}
.preview(select: ["title": "customer.name", "subtitle": "outcome"])
.distinguishedBy("date", "channel")
.orderings(.init("dateDesc", title: "Newest first", by: [.init("date", descending: true)]))
