import FacetSchema

/// A client of the house: contact details (sensitive and personal), value and ownership of the
/// relationship, consent, and the seven-field cultural profile.
let customer = SchemaType(
    "customer", kind: .document, title: "Customer",
    description: "A client of the house",
    fields: CustomerProfile.contact + CustomerProfile.relationship + CustomerProfile.cultural + CustomerProfile.consent
)
.groups(CustomerProfile.groups)
.preview(CustomerProfile.preview)
.searchable(CustomerProfile.searchFields)
.distinguishedBy(CustomerProfile.distinguishingFields)
.orderings(CustomerProfile.orderings)
