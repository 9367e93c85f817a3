import FacetSchema
import FacetSecurity

/// Who may do what in the CRM: the five roles' permissions, as data.
///
/// - admin: everything, including users, keys, datasets, GDPR requests and the audit log.
/// - manager: all CRM content with its sensitive fields, publishing, exports and the analytics
///   actions; no user or key administration.
/// - sales (client advisors): clients, VIPs, orders and interactions; the sensitive fields only of
///   the clients assigned to them (`assignedStaff`); reads the catalogue, campaigns and analytics.
/// - marketing: products, collections, campaigns and creative expressions; reads clients without
///   their sensitive fields, and the analytics.
/// - support: reads clients without their sensitive fields, and orders; records interactions.
///
/// Admins, managers and marketing upload images and files; everyone reads them.
///
/// The audit log is read-only for everyone: Facet writes it.
public enum CRMRoles {
    static let clients = ["customer", "lizaCustomer"]
    static let catalogue = ["product", "collection"]
    static let analytics = ["analyticsModel", "trendAnalysis", "analyticsDashboard"]
    /// Uploaded images and files (the schema's built-in asset types).
    static let assets = ["sanity.imageAsset", "sanity.fileAsset"]

    public static let permissions: [RolePermissions] = [
        RolePermissions(.admin, capabilities: Set(Capability.allCases), grants: [
            Grant(["*"], Grant.everything, sensitive: .all),
        ]),
        RolePermissions(.manager, grants: [
            Grant(["*"], Grant.everything, sensitive: .all),
        ]),
        RolePermissions(.sales, grants: [
            Grant(clients, [.read, .create, .update, .publish, .action], sensitive: .assigned(via: "assignedStaff")),
            Grant(["salesOrder", "interaction"], Grant.edit),
            Grant(catalogue + ["marketingCampaign", "creativeExpression", "staff"] + assets, [.read]),
            Grant(analytics, [.read]),
        ]),
        RolePermissions(.marketing, grants: [
            Grant(catalogue + ["marketingCampaign", "creativeExpression"] + assets, Grant.edit.union([.export])),
            Grant(clients, [.read]),
            Grant(analytics, [.read]),
            Grant(["trendAnalysis", "analyticsDashboard"], [.action]),
        ]),
        RolePermissions(.support, grants: [
            Grant(clients + ["salesOrder"], [.read]),
            Grant(["interaction"], [.read, .create, .update, .publish]),
            Grant(catalogue + ["staff"] + assets, [.read]),
        ]),
    ]

    /// The policy over `schema`'s sensitive fields.
    public static func policy(schema: Schema) -> PermissionPolicy {
        PermissionPolicy(permissions, sensitiveFields: schema.sensitiveFields, readOnlyTypes: ["auditLog"])
    }
}
