import FacetSchema
import Foundation
import GROQ
import SchemaTypes
import Testing
import TestSupport

/// `examples/crm.ndjson`, which the README's first command queries, is a real export of the demo
/// CRM: every document valid, and the same documents the generator makes for 20 customers, seed 1.
@Suite("The example CRM export", .ownThread(computing: true))
struct ExampleDataTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/crm.ndjson")

    /// The stored fields the store adds, which the generator does not write.
    static func withoutSystemFields(_ document: JSONValue) -> JSONValue {
        guard case .object(var object) = document else { return document }
        for key in ["_rev", "_updatedAt", "_createdAt"] { object.removeValue(forKey: key) }
        return .object(object)
    }

    @Test func theExampleIsTheDemoOfTwentyCustomersAndEveryDocumentIsValid() throws {
        let lines = try String(contentsOf: Self.file, encoding: .utf8).split(separator: "\n")
        let exported = try lines.map { try JSONValue(parsing: String($0)) }
        let validator = try DemoDataTests.validator(over: exported)
        for document in exported {
            #expect(validator.validate(document) == [], "\(document["_id"]?.stringValue ?? "?")")
        }
        let generated = try CRMDemo(customers: 20, seed: 1).generate().finalDocuments()
        let byID = Dictionary(uniqueKeysWithValues: generated.compactMap { doc in doc["_id"]?.stringValue.map { ($0, doc) } })
        #expect(Set(DemoDataTests.ids(exported)) == Set(byID.keys),
                "regenerate: facet demo seed --data DIR --customers 20 --seed 1 && facet dataset export --data DIR examples/crm.ndjson")
        for document in exported {
            guard let id = document["_id"]?.stringValue, let made = byID[id] else { continue }
            #expect(Self.withoutSystemFields(document) == Self.withoutSystemFields(made), "\(id) differs from the generator's")
        }
    }
}
