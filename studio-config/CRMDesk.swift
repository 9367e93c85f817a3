import FacetSchema
import GROQ
import SchemaTypes

/// The studio's desk for the CRM: what editors see in the left-most pane and what each item opens.
///
/// Lists by tier, status, model type and trend dimension are made from the schema's own option
/// lists, so adding a tier to `lizaCustomer` adds its pane with no change here.
///
/// ```swift
/// let desk = try CRMDesk.structure(schema: try CRMSchema.compile())
/// print(desk.json.serialized(pretty: true))   // what /v1/structure serves
/// ```
public enum CRMDesk {
    /// The GROQ filter for clients whose churn prediction is critical or high. Each client has one
    /// current churn document, `analytics.client.churn-prediction.<client id>`, naming the client
    /// in `customer`: the list of at-risk clients is read once from those documents (the value
    /// indexes answer `modelType` and `predictions.riskLevel`; the id check keeps only each
    /// client's current document), and the clients are then found by id. Following a reference
    /// from every client instead costs one lookup per client, twice per page (list and total).
    public static let atRiskFilter = """
        _type in ["customer", "lizaCustomer"] \
        && _id in *[_type == "analyticsModel" && modelType == "churn-prediction" && predictions.riskLevel in $riskLevels \
        && _id == "\(ModelDocuments.clientPrefix(.churn))" + customer._ref].customer._ref
        """

    public static func structure(schema: Schema) throws(SchemaError) -> DeskStructure {
        try DeskStructure(schema: schema, templates: CRMTemplates.all) {
            StructureNode.list("customers", title: "Customers") {
                StructureNode.documents("allCustomers", title: "All customers", filter: #"_type in ["customer", "lizaCustomer"]"#)
                StructureNode.documents(ofType: "customer", title: "General customers")
                byOption(schema, "liza", title: "LIZA VIP by tier", all: "All LIZA VIPs", type: "lizaCustomer", field: "tier", idPrefix: "tier-")
                StructureNode.documents("atRisk", title: "At-risk customers", filter: atRiskFilter,
                                        params: ["riskLevels": ["critical", "high"]])
            }
            StructureNode.list("commerce", title: "Commerce") {
                StructureNode.documents(ofType: "product", title: "Products")
                StructureNode.documents(ofType: "collection", title: "Collections")
                byOption(schema, "ordersByStatus", title: "Sales orders by status", all: "All sales orders", type: "salesOrder",
                         field: "status", idPrefix: "status-")
            }
            StructureNode.list("marketing", title: "Marketing") {
                StructureNode.documents(ofType: "marketingCampaign", title: "Campaigns")
                StructureNode.documents(ofType: "creativeExpression", title: "Creative expressions")
            }
            StructureNode.list("team", title: "Team") {
                StructureNode.documents(ofType: "staff", title: "Staff")
                StructureNode.documents(ofType: "interaction", title: "Interactions")
            }
            StructureNode.list("intelligence", title: "Intelligence") {
                StructureNode.documents(ofType: "analyticsDashboard", title: "Dashboards")
                byOption(schema, "modelsByType", title: "Analytics models by type", all: "All analytics models", type: "analyticsModel",
                         field: "modelType", idPrefix: "model-")
                byOption(schema, "trendsByDimension", title: "Trend analyses by dimension", all: "All trend analyses", type: "trendAnalysis",
                         field: "trendType", idPrefix: "trend-")
            }
            StructureNode.divider
            StructureNode.list("compliance", title: "Compliance") {
                StructureNode.documents(ofType: "auditLog", title: "Audit log")
            }
        }
    }

    /// A list of every document of `type`, a divider, then one filtered list per option of
    /// `type.field` (`_type == type && field == $field`).
    private static func byOption(_ schema: Schema, _ id: String, title: String, all: String, type: String, field: String,
                                 idPrefix: String) -> StructureNode
    {
        StructureNode.list(id, title: title) {
            StructureNode.documents(ofType: type, title: all)
            StructureNode.divider
            for option in options(schema, type, field) {
                StructureNode.documents(idPrefix + option.value, title: option.title, type: type,
                                        filter: "_type == \"\(type)\" && \(field) == $\(field)", params: [field: .string(option.value)])
            }
        }
    }

    /// The string options of `type.field`, as value and title.
    private static func options(_ schema: Schema, _ type: String, _ field: String) -> [(value: String, title: String)] {
        guard case .string(let options, _)? = schema.type(named: type)?.field(field)?.type else { return [] }
        return options.compactMap { option in option.value.stringValue.map { ($0, option.title) } }
    }
}
