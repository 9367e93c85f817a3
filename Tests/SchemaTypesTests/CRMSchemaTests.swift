import FacetSchema
import GROQ
import SchemaTypes
import StudioConfig
import Testing

@Suite("The CRM schema")
struct CRMSchemaTests {
    @Test func compilesWithThirteenDocumentTypes() throws {
        let schema = try CRMSchema.compile()
        #expect(schema.documentTypeNames == [
            "customer", "lizaCustomer", "product", "collection", "salesOrder", "marketingCampaign", "staff", "interaction",
            "creativeExpression", "analyticsModel", "trendAnalysis", "analyticsDashboard", "auditLog",
        ])
    }
}
