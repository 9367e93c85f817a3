import FacetSchema

/// The CRM's ways to start a document from where an advisor stands: an order or an interaction
/// from a client's page, already pointing at the client and at the advisor creating it.
public enum CRMTemplates {
    static let client = DocumentTemplate.Parameter("client", title: "Client", to: ["customer", "lizaCustomer"])

    public static let all: [DocumentTemplate] = [
        DocumentTemplate("order-for-client", title: "New order for this client", type: "salesOrder",
                         description: "An order for the client, sold by you, dated now",
                         parameters: [client],
                         fill: ["customer": .parameter("client"), "staff": .signedInStaff, "orderDate": .now,
                                "channel": .constant("boutique")]),
        DocumentTemplate("interaction-with-client", title: "Log an interaction", type: "interaction",
                         description: "A contact with the client, by you, now",
                         parameters: [client],
                         fill: ["customer": .parameter("client"), "staff": .signedInStaff, "date": .now,
                                "direction": .constant("outbound")]),
    ]
}
