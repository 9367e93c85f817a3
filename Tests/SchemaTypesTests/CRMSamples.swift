import FacetSchema
import FacetStore
import Foundation
import GROQ
import SchemaTypes

/// Realistic documents of every CRM type, one client book of the house: two advisors, a client
/// and a LIZA VIP, a collection with two pieces, an order, a campaign, a contact, a creative
/// profile, model runs, a trend analysis, a dashboard and an audit entry.
///
/// Every sample is valid on its own (no markers at all), and together they are a consistent
/// dataset: every strong reference points to another sample, so ``all`` can be stored in one
/// transaction.
enum CRMSamples {
    static let staff: JSONValue = [
        "_id": "staff.claire-dubois", "_type": "staff",
        "name": "Claire Dubois", "email": "claire.dubois@maison-liza.com", "phone": "+33 1 42 60 38 14",
        "jobTitle": "senior-client-advisor", "studioRole": "sales", "boutique": "paris-vendome",
        "languages": ["fr", "en", "zh-Hans"], "hireDate": "2014-03-03", "isActive": true,
        "assignedCustomers": [
            ["_key": "a1", "_type": "reference", "_ref": "customer.amara-okafor"],
            ["_key": "a2", "_type": "reference", "_ref": "liza.mei-lin-chen"],
        ],
    ]

    static let manager: JSONValue = [
        "_id": "staff.henri-valmont", "_type": "staff",
        "name": "Henri Valmont", "email": "henri.valmont@maison-liza.com", "jobTitle": "boutique-manager", "studioRole": "manager",
        "boutique": "paris-vendome", "languages": ["fr", "en"], "hireDate": "2009-09-01", "isActive": true,
    ]

    static let customer: JSONValue = [
        "_id": "customer.amara-okafor", "_type": "customer",
        "name": "Amara Okafor", "email": "amara.okafor@example.com", "phone": "+44 20 7946 0958",
        "address": [
            "street": "14 Cheyne Walk", "city": "London", "postalCode": "SW3 5RA", "country": "GB",
            "location": ["_type": "geopoint", "lat": 51.4826, "lng": -0.1687],
        ],
        "birthday": "1984-06-12",
        "segment": "loyal", "lifetimeValue": 48250.5, "energyAlignment": "strong",
        "assignedStaff": ["_type": "reference", "_ref": "staff.claire-dubois"],
        "customerSince": "2017-11-03", "preferredChannel": "whatsapp",
        "notes": "Buys for her mother's milestone birthdays; prefers appointments after six.",
        "culturalHeritage": ["Igbo", "British"], "culturalValues": ["family-legacy", "excellence"],
        "communicationStyle": "direct-formal", "decisionMakingApproach": "family-consensus",
        "jewelryCulturalSignificance": "Coral and gold mark rites of passage in her family; pieces are passed to daughters.",
        "positiveEnergyAlignment": ["celebration", "protection"], "preferredLanguage": "en-GB",
        "consent": ["emailMarketing": true, "smsMarketing": false, "phoneContact": true, "profiling": true, "updatedAt": "2025-03-14T10:20:00Z"],
    ]

    static let lizaCustomer: JSONValue = [
        "_id": "liza.mei-lin-chen", "_type": "lizaCustomer",
        "name": "Mei-Lin Chen", "email": "meilin.chen@example.hk", "phone": "+852 2523 8841",
        "address": ["street": "12 Conduit Road", "city": "Hong Kong", "region": "Mid-Levels", "country": "HK"],
        "birthday": "1976-02-08",
        "segment": "vip", "lifetimeValue": 162400, "energyAlignment": "exceptional",
        "assignedStaff": ["_type": "reference", "_ref": "staff.claire-dubois"],
        "customerSince": "2012-05-19", "preferredChannel": "video",
        "tier": "platinum-premier", "memberSince": "2016-01-10", "tierReviewDate": "2026-01-10",
        "culturalHeritage": ["Cantonese"], "culturalValues": ["family-legacy", "harmony", "craftsmanship"],
        "communicationStyle": "indirect-formal", "decisionMakingApproach": "advisor-network",
        "jewelryCulturalSignificance": "Jade and gold are given at weddings and to newborns; the number eight brings fortune.",
        "positiveEnergyAlignment": ["harmony", "abundance"], "preferredLanguage": "zh-Hant",
        "culturalInvestmentPhilosophy": "heirloom-legacy", "preferredCulturalExperiences": ["private-viewing", "atelier-visit"],
        "consent": ["emailMarketing": true, "smsMarketing": true, "phoneContact": true, "profiling": true, "updatedAt": "2024-12-02T08:00:00Z"],
    ]

