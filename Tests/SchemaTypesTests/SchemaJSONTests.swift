import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("The CRM schema as JSON", .ownThread(computing: true))
struct SchemaJSONTests {
    @Test func theExportedSchemaReadsBackAsTheSameSchema() throws {
        let schema = try CRMSchema.compile()
        let decoded = try Schema(json: schema.json)
        #expect(decoded.types.map(\.name) == schema.types.map(\.name))
        for (original, read) in zip(schema.types, decoded.types) {
            #expect(read == original, "\(original.name)")
        }
        #expect(decoded == schema)
    }

    @Test func theExportedTextReadsBackAsTheSameSchema() throws {
        let schema = try CRMSchema.compile()
        let text = schema.json.serialized(pretty: true)
        let decoded = try Schema(json: try JSONValue(parsing: text))
        #expect(decoded == schema)
        #expect(decoded.json.serialized(pretty: true) == text)
    }

    @Test func theDecodedSchemaValidatesAsTheOriginalDoes() throws {
        let decoded = try Schema(json: try CRMSchema.compile().json)
        let validator = Validator(schema: decoded, customChecks: CRMSchema.customChecks)
        let order = CRMSamples.salesOrder
            .edited("orderNumber", to: "SO-12")
            .edited("total", to: 22801)
            .edited("paymentReference", to: "4111 1111 1111 1111")
        let expected = [
            "error at orderNumber: Does not match the order number format",
            "error at total: Must equal subtotal − discount + tax (23393.75)",
            "error at paymentReference: Looks like a card number: store the processor's reference, never the PAN",
        ]
        #expect(CRM.markers(order) == expected)
        #expect(validator.validate(order).map(\.description) == expected)
        #expect(validator.validate(CRMSamples.ltvModel) == [])
    }

    @Test func theStudioSeesWhatIsSensitiveAndWhatIsReadOnly() throws {
        let json = try CRMSchema.compile().json
        let types = json["types"]?.arrayValue ?? []
        func field(_ type: String, _ name: String) -> JSONValue? {
            types.first { $0["name"]?.stringValue == type }?["fields"]?.arrayValue?.first { $0["name"]?.stringValue == name }
        }
        #expect(field("customer", "email")?["sensitive"] == true)
        #expect(field("customer", "email")?["personalData"] == true)
        #expect(field("lizaCustomer", "birthday")?["sensitive"] == true)
        #expect(field("auditLog", "hash")?["readOnly"] == true)
        #expect(field("customer", "segment")?["options"]?["layout"] == "radio")
        #expect(field("salesOrder", "total")?["validation"] == [
            ["flag": "required", "level": "error"], ["flag": "min", "constraint": 0, "level": "error"],
            ["flag": "precision", "constraint": 2, "level": "error"], ["flag": "custom", "name": "totalAddsUp", "level": "error"],
        ])
    }
}
