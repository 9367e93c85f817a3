import GROQ
import SchemaTypes
import Testing
import TestSupport

/// The demo's dashboard: its widgets' queries run on the demo and answer the figures they name.
@Suite(.ownThread(computing: true)) struct DemoDashboardTests {
    static let content = try! CRMDemo(customers: 150, seed: 4).generate()
    static let documents = content.finalDocuments()

    static var dashboard: JSONValue {
        documents.first { $0["_type"] == "analyticsDashboard" } ?? .null
    }

    static func answer(_ key: String) throws -> JSONValue {
        let widget = try #require(dashboard["widgets"]?.arrayValue?.first { $0["_key"]?.stringValue == key })
        return try GROQQuery(try #require(widget["query"]?.stringValue)).evaluate(in: InMemoryDataset(documents))
    }

    @Test func theDemoHasOneDashboardWrittenLast() {
        #expect(Self.documents.filter { $0["_type"] == "analyticsDashboard" }.count == 1)
        #expect(Self.content.count(of: .dashboards) == 1)
        #expect(DemoContent.Batch.allCases.last == .dashboards)
        #expect(Self.dashboard["widgets"]?.arrayValue?.count == 5)
    }

    @Test func everyClientIsCountedInOneSegment() throws {
        let counts = try Self.answer("clients-by-segment").objectValue ?? [:]
        #expect(counts.keys.sorted() == ["Loyal", "New", "Occasional", "Regular", "VIP"])
        let clients = Self.documents.filter { ["customer", "lizaCustomer"].contains($0["_type"]?.stringValue ?? "") }.count
        #expect(Int(counts.values.compactMap(\.numberValue).reduce(0, +)) == clients)
    }

    @Test func revenueByYearAndChannelAddUpToTheSameTotal() throws {
        let years = try Self.answer("revenue-by-year").objectValue ?? [:]
        #expect(years.keys.sorted() == ["2022", "2023", "2024", "2025"])
        let channels = try Self.answer("revenue-by-channel").objectValue ?? [:]
        let byYear = years.values.compactMap(\.numberValue).reduce(0, +)
        let byChannel = channels.values.compactMap(\.numberValue).reduce(0, +)
        #expect(byYear > 0)
        #expect(abs(byYear - byChannel) < 0.01 * byYear)
    }

    @Test func theTopClientsAreOrderedByLifetimeValue() throws {
        let rows = try Self.answer("top-clients").arrayValue ?? []
        #expect(rows.count == 8)
        let values = rows.compactMap { $0["lifetimeValue"]?.numberValue }
        #expect(values == values.sorted(by: >))
    }
}
