import FacetSchema
import GROQ
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

@Suite("The CRM schema", .ownThread(computing: true))
struct CRMSchemaTests {
    @Test func compilesWithThirteenDocumentTypes() throws {
        let schema = try CRMSchema.compile()
        #expect(schema.documentTypeNames == [
            "customer", "lizaCustomer", "product", "collection", "salesOrder", "marketingCampaign", "staff", "interaction",
            "creativeExpression", "analyticsModel", "trendAnalysis", "analyticsDashboard", "auditLog",
        ])
    }

    @Test func embedsTheAddressAndConsentObjectTypes() throws {
        let schema = try CRMSchema.compile()
        #expect(schema.types.filter { $0.kind == .object }.map(\.name) == ["address", "consentRecord"])
    }

    @Test func everyCustomRuleItNamesIsRegistered() throws {
        var named: [String] = []
        func collect(_ fields: [Field]) {
            for field in fields {
                for rule in field.rules { if case .custom(let name) = rule.check { named.append(name) } }
                collect(type: field.type)
            }
        }
        func collect(type: FieldType) {
            switch type {
            case .object(let fields): collect(fields)
            case .array(let members):
                for member in members {
                    if case .inline(_, let fields) = member { collect(fields) }
                    if case .primitive(let type) = member { collect(type: type) }
                }
            default: break
            }
        }
        for type in try CRMSchema.compile().types { collect(type.fields) }
        #expect(Set(named) == Set(CRMSchema.customChecks.keys))
        #expect(named.sorted() == [
            "endsAfterItStarts", "endsAfterItStarts", "endsAfterItStarts", "groq", "intervalIsOrdered", "subtotalMatchesLines", "totalAddsUp",
        ])
    }
}
