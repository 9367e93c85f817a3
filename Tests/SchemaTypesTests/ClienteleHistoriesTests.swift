import FacetStore
import Foundation
import GROQ
import StudioConfig
import Testing
import TestSupport

/// The mapping from stored documents to the analytics' inputs, on hand-made query answers.
@Suite("Clientele histories from CRM documents", .ownThread(computing: true))
struct ClienteleHistoriesTests {
    static let clients: JSONValue = [
        ["_id": "customer.ada", "_type": "customer", "segment": "regular", "energyAlignment": "strong", "culturalHeritage": ["Yoruba"]],
        ["_id": "liza.mei", "_type": "lizaCustomer", "segment": "vip", "tier": "gold-preferred", "culturalInvestmentPhilosophy": "heirloom-legacy"],
        ["_id": "drafts.customer.ada", "_type": "customer", "segment": "loyal"],
    ]
    static let products: JSONValue = [
        ["_id": "product.ring", "category": "rings", "collection": "collection.aurora"],
        ["_id": "product.earring", "category": "earrings"],
    ]
    static let orders: JSONValue = [
        ["_id": "order.2", "customer": "customer.ada", "orderDate": "2025-03-10T15:30:00Z", "total": 1200,
         "lines": [["product": "product.earring", "quantity": 2, "unitPrice": 600]]],
        ["_id": "order.1", "customer": "customer.ada", "orderDate": "2025-01-05T10:00:00.500Z", "total": 4200,
         "lines": [["product": "product.ring", "quantity": 1, "unitPrice": 3000], ["product": "product.earring", "quantity": 2, "unitPrice": 600]]],
        ["_id": "order.3", "customer": "liza.mei", "orderDate": "2025-06-01T09:00:00+02:00", "total": 9000,
         "lines": [["product": "product.ring", "quantity": 1, "unitPrice": 9000]]],
    ]
    static let contacts: JSONValue = [
        ["customer": "customer.ada", "date": "2025-03-09T11:00:00Z", "channel": "phone", "outcome": "purchase", "order": "order.2"],
        ["customer": "customer.ada", "date": "2025-07-01T11:00:00Z", "channel": "email", "outcome": "no-response"],
    ]
    static let profiles: JSONValue = [
        ["customer": "liza.mei", "capturedAt": "2025-02-01T12:00:00Z", "genres": ["jazz"], "aesthetics": ["art-deco"], "experiences": ["vr-showroom"]],
    ]

    static func date(_ text: String) throws -> Date { try #require(AnalyticsDate.parse(text)) }

    @Test func documentsBecomeHistoriesOfOrdersContactsAndProfiles() throws {
        let clientele = try ClienteleHistories.build(clients: Self.clients, orders: Self.orders, products: Self.products,
                                                     contacts: Self.contacts, profiles: Self.profiles)
        #expect(clientele.histories.map(\.id) == ["customer.ada", "liza.mei"])
        #expect(clientele.clientTypes == ["customer.ada": "customer", "liza.mei": "lizaCustomer"])
        let ada = try #require(clientele.history(of: "customer.ada"))
        #expect(ada.orders.map(\.amount) == [4200, 1200])
        #expect(ada.orders[0].categories == ["rings", "earrings"])
        #expect(ada.contacts.count == 2)
        #expect(ada.segment == .regular && ada.energyAlignment == .strong && ada.tier == nil)
        #expect(ada.profile.culturalHeritage == ["Yoruba"])
        let mei = try #require(clientele.history(of: "liza.mei"))
        #expect(mei.tier == .goldPreferred)
        #expect(mei.profile.musicalPreferences == ["jazz"] && mei.profile.designAesthetics == ["art-deco"])
        #expect(mei.orders[0].date == (try Self.date("2025-06-01T07:00:00Z")))
        #expect(clientele.experienceAdoption == ["liza.mei": try Self.date("2025-02-01T12:00:00Z")])

        // Contacts: the purchase carries its order's total, the unanswered e-mail nothing.
        #expect(clientele.contacts.map(\.revenue) == [1200, 0])
        #expect(clientele.contacts.map(\.converted) == [true, false])
        // Lines keep their category and collection and are priced quantity × unit price.
        let first = try #require(clientele.orders.first)
        #expect(first.id == "order.1")
        #expect(first.lines.map(\.amount) == [3000, 1200])
        #expect(first.lines.map(\.collection) == ["collection.aurora", nil])
        // As of the day after the last contact (1 July).
        #expect(clientele.asOf == (try Self.date("2025-07-02")))
    }

    @Test func aDateThatIsNotISO8601NamesTheDocumentAndField() {
        var orders = Self.orders.arrayValue ?? []
        orders[0] = ["_id": "order.9", "customer": "customer.ada", "orderDate": "10/03/2025", "total": 10, "lines": []]
        do {
            _ = try ClienteleHistories.build(clients: Self.clients, orders: .array(orders), products: Self.products, contacts: [], profiles: [])
            Issue.record("the date was accepted")
        } catch let error as StoreError {
            #expect(error.kind == .invalid)
            #expect(error.message == "orderDate of order.9 is \"10/03/2025\", not an ISO 8601 date")
            #expect(error.advice.contains("YYYY-MM-DD"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func isoDatesAndDatetimesAreReadExactly() throws {
        #expect(AnalyticsDate.parse("1970-01-02")?.timeIntervalSince1970 == 86_400)
        #expect(AnalyticsDate.parse("2024-02-29T23:59:59Z")?.timeIntervalSince1970 == 1_709_251_199)
        #expect(AnalyticsDate.parse("2024-02-29T23:59:59.25Z")?.timeIntervalSince1970 == 1_709_251_199.25)
        #expect(AnalyticsDate.parse("2024-03-01T01:00:00+01:00")?.timeIntervalSince1970 == 1_709_251_200)
        #expect(AnalyticsDate.parse("2024-03-01T00:00") == AnalyticsDate.parse("2024-03-01"))
        for bad in ["2024-13-01", "2024-3-1", "2024-03-01T", "2024-03-01T10:00:00Q", "yesterday", ""] {
            #expect(AnalyticsDate.parse(bad) == nil, "\(bad)")
        }
        let date = try Self.date("2025-12-31T10:15:30Z")
        #expect(AnalyticsDate.day(date) == "2025-12-31")
        #expect(AnalyticsDate.dateTime(date) == "2025-12-31T10:15:30Z")
    }
}
