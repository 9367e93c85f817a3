import FacetSchema
import GROQ

/// An order: who bought what, for how much, through which channel and with whom. Totals are
/// checked against the lines (``CRMSchema/customChecks``).
let salesOrder = SchemaType.document("salesOrder", title: "Sales Order") {
    Field("orderNumber", .string(), description: "SO- followed by at least six digits")
        .rules(.required(), .regex(#"^SO-[0-9]{6,}$"#, name: "order number format"), .unique())
    Field("customer", .reference(to: ["customer", "lizaCustomer"])).rules(.required()).indexed()
    Field("orderDate", .datetime).rules(.required())
    Field("status", .string(options: [
        ListOption("pending", title: "Pending"),
        ListOption("confirmed", title: "Confirmed"),
        ListOption("fulfilled", title: "Fulfilled"),
        ListOption("delivered", title: "Delivered"),
        ListOption("cancelled", title: "Cancelled"),
        ListOption("returned", title: "Returned"),
    ])).rules(.required()).initialValue("pending")
    Field("channel", .string(options: Vocabulary.salesChannels)).rules(.required())
    Field("staff", .reference(to: "staff"), title: "Sold By").indexed()
    Field("lineItems", .array(of: .inline(name: "lineItem", fields: [
        Field("product", .reference(to: "product")).rules(.required()),
        Field("quantity", .number()).rules(.required(), .integer(), .min(1)),
        Field("unitPrice", .number()).rules(.required(), .min(0), .precision(2)),
    ]))).rules(.required(), .minItems(1))
    Field("subtotal", .number()).rules(.required(), .min(0), .precision(2), .custom("subtotalMatchesLines"))
    Field("discount", .number()).rules(.min(0), .precision(2), .lessThan(field: "subtotal").warning("The discount is the whole subtotal or more"))
    Field("tax", .number()).rules(.min(0), .precision(2))
    Field("total", .number()).rules(.required(), .min(0), .precision(2), .custom("totalAddsUp"))
    Field("currency", .string(options: Vocabulary.currencies)).rules(.required())
    Field("paymentMethod", .string(options: [
        ListOption("card", title: "Card"),
        ListOption("bank-transfer", title: "Bank transfer"),
        ListOption("cash", title: "Cash"),
        ListOption("financing", title: "Financing"),
    ]))
    // A card number is 13 to 19 digits, often grouped by spaces or dashes (4111 1111 1111 1111).
    Field("paymentReference", .string(), description: "Processor reference; never a card number")
        .rules(.regex(#"[0-9](?:[ -]?[0-9]){12,18}"#, name: "card number", invert: true).message("Looks like a card number: store the processor's reference, never the PAN"))
        .sensitive()
    Field("notes", .text(rows: 3))
}
.preview(select: ["title": "orderNumber", "subtitle": "customer.name"])
.searchable("orderNumber", "customer.name")
.distinguishedBy("orderDate", "total")
.orderings(
    .init("orderDateDesc", title: "Newest first", by: [.init("orderDate", descending: true)]),
    .init("totalDesc", title: "Total, highest first", by: [.init("total", descending: true)])
)
