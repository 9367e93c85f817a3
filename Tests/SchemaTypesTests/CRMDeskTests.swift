import FacetSchema
import FacetStore
import GROQ
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

@Suite("The CRM desk", .ownThread(computing: true))
struct CRMDeskTests {
    static let desk: DeskStructure = try! CRMDesk.structure(schema: CRM.schema)

    /// The ids of a pane's items, `—` for a divider.
    static func outline(_ pane: JSONValue?) -> [String] {
        (pane?["items"]?.arrayValue ?? []).map { $0["kind"] == "divider" ? "—" : $0["id"]?.stringValue ?? "?" }
    }

    /// The pane item with this id, searched depth-first.
    static func item(_ id: String, in pane: JSONValue? = desk.json) -> JSONValue? {
        for item in pane?["items"]?.arrayValue ?? [] {
            if item["id"]?.stringValue == id { return item }
            if let found = Self.item(id, in: item) { return found }
        }
        return nil
    }

    /// Every filtered list of the desk: id, filter and params.
    static var documentLists: [(id: String, filter: String, params: [String: JSONValue])] {
        var lists: [(String, String, [String: JSONValue])] = []
        func walk(_ nodes: [StructureNode]) {
            for node in nodes {
                switch node {
                case .list(_, _, let items): walk(items)
                case .documentList(let id, _, _, let filter, let params): lists.append((id, filter, params))
                case .documentTypeList, .divider: break
                }
            }
        }
        walk(desk.items)
        return lists
    }

    @Test func theDeskListsEveryDocumentTypeAndOnlyDeclaredOnes() {
        #expect(Set(Self.desk.typeNames) == Set(CRM.schema.documentTypeNames))
        #expect(Self.desk.typeNames.count == 13)
        for name in Self.desk.typeNames {
            #expect(CRM.schema.type(named: name)?.kind == .document, "\(name)")
        }
    }

    @Test func theTopPanesAreTheIssuesSix() {
        #expect(Self.outline(Self.desk.json) == ["customers", "commerce", "marketing", "team", "intelligence", "—", "compliance"])
        let titles = (Self.desk.json["items"]?.arrayValue ?? []).compactMap { $0["title"]?.stringValue }
        #expect(titles == ["Customers", "Commerce", "Marketing", "Team", "Intelligence", "Compliance"])
    }