    static let collection: JSONValue = [
        "_id": "collection.lumiere", "_type": "collection",
        "title": "Lumière", "slug": ["_type": "slug", "current": "lumiere"],
        "description": "Platinum and white diamonds cut to catch candlelight.",
        "season": "autumn-winter", "launchDate": "2025-09-15", "endDate": "2026-03-31",
        "culturalInspiration": "The chandeliers of the Palais Garnier.", "designAesthetic": "art-deco", "featured": true,
    ]

    static let ring: JSONValue = [
        "_id": "product.rg-10042", "_type": "product",
        "name": "Lumière Solitaire Ring", "slug": ["_type": "slug", "current": "lumiere-solitaire-ring"], "sku": "RG-10042",
        "category": "rings", "collection": ["_type": "reference", "_ref": "collection.lumiere"],
        "price": 18500, "currency": "EUR", "metal": "platinum", "gemstones": ["diamond"], "caratWeight": 1.5,
        "designAesthetic": "art-deco",
        "description": [[
            "_type": "block", "_key": "d1", "style": "normal", "markDefs": [],
            "children": [["_type": "span", "_key": "s1", "text": "A 1.5-carat brilliant on a knife-edge platinum band.", "marks": []]],
        ]],
        "stockQuantity": 3, "isAvailable": true, "launchDate": "2025-09-15",
    ]

    static let earrings: JSONValue = [
        "_id": "product.er-2207", "_type": "product",
        "name": "Lumière Drop Earrings", "slug": ["_type": "slug", "current": "lumiere-drop-earrings"], "sku": "ER-2207",
        "category": "earrings", "collection": ["_type": "reference", "_ref": "collection.lumiere"],
        "price": 2150.5, "currency": "EUR", "metal": "white-gold", "gemstones": ["diamond", "pearl"], "caratWeight": 0.75,
        "designAesthetic": "art-deco", "stockQuantity": 8, "isAvailable": true, "launchDate": "2025-09-15",
    ]

    /// 1 × 18,500.00 + 2 × 2,150.50 = 22,801.00; − 1,140.00 + 1,732.75 = 23,393.75.
    static let salesOrder: JSONValue = [
        "_id": "salesOrder.so-204518", "_type": "salesOrder",
        "orderNumber": "SO-204518", "customer": ["_type": "reference", "_ref": "liza.mei-lin-chen"],
        "orderDate": "2025-11-22T15:40:00Z", "status": "delivered", "channel": "private-appointment",
        "staff": ["_type": "reference", "_ref": "staff.claire-dubois"],
        "lineItems": [
            ["_key": "l1", "_type": "lineItem", "product": ["_type": "reference", "_ref": "product.rg-10042"], "quantity": 1, "unitPrice": 18500],
            ["_key": "l2", "_type": "lineItem", "product": ["_type": "reference", "_ref": "product.er-2207"], "quantity": 2, "unitPrice": 2150.5],
        ],
        "subtotal": 22801, "discount": 1140, "tax": 1732.75, "total": 23393.75, "currency": "EUR",
        "paymentMethod": "card", "paymentReference": "pi_3QfX7b2eZvKYlo2C0m1aB9xT",
        "notes": "Engraving on the ring: 八 — collected in person.",
    ]

