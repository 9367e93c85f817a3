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
    /// The GROQ filter for clients whose most recent churn prediction is critical or high.
    public static let atRiskFilter = """
        _type in ["customer", "lizaCustomer"] && (*[_type == "analyticsModel" && modelType == "churn-prediction" && references(^._id)] \
        | order(generatedAt desc))[0].predictions.riskLevel in $riskLevels
        """

    public static func structure(schema: Schema) throws(SchemaError) -> DeskStructure {
        let tiers = options(schema, "lizaCustomer", "tier")
        let statuses = options(schema, "salesOrder", "status")
        let modelTypes = options(schema, "analyticsModel", "modelType")
        let trendTypes = options(schema, "trendAnalysis", "trendType")
        return try DeskStructure(schema: schema) {
            StructureNode.list("customers", title: "Customers") {
                StructureNode.documents("allCustomers", title: "All customers", filter: #"_type in ["customer", "lizaCustomer"]"#)
                StructureNode.documents(ofType: "customer", title: "General customers")
                StructureNode.list("liza", title: "LIZA VIP by tier") {
                    StructureNode.documents(ofType: "lizaCustomer", title: "All LIZA VIPs")
                    StructureNode.divider
                    for tier in tiers {
                        StructureNode.documents("tier-" + tier.value, title: tier.title, type: "lizaCustomer",
                                                filter: #"_type == "lizaCustomer" && tier == $tier"#, params: ["tier": .string(tier.value)])
                    }
                }
                StructureNode.documents("atRisk", title: "At-risk customers", filter: atRiskFilter,
                                        params: ["riskLevels": ["critical", "high"]])
            }
            StructureNode.list("commerce", title: "Commerce") {
                StructureNode.documents(ofType: "product", title: "Products")
                StructureNode.documents(ofType: "collection", title: "Collections")
                StructureNode.list("ordersByStatus", title: "Sales orders by status") {
                    StructureNode.documents(ofType: "salesOrder", title: "All sales orders")
                    StructureNode.divider
                    for status in statuses {
                        StructureNode.documents("status-" + status.value, title: status.title, type: "salesOrder",
                                                filter: #"_type == "salesOrder" && status == $status"#, params: ["status": .string(status.value)])
                    }
                }
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
                StructureNode.list("modelsByType", title: "Analytics models by type") {
                    StructureNode.documents(ofType: "analyticsModel", title: "All analytics models")
                    StructureNode.divider
                    for modelType in modelTypes {
                        StructureNode.documents("model-" + modelType.value, title: modelType.title, type: "analyticsModel",
                                                filter: #"_type == "analyticsModel" && modelType == $modelType"#,
                                                params: ["modelType": .string(modelType.value)])
                    }
                }
                StructureNode.list("trendsByDimension", title: "Trend analyses by dimension") {
                    StructureNode.documents(ofType: "trendAnalysis", title: "All trend analyses")
                    StructureNode.divider
                    for trendType in trendTypes {
                        StructureNode.documents("trend-" + trendType.value, title: trendType.title, type: "trendAnalysis",
                                                filter: #"_type == "trendAnalysis" && trendType == $trendType"#,
                                                params: ["trendType": .string(trendType.value)])
                    }
                }
            }
            StructureNode.divider
            StructureNode.list("compliance", title: "Compliance") {
                StructureNode.documents(ofType: "auditLog", title: "Audit log")
            }
        }
    }

    /// The string options of `type.field`, as value and title.
    private static func options(_ schema: Schema, _ type: String, _ field: String) -> [(value: String, title: String)] {
        guard case .string(let options, _)? = schema.type(named: type)?.field(field)?.type else { return [] }
        return options.compactMap { option in option.value.stringValue.map { ($0, option.title) } }
    }
}