    @Test func customersAreAllGeneralLizaByTierAndAtRisk() {
        #expect(Self.outline(Self.item("customers")) == ["allCustomers", "customer", "liza", "atRisk"])
        #expect(Self.item("liza")?["title"] == "LIZA VIP by tier")
        #expect(Self.outline(Self.item("liza")) == ["lizaCustomer", "—", "tier-liza-select", "tier-gold-preferred", "tier-platinum-premier"])
        #expect(Self.item("tier-gold-preferred") == [
            "kind": "documentList", "id": "tier-gold-preferred", "title": "Gold Preferred", "schemaType": "lizaCustomer",
            "filter": #"_type == "lizaCustomer" && tier == $tier"#, "params": ["tier": "gold-preferred"],
        ])
        #expect(Self.item("atRisk") == [
            "kind": "documentList", "id": "atRisk", "title": "At-risk customers", "schemaType": nil,
            "filter": .string(CRMDesk.atRiskFilter), "params": ["riskLevels": ["critical", "high"]],
        ])
    }

    @Test func commerceIsProductsCollectionsAndOrdersByStatus() {
        #expect(Self.outline(Self.item("commerce")) == ["product", "collection", "ordersByStatus"])
        #expect(Self.outline(Self.item("ordersByStatus")) == [
            "salesOrder", "—", "status-pending", "status-confirmed", "status-fulfilled", "status-delivered", "status-cancelled", "status-returned",
        ])
        #expect(Self.item("product") == ["kind": "documentTypeList", "id": "product", "title": "Products", "schemaType": "product"])
    }

    @Test func marketingTeamAndCompliance() {
        #expect(Self.outline(Self.item("marketing")) == ["marketingCampaign", "creativeExpression"])
        #expect(Self.outline(Self.item("team")) == ["staff", "interaction"])
        #expect(Self.outline(Self.item("compliance")) == ["auditLog"])
        #expect(Self.item("auditLog")?["title"] == "Audit log")
    }

    @Test func intelligenceIsDashboardsModelsByTypeAndTrendsByDimension() {
        #expect(Self.outline(Self.item("intelligence")) == ["analyticsDashboard", "modelsByType", "trendsByDimension"])
        #expect(Self.outline(Self.item("modelsByType")) == [
            "analyticsModel", "—", "model-churn-prediction", "model-ltv-forecasting", "model-next-purchase", "model-product-affinity",
            "model-upsell-opportunity", "model-clienteling-worklist",
        ])
        #expect(Self.outline(Self.item("trendsByDimension")) == [
            "trendAnalysis", "—", "trend-seasonal", "trend-cultural-preferences", "trend-musical-jewelry-correlation",
            "trend-engagement-effectiveness", "trend-collection-performance", "trend-experience-adoption", "trend-energy-alignment",
        ])
        #expect(Self.item("trend-energy-alignment")?["title"] == "Energy alignment impact")
        #expect(Self.item("model-ltv-forecasting")?["params"] == ["modelType": "ltv-forecasting"])
    }

    // MARK: - The filters against a book of clients

    static func client(_ id: String, _ name: String, type: String = "customer", tier: String? = nil) -> JSONValue {
        var client: JSONValue = [
            "_id": .string(id), "_type": .string(type), "name": .string(name),
            "email": .string(name.lowercased().replacingOccurrences(of: " ", with: ".") + "@example.com"), "segment": "regular",
        ]
        if let tier { client = client.edited("tier", to: .string(tier)).edited("memberSince", to: "2020-03-01") }
        return client
    }

    static func churn(_ id: String, for client: String, _ risk: String, at generatedAt: String) -> JSONValue {
        [
            "_id": .string(id), "_type": "analyticsModel", "name": .string("Churn risk \(generatedAt.prefix(7))"), "modelType": "churn-prediction",
            "algorithm": "brief-heuristic", "customer": ["_type": "reference", "_ref": .string(client), "_weak": true],
            "predictions": ["riskLevel": .string(risk)], "generatedAt": .string(generatedAt),
        ]
    }

    /// A client's current churn prediction, where the analytics keep it: one document per
    /// client, replaced by each run (``ModelDocuments/clientPrefix(_:)``).
    static func currentChurn(for client: String, _ risk: String, at generatedAt: String) -> JSONValue {
        churn(ModelDocuments.clientPrefix(.churn) + client, for: client, risk, at: generatedAt)
    }

    static let book: [JSONValue] = CRMSamples.all + [
        client("customer.james-whitfield", "James Whitfield"),
        client("customer.lars-eriksen", "Lars Eriksen"),
        client("liza.sofia-marchetti", "Sofia Marchetti", type: "lizaCustomer", tier: "gold-preferred"),
        // Amara Okafor: low in June, critical in November (CRMSamples.churnModel): at risk.
        churn("model.churn.amara-okafor.2025-06", for: "customer.amara-okafor", "low", at: "2025-06-30T06:00:00Z"),
        // Mei-Lin Chen: critical in June, low in November: no longer at risk.
        churn("model.churn.mei-lin-chen.2025-06", for: "liza.mei-lin-chen", "critical", at: "2025-06-30T06:00:00Z"),
        churn("model.churn.mei-lin-chen.2025-11", for: "liza.mei-lin-chen", "low", at: "2025-11-30T06:00:00Z"),
        // James Whitfield: high, his only run.
        churn("model.churn.james-whitfield.2025-11", for: "customer.james-whitfield", "high", at: "2025-11-30T06:00:00Z"),
        // Sofia Marchetti: high in June, medium in November.
        churn("model.churn.sofia-marchetti.2025-06", for: "liza.sofia-marchetti", "high", at: "2025-06-30T06:00:00Z"),
        churn("model.churn.sofia-marchetti.2025-11", for: "liza.sofia-marchetti", "medium", at: "2025-11-30T06:00:00Z"),
        // Their current predictions, after the November run: Amara critical, Mei-Lin low, James
        // high, Sofia medium. The dated documents above are earlier runs kept under other ids.
        currentChurn(for: "customer.amara-okafor", "critical", at: "2025-11-30T06:00:00Z"),
        currentChurn(for: "liza.mei-lin-chen", "low", at: "2025-11-30T06:00:00Z"),
        currentChurn(for: "customer.james-whitfield", "high", at: "2025-11-30T06:00:00Z"),
        currentChurn(for: "liza.sofia-marchetti", "medium", at: "2025-11-30T06:00:00Z"),
        // Lars Eriksen: no churn run, but a critical upsell score that is not a churn prediction.
        churn("model.upsell.lars-eriksen", for: "customer.lars-eriksen", "critical", at: "2025-12-01T06:00:00Z")
            .edited("modelType", to: "upsell-opportunity"),
        CRMSamples.salesOrder.edited("_id", to: "salesOrder.so-204519").edited("orderNumber", to: "SO-204519").edited("status", to: "pending")
            .edited("customer._ref", to: "customer.james-whitfield"),
        [
            "_id": "trend.energy.2025", "_type": "trendAnalysis", "title": "Exceptional alignment converts", "trendType": "energy-alignment",
            "timeframe": "yearly",
        ],
    ]

    /// What each filtered list shows of ``book``.
    static let expected: [String: Set<String>] = [
        "allCustomers": ["customer.amara-okafor", "liza.mei-lin-chen", "customer.james-whitfield", "customer.lars-eriksen", "liza.sofia-marchetti"],
        "tier-liza-select": [],
        "tier-gold-preferred": ["liza.sofia-marchetti"],
        "tier-platinum-premier": ["liza.mei-lin-chen"],
        "atRisk": ["customer.amara-okafor", "customer.james-whitfield"],
        "status-pending": ["salesOrder.so-204519"],
        "status-confirmed": [], "status-fulfilled": [],
        "status-delivered": ["salesOrder.so-204518"],
        "status-cancelled": [], "status-returned": [],
        "model-churn-prediction": [
            "model.churn.amara-okafor.2025-11", "model.churn.amara-okafor.2025-06", "model.churn.mei-lin-chen.2025-06",
            "model.churn.mei-lin-chen.2025-11", "model.churn.james-whitfield.2025-11", "model.churn.sofia-marchetti.2025-06",
            "model.churn.sofia-marchetti.2025-11",
            "analytics.client.churn-prediction.customer.amara-okafor", "analytics.client.churn-prediction.liza.mei-lin-chen",
            "analytics.client.churn-prediction.customer.james-whitfield", "analytics.client.churn-prediction.liza.sofia-marchetti",
        ],
        "model-ltv-forecasting": ["model.ltv.mei-lin-chen.2025-11"],
        "model-next-purchase": [], "model-product-affinity": [],
        "model-upsell-opportunity": ["model.upsell.lars-eriksen"], "model-clienteling-worklist": [],
        "trend-seasonal": ["trend.seasonal.2025"],
        "trend-cultural-preferences": [], "trend-musical-jewelry-correlation": [], "trend-engagement-effectiveness": [],
        "trend-collection-performance": [], "trend-experience-adoption": [],
        "trend-energy-alignment": ["trend.energy.2025"],
    ]

    @Test func everyFilteredListShowsTheRightDocuments() throws {
        #expect(Set(Self.documentLists.map(\.id)) == Set(Self.expected.keys))
        try CRM.withStore { dataset in
            try dataset.mutate(Self.book.map(CRM.create))
            for list in Self.documentLists {
                let found = try dataset.query("*[\(list.filter)]", params: list.params)
                #expect(Set(CRM.ids(found)) == Self.expected[list.id], "\(list.id)")
            }
        }
    }

    @Test func atRiskFollowsTheLatestChurnPrediction() throws {
        try CRM.withStore { dataset in
            try dataset.mutate(Self.book.map(CRM.create))
            let atRisk = { try dataset.query("*[\(CRMDesk.atRiskFilter)] | order(name)", params: ["riskLevels": ["critical", "high"]]) }
            #expect(CRM.ids(try atRisk()) == ["customer.amara-okafor", "customer.james-whitfield"])
            // A newer run replaces each client's prediction: Mei-Lin Chen is back on the list, James is off it.
            try dataset.mutate([
                .createOrReplace(Self.currentChurn(for: "liza.mei-lin-chen", "high", at: "2025-12-31T06:00:00Z").objectValue ?? [:]),
                .createOrReplace(Self.currentChurn(for: "customer.james-whitfield", "low", at: "2025-12-31T06:00:00Z").objectValue ?? [:]),
            ])
            #expect(CRM.ids(try atRisk()) == ["customer.amara-okafor", "liza.mei-lin-chen"])
            // Read from indexes: no step tests every document.
            let profile = QueryProfile()
            _ = try dataset.query("*[\(CRMDesk.atRiskFilter)]", params: ["riskLevels": ["critical", "high"]], options: EvaluationOptions(profile: profile))
            #expect(profile.steps.count == 2 && profile.steps.allSatisfy(\.usesIndex), "\(profile.table)")
            // The analytics' own documents are where the list looks: a run of the churn model
            // writes exactly these ids.
            #expect(ModelDocuments.clientDocumentID(.churn, client: "liza.mei-lin-chen") == ModelDocuments.clientPrefix(.churn) + "liza.mei-lin-chen")
        }
    }

    @Test func everyTypeListShowsItsTypeOnly() throws {
        try CRM.withStore { dataset in
            try dataset.mutate(Self.book.map(CRM.create))
            for type in Self.desk.typeNames {
                let found = try dataset.query("*[_type == $type]._type", params: ["type": .string(type)])
                let types = Set(found.arrayValue ?? [])
                #expect(types == [.string(type)], "\(type)")
            }
        }
    }
}