    static let campaign: JSONValue = [
        "_id": "campaign.lumiere-preview", "_type": "marketingCampaign",
        "name": "Lumière Private Preview", "slug": ["_type": "slug", "current": "lumiere-private-preview"],
        "channel": "event", "status": "completed", "startDate": "2025-09-10", "endDate": "2025-09-30", "budget": 42000,
        "targetSegments": ["loyal", "vip"], "targetTiers": ["gold-preferred", "platinum-premier"],
        "featuredProducts": [["_key": "f1", "_type": "reference", "_ref": "product.rg-10042"]],
        "featuredCollection": ["_type": "reference", "_ref": "collection.lumiere"],
        "message": [[
            "_type": "block", "_key": "m1", "style": "normal", "markDefs": [],
            "children": [["_type": "span", "_key": "s1", "text": "An evening with Lumière before anyone else.", "marks": []]],
        ]],
        "results": ["audienceSize": 180, "delivered": 176, "opened": 141, "responded": 64, "converted": 23, "revenue": 412750.5],
    ]

    static let interaction: JSONValue = [
        "_id": "interaction.2025-11-18-chen", "_type": "interaction",
        "customer": ["_type": "reference", "_ref": "liza.mei-lin-chen"], "staff": ["_type": "reference", "_ref": "staff.claire-dubois"],
        "channel": "video", "direction": "outbound", "date": "2025-11-18T09:30:00Z", "purpose": "new-arrival",
        "outcome": "purchase", "sentiment": "positive",
        "campaign": ["_type": "reference", "_ref": "campaign.lumiere-preview"],
        "salesOrder": ["_type": "reference", "_ref": "salesOrder.so-204518"],
        "durationMinutes": 35, "summary": "Showed the solitaire on video; she asked to see it in Paris on the 22nd.",
        "followUpDate": "2025-12-22",
    ]

    static let creativeExpression: JSONValue = [
        "_id": "creative.mei-lin-chen", "_type": "creativeExpression",
        "title": "Mei-Lin Chen: a quiet, heirloom romance",
        "customer": ["_type": "reference", "_ref": "liza.mei-lin-chen"],
        "musicalProfile": [
            "musicalPreferences": ["classical", "jazz"], "emotionalTones": ["serene", "romantic"],
            "soundscapePreferences": ["orchestral", "minimalist"], "experienceNarrative": "A solo cello as the piece is unveiled.",
        ],
        "visualProfile": [
            "colorPalettes": ["precious-metals", "jewel-tones"], "lightingMoods": ["warm", "soft"],
            "designAesthetics": ["art-deco", "vintage"], "visualSymbolism": "Double happiness; the peony for prosperity.",
        ],
        "experientialProfile": [
            "experienceTypes": ["private-consultation", "storytelling"], "sensoryEngagement": ["touch-texture", "scent"],
            "timeframePreference": "extended", "socialContext": ["family"],
        ],
        "synestheticBridge": [
            "musicToJewelryMapping": "Cello legato to the unbroken line of a platinum band.",
            "jewelryStorytelling": "A ring for her daughter's wedding, made to be handed down.",
            "creativeThemes": ["heritage", "love"],
        ],
        "capturedAt": "2025-10-02T14:00:00Z", "capturedBy": ["_type": "reference", "_ref": "staff.claire-dubois"],
    ]

    static let churnModel: JSONValue = [
        "_id": "model.churn.amara-okafor.2025-11", "_type": "analyticsModel",
        "name": "Churn risk: Amara Okafor, November 2025", "modelType": "churn-prediction", "algorithm": "brief-heuristic",
        "modelVersion": "1.2.0", "customer": ["_type": "reference", "_ref": "customer.amara-okafor", "_weak": true],
        "performance": ["accuracy": 0.87, "precision": 0.81, "recall": 0.78, "f1Score": 0.79, "auc": 0.9],
        "trainingData": [
            "datasetSize": 4812, "features": ["daysSinceContact", "frequencyTrend", "energyAlignment", "ltvTrend", "engagementSpacing"],
            "trainingDate": "2025-10-31T23:00:00Z", "retrainSchedule": "monthly",
        ],
        "parameters": [["_key": "p1", "_type": "parameter", "name": "daysSinceContactWeight", "value": 0.3, "standardError": 0.04]],
        "predictions": [
            "value": 0.82, "probability": 0.82, "riskLevel": "critical",
            "keyDrivers": [
                ["_key": "k1", "_type": "keyDriver", "factor": "daysSinceContact", "weight": 0.3, "detail": "148 days since the last contact"],
                ["_key": "k2", "_type": "keyDriver", "factor": "frequencyTrend", "weight": 0.25, "detail": "Two orders a year, down from five"],
            ],
            "recommendations": ["Invite to the Lumière private viewing", "A handwritten note from Claire before her birthday"],
        ],
        "notes": "Weighted heuristic from the brief; weights are not fitted.",
        "generatedAt": "2025-11-30T06:00:00Z",
    ]

