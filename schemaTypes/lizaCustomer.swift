import FacetSchema

/// A member of LIZA, the VIP programme: everything a customer has, plus the tier, membership
/// and the two advanced cultural fields (nine cultural fields in all).
let lizaCustomer = SchemaType(
    "lizaCustomer", kind: .document, title: "LIZA VIP",
    description: "A member of the LIZA VIP programme",
    fields: CustomerProfile.contact + CustomerProfile.relationship + lizaFields + CustomerProfile.cultural + lizaCulturalFields
        + CustomerProfile.consent
)
.groups(CustomerProfile.groups)
.preview(SchemaType.Preview(select: ["title": "name", "subtitle": "tier"]))
.searchable(CustomerProfile.searchFields)
.distinguishedBy(CustomerProfile.distinguishingFields)
.orderings(CustomerProfile.orderings)

@FieldsBuilder private var lizaFields: [Field] {
    Field("tier", .string(options: Vocabulary.lizaTiers, layout: .radio), title: "LIZA Tier")
        .rules(.required()).initialValue("liza-select").group("relationship")
    Field("memberSince", .date).rules(.required()).group("relationship")
    Field("tierReviewDate", .date, description: "When the tier is next reviewed").group("relationship")
}

@FieldsBuilder private var lizaCulturalFields: [Field] {
    Field("culturalInvestmentPhilosophy", .string(options: [
        ListOption("heirloom-legacy", title: "Heirloom legacy"),
        ListOption("investment-value", title: "Investment value"),
        ListOption("artistic-patronage", title: "Artistic patronage"),
        ListOption("spiritual-significance", title: "Spiritual significance"),
        ListOption("ethical-sourcing", title: "Ethical sourcing"),
    ])).group("cultural")
    Field("preferredCulturalExperiences", .array(of: .primitive(.string(options: [
        ListOption("private-viewing", title: "Private viewing"),
        ListOption("atelier-visit", title: "Atelier visit"),
        ListOption("cultural-ceremony", title: "Cultural ceremony"),
        ListOption("heritage-journey", title: "Heritage journey"),
        ListOption("gallery-evening", title: "Gallery evening"),
        ListOption("music-performance", title: "Music performance"),
    ])))).rules(.uniqueItems()).group("cultural")
}
