import FacetSchema
import FacetStore
import Foundation
import GROQ

/// The CRM's document actions: what an advisor can ask of a document from the studio beyond
/// editing it. Each reads the dataset and writes through the mutation pipeline, so its writes are
/// validated, versioned and attributed to the advisor who ran it.
///
/// ```swift
/// let api = FacetAPI(store: store, schema: schema, actions: CRMActions.all)
/// // POST /v1/actions/production/recalculate-lifetime-value  {"documentId": "customer.amara-okafor"}
/// ```
public enum CRMActions {
    /// Every action, in the order the studio lists them: the lifetime-value sum, then the
    /// predictive models and trend analyses (``analytics``).
    public static let all: [DocumentAction] = [recalculateLifetimeValue] + analytics

    /// The document types that are clients of the house.
    static let clientTypes = ["customer", "lizaCustomer"]

    /// Sums the totals of the client's published orders that were not cancelled and stores the
    /// sum as `lifetimeValue`, on the published client and on its draft (so that publishing the
    /// draft later does not bring back the old figure). Nothing is written when the figure is
    /// already right.
    ///
    /// The result carries `previousValue`, `newValue`, `orderCount` and the `currencies` summed.
    public static let recalculateLifetimeValue = DocumentAction(
        "recalculate-lifetime-value", title: "Recalculate lifetime value",
        description: "Sums the totals of the client's orders that were not cancelled and stores it as the lifetime value.",
        types: clientTypes
    ) { context in
        let orders = try await context.query(
            #"*[_type == "salesOrder" && customer._ref == $id && status != "cancelled"]{total, currency}"#,
            params: ["id": .string(context.documentID)])
        // Summed in cents: the field allows two decimals, and adding doubles drifts past them.
        var cents = 0.0
        var currencies = Set<String>()
        var orderCount = 0
        for order in orders.arrayValue ?? [] {
            guard let total = order["total"]?.numberValue else { continue }
            cents += (total * 100).rounded()
            orderCount += 1
            if let currency = order["currency"]?.stringValue { currencies.insert(currency) }
        }
        let newValue = cents / 100
        let previous = context.document["lifetimeValue"]?.numberValue
        let versions = try await context.query(#"*[_id in [$id, "drafts." + $id]]{_id, lifetimeValue}"#,
                                               params: ["id": .string(context.documentID)], perspective: .raw)
        let stale = (versions.arrayValue ?? []).filter { $0["lifetimeValue"]?.numberValue != newValue }.compactMap { $0["_id"]?.stringValue }
        let data: JSONObject = [
            "previousValue": previous.map(JSONValue.number) ?? .null,
            "newValue": .number(newValue),
            "orderCount": .number(Double(orderCount)),
            "currencies": .array(currencies.sorted().map(JSONValue.string)),
        ]
        // Orders in several currencies are added as they stand: the house keeps no exchange rates.
        let mixed = currencies.count > 1 ? " (orders in \(currencies.sorted().joined(separator: ", ")) added as they stand)" : ""
        let counted = "\(orderCount) order\(orderCount == 1 ? "" : "s")"
        guard !stale.isEmpty else {
            return ActionResult(message: "Lifetime value unchanged at \(money(newValue)) from \(counted)\(mixed)",
                                tone: mixed.isEmpty ? .info : .warning, data: data)
        }
        var mutations: [Mutation] = []
        for id in stale {
            mutations.append(.patch(try PatchMutation(json: ["id": .string(id), "set": ["lifetimeValue": .number(newValue)]])))
        }
        let result = try await context.mutate(mutations)
        return ActionResult(message: "Lifetime value \(previous.map(money) ?? "unset") → \(money(newValue)) from \(counted)\(mixed)",
                            tone: mixed.isEmpty ? .success : .warning, transaction: result, data: data)
    }

    /// `48250.5` as `48,250.50`.
    static func money(_ value: Double) -> String {
        let fixed = String(format: "%.2f", abs(value))
        let whole = fixed.prefix { $0 != "." }, fraction = fixed.drop { $0 != "." }
        var grouped = ""
        for (index, digit) in whole.enumerated() {
            if index > 0, (whole.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return (value < 0 ? "-" : "") + grouped + fraction
    }
}