    static let ltvModel: JSONValue = [
        "_id": "model.ltv.mei-lin-chen.2025-11", "_type": "analyticsModel",
        "name": "Five-year value: Mei-Lin Chen", "modelType": "ltv-forecasting", "algorithm": "gamma-gamma", "modelVersion": "2.0",
        "customer": ["_type": "reference", "_ref": "liza.mei-lin-chen", "_weak": true],
        "predictions": ["value": 162400, "keyDrivers": [["_key": "k1", "_type": "keyDriver", "factor": "segment", "weight": 4]]],
        "forecast": [
            "forecastedValue": 245000, "timeframe": "5-years",
            "confidenceInterval": ["lower": 198000, "upper": 291000, "level": 0.9],
        ],
        "generatedAt": "2025-11-30T06:00:00Z",
    ]

    static let seasonalTrend: JSONValue = [
        "_id": "trend.seasonal.2025", "_type": "trendAnalysis",
        "title": "Holiday gifting lifts necklaces in 2025", "trendType": "seasonal", "timeframe": "monthly",
        "periodStart": "2025-01-01", "periodEnd": "2025-12-31",
        "dataPoints": [
            "total": 3184500, "average": 265375, "percentageChange": 34.5,
            "topCategories": [["_key": "t1", "_type": "categoryValue", "category": "necklaces", "value": 912000]],
            "bottomCategories": [["_key": "b1", "_type": "categoryValue", "category": "brooches", "value": 48500]],
            "series": [
                ["_key": "s11", "_type": "point", "label": "2025-11", "value": 402000],
                ["_key": "s12", "_type": "point", "label": "2025-12", "value": 611500],
            ],
        ],
        "insights": [
            "narrative": "December carries one fifth of the year's revenue.", "keyFindings": ["Peak in December", "Low in February"],
            "patterns": ["Gifting before lunar new year"], "anomalies": [],
        ],
        "impact": ["revenueImpact": 185000, "customerCount": 412, "implementationEffort": "medium", "priority": "high"],
        "recommendations": ["Stock necklaces by mid-November"],
        "generatedAt": "2026-01-05T07:00:00Z",
    ]

    static let dashboard: JSONValue = [
        "_id": "dashboard.clienteling-pulse", "_type": "analyticsDashboard",
        "title": "Clienteling Pulse", "slug": ["_type": "slug", "current": "clienteling-pulse"],
        "description": "Who to call this week, and why.", "owner": ["_type": "reference", "_ref": "staff.henri-valmont"],
        "audience": ["manager", "sales"],
        "widgets": [
            ["_key": "w1", "_type": "widget", "title": "Critical churn risks", "kind": "table",
             "query": #"*[_type == "analyticsModel" && modelType == "churn-prediction" && predictions.riskLevel == "critical"]{name, customer}"#,
             "refreshMinutes": 60],
            ["_key": "w2", "_type": "widget", "title": "Open orders", "kind": "metric",
             "query": #"count(*[_type == "salesOrder" && status in ["pending", "confirmed"]])"#],
        ],
        "models": [["_key": "m1", "_type": "reference", "_ref": "model.churn.amara-okafor.2025-11", "_weak": true]],
        "trends": [["_key": "t1", "_type": "reference", "_ref": "trend.seasonal.2025", "_weak": true]],
        "refreshSchedule": "daily", "lastRefreshed": "2025-12-01T06:00:00Z",
    ]

    static let auditEntry: JSONValue = [
        "_id": "audit.000001042", "_type": "auditLog",
        "sequence": 1042, "timestamp": "2025-11-22T15:41:07.250Z", "action": "publish", "actor": "claire.dubois", "actorRole": "sales",
        "documentId": "salesOrder.so-204518", "documentType": "salesOrder", "transactionId": "tx-9f2c41",
        "ipAddress": "203.0.113.24", "details": "Published from the studio",
        "previousHash": "9b74c9897bac770ffc029102a200c5de3b8c1b2e9f0a4d6c8e1f2a3b4c5d6e7f",
        "hash": "3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b",
    ]

    /// Every sample, in an order that creates referenced documents first.
    static let all: [JSONValue] = [
        staff, manager, customer, lizaCustomer, collection, ring, earrings, salesOrder, campaign, interaction, creativeExpression,
        churnModel, ltvModel, seasonalTrend, dashboard, auditEntry,
    ]

    /// The `_id`s of ``all``, in order.
    static let ids: [String] = all.compactMap { $0["_id"]?.stringValue }

    /// The sample with this `_id`.
    static func sample(_ id: String) -> JSONValue? {
        all.first { $0["_id"]?.stringValue == id }
    }
}

/// The CRM's compiled schema and validator, and markers written as one line each:
/// `error at lineItems[_key=="l1"].quantity: Must be an integer`.
enum CRM {
    static let schema: Schema = try! CRMSchema.compile()
    static let validator: Validator = try! CRMSchema.validator()

