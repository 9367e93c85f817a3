import FacetSchema
import Foundation
import GROQ

/// The jewelry house's content model: the 13 document types, the object types they embed, and
/// the custom rules they name.
///
/// ```swift
/// let schema = try CRMSchema.compile()                 // fails with every problem listed
/// let store = try DocumentStore(directory: "facet-data", validator: try CRMSchema.validator())
/// ```
public enum CRMSchema {
    /// The document types, in the order the brief lists them.
    static let documentTypes: [SchemaType] = [
        customer, lizaCustomer, product, collection, salesOrder, marketingCampaign, staff, interaction,
        creativeExpression, analyticsModel, trendAnalysis, analyticsDashboard, auditLog,
    ]

    /// Object types embedded by the document types.
    static let objectTypes: [SchemaType] = [address, consentRecord]

    /// Every type, documents first.
    public static var types: [SchemaType] { documentTypes + objectTypes }

    /// The compiled schema; throws the schema's problems if a type was declared inconsistently.
    public static func compile() throws(SchemaError) -> Schema {
        try Schema(types)
    }

    /// A validator for the schema with the CRM's custom rules registered.
    public static func validator() throws(SchemaError) -> Validator {
        Validator(schema: try compile(), customChecks: customChecks)
    }

    /// The custom rules the types name, by name.
    public static let customChecks: [String: Validator.CustomCheck] = [
        "endsAfterItStarts": { value, document in
            guard let end = value?.stringValue, let type = document["_type"]?.stringValue,
                  let startField = startFields[type], let start = document[startField]?.stringValue else { return nil }
            // ISO dates compare correctly as strings.
            return end < start ? "Must not be before \(startField) (\(start))" : nil
        },
        "subtotalMatchesLines": { value, document in
            guard let subtotal = value?.numberValue, let lines = document["lineItems"]?.arrayValue else { return nil }
            var sum = 0.0
            for line in lines {
                guard let quantity = line["quantity"]?.numberValue, let price = line["unitPrice"]?.numberValue else { return nil }
                sum += quantity * price
            }
            return abs(sum - subtotal) > 0.005 ? "Must equal the sum of the lines (quantity × unit price = \(money(sum)))" : nil
        },
        "totalAddsUp": { value, document in
            guard let total = value?.numberValue, let subtotal = document["subtotal"]?.numberValue else { return nil }
            let expected = subtotal - (document["discount"]?.numberValue ?? 0) + (document["tax"]?.numberValue ?? 0)
            return abs(expected - total) > 0.005 ? "Must equal subtotal − discount + tax (\(money(expected)))" : nil
        },
        "intervalIsOrdered": { value, document in
            guard let upper = value?.numberValue, let forecast = document["forecast"],
                  let lower = forecast["confidenceInterval"]?["lower"]?.numberValue else { return nil }
            if upper < lower { return "The upper bound is below the lower bound (\(lower))" }
            if let point = forecast["forecastedValue"]?.numberValue, point < lower || point > upper {
                return "The forecasted value (\(point)) lies outside the interval [\(lower), \(upper)]"
            }
            return nil
        },
        "groq": { value, _ in
            guard let text = value?.stringValue else { return nil }
            do { _ = try GROQQuery(text); return nil } catch let error as GROQError { return "Not valid GROQ: \(error.formatted)" } catch { return "Not valid GROQ: \(error)" }
        },
    ]

    /// Which field starts the period that `endsAfterItStarts` ends.
    private static let startFields = ["collection": "launchDate", "marketingCampaign": "startDate", "trendAnalysis": "periodStart"]

    private static func money(_ value: Double) -> String {
        let cents = (value * 100).rounded()
        return String(format: "%.2f", cents / 100)
    }
}
