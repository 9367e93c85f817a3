import FacetSchema
import GROQ
import SchemaTypes
import Testing
import TestSupport

@Suite("Complete, valid documents of every CRM type", .ownThread(computing: true))
struct ValidDocumentsTests {
    @Test(arguments: CRMSamples.ids)
    func aCompleteDocumentHasNoMarkers(_ id: String) throws {
        let document = try #require(CRMSamples.sample(id))
        #expect(CRM.markers(document) == [])
    }

    @Test func theSamplesCoverEveryDocumentType() {
        let types = Set(CRMSamples.all.compactMap { $0["_type"]?.stringValue })
        #expect(types == Set(CRM.schema.documentTypeNames))
    }
}