    /// Every marker the validator gives `document`, as `level at path: message`.
    static func markers(_ document: JSONValue) -> [String] {
        validator.validate(document).map(\.description)
    }

    /// The field `name` of the document type `type`.
    static func field(_ type: String, _ name: String) -> Field? {
        schema.type(named: type)?.field(name)
    }

    /// Runs `body` with the `production` dataset of a store in a fresh temporary directory that
    /// validates with the CRM's validator; the directory is removed afterwards.
    static func withStore(_ body: (Dataset) throws -> Void) throws {
        let directory = NSTemporaryDirectory() + "facet-crm-test-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: validator)
        defer { store.close() }
        try body(try store.dataset("production", create: true))
    }

    /// Creates `document` (a JSON object).
    static func create(_ document: JSONValue) -> Mutation { .create(document.objectValue ?? [:]) }

    /// Creates or replaces `document` (a JSON object).
    static func createOrReplace(_ document: JSONValue) -> Mutation { .createOrReplace(document.objectValue ?? [:]) }

    /// The ``StoreError`` `body` throws, or `nil` when it succeeds.
    static func refusal(_ body: () throws -> Void) -> StoreError? {
        do { try body(); return nil } catch let error as StoreError { return error } catch { return nil }
    }

    /// The `_id`s of a query result that is an array of documents, in order.
    static func ids(_ result: JSONValue) -> [String] {
        (result.arrayValue ?? []).compactMap { $0["_id"]?.stringValue }
    }
}

extension JSONValue {
    /// A copy with the value at `path` (object keys and array indexes, dot-separated, e.g.
    /// `lineItems.0.quantity`) replaced by `value`; missing objects on the way are created.
    func edited(_ path: String, to value: JSONValue) -> JSONValue {
        edited(path.split(separator: ".").map(String.init)[...], to: value)
    }

    /// A copy without the values at `paths`.
    func without(_ paths: String...) -> JSONValue {
        var result = self
        for path in paths { result = result.removing(path.split(separator: ".").map(String.init)[...]) }
        return result
    }

    private func edited(_ keys: ArraySlice<String>, to value: JSONValue) -> JSONValue {
        guard let key = keys.first else { return value }
        switch self {
        case .array(var items):
            guard let index = Int(key), items.indices.contains(index) else { return self }
            items[index] = items[index].edited(keys.dropFirst(), to: value)
            return .array(items)
        case .object(var object):
            object[key] = (object[key] ?? .object([:])).edited(keys.dropFirst(), to: value)
            return .object(object)
        default:
            return JSONValue.object([:]).edited(keys, to: value)
        }
    }

    private func removing(_ keys: ArraySlice<String>) -> JSONValue {
        guard let key = keys.first else { return self }
        switch self {
        case .array(var items):
            guard let index = Int(key), items.indices.contains(index) else { return self }
            if keys.count == 1 { items.remove(at: index) } else { items[index] = items[index].removing(keys.dropFirst()) }
            return .array(items)
        case .object(var object):
            if keys.count == 1 { object.removeValue(forKey: key) } else if let member = object[key] {
                object[key] = member.removing(keys.dropFirst())
            }
            return .object(object)
        default:
            return self
        }
    }
}
