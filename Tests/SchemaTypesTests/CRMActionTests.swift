import FacetSchema
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

@Suite("The CRM's document actions", .ownThread(computing: true))
struct CRMActionTests {
    static let action = CRMActions.recalculateLifetimeValue

    /// The samples, plus two more orders of Mei-Lin Chen: one pending in USD, one cancelled.
    static func seed(_ dataset: Dataset) throws {
        try CRMStoreTests.seed(dataset)
        func order(_ number: String, total: Double, status: String, currency: String) -> Mutation {
            let sample = CRMSamples.salesOrder.edited("_id", to: .string("salesOrder." + number.lowercased()))
                .edited("orderNumber", to: .string(number)).edited("status", to: .string(status)).edited("currency", to: .string(currency))
                .edited("lineItems", to: [["_key": "l1", "_type": "lineItem", "product": ["_type": "reference", "_ref": "product.er-2207"],
                                           "quantity": 1, "unitPrice": .number(total)]])
                .edited("subtotal", to: .number(total)).edited("total", to: .number(total)).without("discount", "tax")
            return CRM.create(sample)
        }
        try dataset.mutate([
            order("SO-300001", total: 2150.5, status: "pending", currency: "USD"),
            order("SO-300002", total: 9999, status: "cancelled", currency: "EUR"),
        ])
    }

    static func context(_ dataset: Dataset, _ id: String) throws -> ActionContext {
        let document = try #require(dataset.document(id: DocumentID.draft(of: id)) ?? dataset.document(id: id))
        return ActionContext(dataset: dataset, documentID: id, document: document, author: "claire.dubois")
    }

    @Test func theActionIsDeclaredForBothKindsOfClient() {
        #expect(CRMActions.all.first?.name == "recalculate-lifetime-value")
        #expect(Self.action.json == [
            "name": "recalculate-lifetime-value", "title": "Recalculate lifetime value",
            "description": "Sums the totals of the client's orders that were not cancelled and stores it as the lifetime value.",
            "types": ["customer", "lizaCustomer"],
        ])
        #expect(Self.action.applies(to: "lizaCustomer") && Self.action.applies(to: "customer"))
        #expect(!Self.action.applies(to: "salesOrder"))
    }

    @Test func theLifetimeValueIsTheSumOfTheOrdersNotCancelled() async throws {
        let directory = NSTemporaryDirectory() + "facet-crm-action-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: CRM.validator)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        try Self.seed(dataset)
        // An editor is working on a draft of the client: it must not keep the old figure.
        try dataset.mutate([CRM.createOrReplace(CRMSamples.lizaCustomer.edited("_id", to: "drafts.liza.mei-lin-chen")
                .edited("notes", to: "Prefers jade."))])

        let result = try await Self.action.run(try Self.context(dataset, "liza.mei-lin-chen"))
        // 23,393.75 delivered + 2,150.50 pending; the cancelled 9,999.00 does not count.
        #expect(result.data == [
            "previousValue": 162400, "newValue": 25544.25, "orderCount": 2, "currencies": ["EUR", "USD"],
        ])
        #expect(result.message == "Lifetime value 162,400.00 → 25,544.25 from 2 orders (orders in EUR, USD added as they stand)")
        #expect(result.tone == .warning)
        #expect(Set(result.writtenIDs) == ["liza.mei-lin-chen", "drafts.liza.mei-lin-chen"])
        let transactionID = try #require(result.transactionId)
        #expect(dataset.document(id: "liza.mei-lin-chen")?["lifetimeValue"] == 25544.25)
        #expect(dataset.document(id: "drafts.liza.mei-lin-chen")?["lifetimeValue"] == 25544.25)
        #expect(dataset.document(id: "drafts.liza.mei-lin-chen")?["notes"] == "Prefers jade.")
        let history = try dataset.transactions(documentIDs: ["liza.mei-lin-chen"])
        #expect(history.last?.id == transactionID)
        #expect(history.last?.author == "claire.dubois")

        // Run again: the figure is right, nothing is written.
        let again = try await Self.action.run(try Self.context(dataset, "liza.mei-lin-chen"))
        #expect(again.transactionId == nil)
        #expect(again.writtenIDs.isEmpty)
        #expect(again.message.hasPrefix("Lifetime value unchanged at 25,544.25 from 2 orders"))
        #expect(try dataset.transactions(documentIDs: ["liza.mei-lin-chen"]).count == history.count)
    }

    @Test func aClientWithoutOrdersIsWorthZero() async throws {
        let directory = NSTemporaryDirectory() + "facet-crm-action-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try DocumentStore(directory: directory, validator: CRM.validator)
        defer { store.close() }
        let dataset = try store.dataset("production", create: true)
        try Self.seed(dataset)
        let result = try await Self.action.run(try Self.context(dataset, "customer.amara-okafor"))
        #expect(result.data["previousValue"] == 48250.5)
        #expect(result.data["newValue"] == 0)
        #expect(result.data["orderCount"] == 0)
        #expect(result.message == "Lifetime value 48,250.50 → 0.00 from 0 orders")
        #expect(result.tone == .success)
        #expect(result.writtenIDs == ["customer.amara-okafor"])
        #expect(dataset.document(id: "customer.amara-okafor")?["lifetimeValue"] == 0)
    }
}
