import Foundation
import Testing
import TestSupport

@testable import GROQ

/// An explained evaluation records each filter over the documents with the index that answered
/// it, its runs, candidates and kept rows; a query stopped by its time limit names the filter it
/// was scanning.
@Suite("Explained plans", .ownThread(computing: true))
struct QueryProfileTests {
    static let documents: [JSONValue] = (0..<400).map(document)

    private static func document(_ index: Int) -> JSONValue {
        if index % 4 == 0 {
            let segment: JSONValue = index % 8 == 0 ? "vip" : "new"
            return ["_id": .string("client-\(1000 + index)"), "_type": "client", "rank": .number(Double(index)), "segment": segment]
        }
        let client: JSONValue = ["_ref": .string("client-\(1000 + index / 4 * 4)")]
        return ["_id": .string("order-\(1000 + index)"), "_type": "order", "total": .number(Double(index)), "client": client]
    }

    @Test func eachFilterNamesItsIndexRunsAndRows() throws {
        let profile = QueryProfile()
        let query = try GROQQuery(#"*[_type == "client" && segment == "vip"][0...10]{_id, "orders": count(*[_type == "order" && client._ref == ^._id && total > 100]), "n": count(*[string(total) match "3*"])} "#)
        let result = try query.evaluate(in: InMemoryDataset(Self.documents), options: EvaluationOptions(profile: profile))
        #expect(result.arrayValue?.count == 10)
        let steps = profile.steps
        #expect(steps.count == 3, "\(steps)")
        let outer = try #require(steps.first { $0.query.hasPrefix(#"*[_type == "client""#) })
        #expect(outer.access == #"value indexes: _type == "client" && segment == "vip""#)
        #expect(outer.usesIndex && outer.runs == 1 && outer.estimatedRows == 50 && outer.rows == 50 && outer.residual == nil)
        let inner = try #require(steps.first { $0.query.contains("^._id") })
        #expect(inner.usesIndex && inner.runs == 10)
        #expect(inner.access.hasPrefix("value indexes: "), "\(inner.access)")
        // Clients 0, 8, …, 72 have 3 orders each; those of the first 100 ranks have totals ≤ 100.
        let expected = (0..<10).reduce(0) { sum, client in sum + (1...3).filter { client * 8 + $0 > 100 }.count }
        #expect(inner.rows == expected)
        let scan = try #require(steps.first { $0.query.contains("match") })
        #expect(!scan.usesIndex && scan.access == "scan of every document" && scan.estimatedRows == 400)
        #expect(scan.rows == Self.documents.count { doc in doc["total"]?.numberValue.map { String(Int($0)).hasPrefix("3") } ?? false })
        #expect(profile.table.contains("no index answers this filter"))
        #expect(profile.json.arrayValue?.count == 3)
    }

    @Test func aPageOfAnOrderSaysItWasSelectedNotSorted() throws {
        let profile = QueryProfile()
        let query = try GROQQuery(#"*[_type == "order"] | order(total desc)[0...5]._id"#)
        let result = try query.evaluate(in: InMemoryDataset(Self.documents), options: EvaluationOptions(profile: profile))
        #expect(result == ["order-1399", "order-1398", "order-1397", "order-1395", "order-1394"])
        let order = try #require(profile.steps.first { $0.query == "order(total desc)" })
        #expect(order.access.contains("first 5 selected") && order.estimatedRows == 300 && order.rows == 5)
    }

    @Test func withoutAProfileNothingIsRecordedAndResultsAreTheSame() throws {
        let query = try GROQQuery(#"*[_type == "order" && total > 390]._id"#)
        let profile = QueryProfile()
        let explained = try query.evaluate(in: InMemoryDataset(Self.documents), options: EvaluationOptions(profile: profile))
        #expect(try explained == query.evaluate(in: InMemoryDataset(Self.documents)))
        #expect(profile.steps.first?.access.contains("total > 390") == true)
    }

    @Test func aQueryStoppedByItsTimeLimitNamesTheFilterItWasScanning() throws {
        let query = try GROQQuery(#"*[_type == "client"]{"later": count(*[string(total) > string(^.rank) && lower(_id) != "x"])}"#)
        let many = InMemoryDataset((0..<4_000).map { ["_id": .string("d-\($0)"), "_type": $0 % 2 == 0 ? "client" : "order", "rank": .number(Double($0)), "total": .number(Double($0))] })
        do {
            _ = try query.evaluate(in: many, options: EvaluationOptions(deadline: .now + .milliseconds(100)))
            Issue.record("the query finished before its time limit")
        } catch {
            #expect(error.kind == .timeout)
            let activity = try #require(error.activity)
            #expect(activity.hasPrefix("scanning all 4000 documents (no index answers this filter) for *[string(total) > string(^.rank)"), "\(activity)")
            #expect(error.description.contains("while scanning all 4000 documents"))
        }
    }

    @Test func aHugeConditionIsNamedInAFewCharacters() throws {
        let chain = (0..<900).map { "a\($0) == \($0)" }.joined(separator: " && ")
        let deep = String(repeating: "(", count: 200) + "a == 1" + String(repeating: ")", count: 200)
        for text in ["*[\(chain)]", "*[\(deep)]"] {
            let profile = QueryProfile()
            _ = try GROQQuery(text, limits: GROQLimits(maxDepth: 1_000, maxExpressions: 1_000_000)).evaluate(in: InMemoryDataset(Self.documents), options: EvaluationOptions(profile: profile))
            let step = try #require(profile.steps.first)
            #expect(step.query.count <= GROQText.maxLength && step.query.contains("…"), "\(step.query)")
            #expect(step.query.hasPrefix(text == "*[\(chain)]" ? "*[a0 == 0 && a1 == 1" : "*[((("), "\(step.query)")
            #expect(step.access.count < 400)
        }
    }

    @Test func textReadsAsTheQueryDid() throws {
        func text(_ query: String) throws -> String { GROQText.render(try GROQQuery(query).root) }
        #expect(try text(#"*[_type == "a" && (x > 1 || !(y == 2))]"#) == #"*[_type == "a" && (x > 1 || !(y == 2))]"#)
        #expect(try text(#"*[references($id)]{name, "n": a.b->c}"#) == #"*[references($id)] {name, "n": a.b->c}"#)
        #expect(try text("*[total in 1..5 && a + b * 2 > 3]") == "*[total in 1..5 && (a + (b * 2)) > 3]")
        #expect(try text(#"*[_type == "a"] | order(total desc, _id)[0...5]"#) == #"*[_type == "a"] | order(total desc, _id)[0...5]"#)
    }
}

extension QueryProfileTests {
    @Test func aLongLiteralListIsNamedByItsFirstItems() throws {
        let ids = (0..<40_000).map { JSONValue.string("id-\($0)") }
        let query = try GROQQuery("*[_id in $ids && defined(x)]", params: ["ids": .array(ids)])
        #expect(GROQText.render(query.root) == #"*[_id in ["id-0", "id-1", "id-2", … (40000 items)] && defined(x)]"#)
        let long = try GROQQuery("*[name == $name]", params: ["name": .string(String(repeating: "é", count: 5_000))])
        #expect(GROQText.render(long.root).count < 70)
    }
}
