import FacetSchema
import GROQ

/// The fields every client carries, shared by `customer` and `lizaCustomer` so that a VIP is a
/// customer with more, never a customer with something renamed.
public enum CustomerProfile {
    /// Tabs in the editor.
    public static let groups: [SchemaType.Group] = [
        .init("contact", title: "Contact", isDefault: true),
        .init("relationship", title: "Relationship"),
        .init("cultural", title: "Cultural Profile"),
        .init("consent", title: "Consent"),
    ]

    /// Name and contact details; all but the name are sensitive and personal.
    @FieldsBuilder public static var contact: [Field] {
        Field("name", .string(), title: "Full Name").rules(.required(), .min(2), .max(120)).personalData().group("contact")
        Field("email", .email).rules(.required(), .email(), .unique()).sensitive().personalData().group("contact")
        Field("phone", .string(), description: "International format, e.g. +33 1 42 60 00 00")
            .rules(.regex(Vocabulary.phonePattern, name: "international phone number")).sensitive().personalData().group("contact")
        Field("address", .named("address")).sensitive().personalData().group("contact")
        Field("birthday", .date).sensitive().personalData().group("contact")
    }

    /// Value and ownership of the relationship.
    @FieldsBuilder public static var relationship: [Field] {
        Field("segment", .string(options: Vocabulary.segments, layout: .radio)).rules(.required()).initialValue("new").group("relationship").indexed()
        Field("lifetimeValue", .number(), description: "Total spend to date, in the house currency")
            .rules(.min(0), .precision(2)).initialValue(0).duplicate(false).group("relationship")
        Field("energyAlignment", .string(options: Vocabulary.energyAlignment, layout: .radio)).group("relationship")
        Field("assignedStaff", .reference(to: "staff"), title: "Client Advisor").group("relationship")
        Field("customerSince", .date).group("relationship")
        Field("preferredChannel", .string(options: Vocabulary.contactChannels)).group("relationship")
        Field("notes", .text(rows: 4)).personalData().group("relationship")
    }

    /// The brief's seven cultural-profile fields.
    @FieldsBuilder public static var cultural: [Field] {
        Field("culturalHeritage", .array(of: .string), description: "Primary cultural backgrounds, in the client's own words")
            .rules(.uniqueItems()).personalData().group("cultural")
        Field("culturalValues", .array(of: .primitive(.string(options: Vocabulary.culturalValues))))
            .rules(.uniqueItems(), .maxItems(4).warning("More than four core values dilutes the profile")).group("cultural")
        Field("communicationStyle", .string(options: [
            ListOption("direct-formal", title: "Direct, formal"),
            ListOption("direct-casual", title: "Direct, casual"),
            ListOption("indirect-formal", title: "Indirect, formal"),
            ListOption("indirect-casual", title: "Indirect, casual"),
        ])).group("cultural")
        Field("decisionMakingApproach", .string(options: [
            ListOption("individual", title: "Individual"),
            ListOption("family-consensus", title: "Family consensus"),
            ListOption("advisor-network", title: "Advisor network"),
        ], layout: .radio)).group("cultural")
        Field("jewelryCulturalSignificance", .text(rows: 3), description: "What jewelry means in the client's traditions").group("cultural")
        Field("positiveEnergyAlignment", .array(of: .primitive(.string(options: [
            ListOption("harmony", title: "Harmony"),
            ListOption("abundance", title: "Abundance"),
            ListOption("protection", title: "Protection"),
            ListOption("love", title: "Love"),
            ListOption("clarity", title: "Clarity"),
            ListOption("celebration", title: "Celebration"),
        ]))), description: "Intentions the client wants their pieces to carry").rules(.uniqueItems()).group("cultural")
        Field("preferredLanguage", .string(), description: "BCP 47 tag, e.g. en, fr-CA, zh-Hant")
            .rules(.regex(Vocabulary.languageTagPattern, name: "language tag")).initialValue("en").group("cultural")
    }

    /// Consent flags.
    @FieldsBuilder public static var consent: [Field] {
        Field("consent", .named("consentRecord")).personalData().group("consent")
    }

    /// How clients show in lists.
    public static let preview = SchemaType.Preview(select: ["title": "name", "subtitle": "segment"])

    /// Where a search for a client looks: a name, an email or a phone number, a city.
    public static let searchFields = ["name", "email", "phone", "address.city"]

    /// What tells two clients of the same name apart where one is picked.
    public static let distinguishingFields = ["email", "address.city"]

    /// The orderings offered in client lists.
    public static let orderings: [SchemaType.Ordering] = [
        .init("lifetimeValueDesc", title: "Lifetime value, highest first", by: [.init("lifetimeValue", descending: true)]),
        .init("nameAsc", title: "Name", by: [.init("name")]),
        .init("customerSinceAsc", title: "Client since, oldest first", by: [.init("customerSince")]),
    ]
}
