import Testing
import TestSupport
@testable import GROQ

/// Projections made only of paths (`{_id, "c": customer->name}`) are evaluated a column at a time
/// over large arrays; the results must be exactly those of evaluating each document alone.
@Suite("Column-wise path projections", .ownThread(computing: true))
struct PathProjectionTests {
    /// Orders of every awkward shape: a missing customer, a dangling or non-string `_ref`, a
    /// reference to a non-object, nested objects, arrays where objects are expected.
    static func dataset(orders: Int) -> InMemoryDataset {
        var documents: [JSONValue] = [
            ["_id": "c-1", "_type": "customer", "name": "Ada", "address": ["city": "Paris", "country": "FR"], "advisor": ["_ref": "s-1"]],
            ["_id": "c-2", "_type": "customer", "name": "Kenji"],
            ["_id": "s-1", "_type": "staff", "name": "Ines"],
        ]
        for i in 0..<orders {
            var order: JSONObject = ["_id": .string("o-\(i)"), "_type": "order", "total": .number(Double(i))]
            switch i % 7 {
            case 0: order["customer"] = ["_ref": "c-1"]
            case 1: order["customer"] = ["_ref": "c-2"]
            case 2: order["customer"] = ["_ref": "nobody"]
            case 3: order["customer"] = ["_ref": 42]
            case 4: order["customer"] = [["_ref": "c-1"]]
            case 5: order["meta"] = ["source": "web", "nested": ["depth": .number(Double(i))]]
            default: break
            }
            documents.append(.object(order))
        }
        return InMemoryDataset(documents)
    }

    static let projections = [
        #"{_id, total, "customer": customer->name}"#,
        #"{_id, "city": customer->address.city, "advisor": customer->advisor->name}"#,
        #"{"whole": customer->, "ref": customer._ref, "depth": meta.nested.depth, "missing": nothing.at.all}"#,
    ]

    @Test(arguments: [10, 200, 9_000], projections)
    func columnsGiveWhatEachDocumentGivesAlone(orders: Int, projection: String) throws {
        let dataset = Self.dataset(orders: orders)
        let columns = try GROQQuery(#"*[_type == "order"]"# + projection).evaluate(in: dataset)
        // A literal member makes the projection no longer all paths: it is evaluated per document.
        let perDocument = try GROQQuery(#"*[_type == "order"]"# + projection.dropLast() + #", "zz": 1}"#).evaluate(in: dataset)
        let expected = perDocument.arrayValue?.map { row -> JSONValue in
            guard case .object(var object) = row else { return row }
            object.removeValue(forKey: "zz")
            return .object(object)
        }
        #expect(columns.arrayValue?.count == orders)
        #expect(columns.arrayValue == expected)
    }

    @Test func nonObjectsProjectToNull() throws {
        let items: [JSONValue] = (0..<300).map { $0 % 3 == 0 ? .number(Double($0)) : ["n": .number(Double($0))] }
        let result = try GROQQuery("$items[]{n}", params: ["items": .array(items)]).evaluate(in: InMemoryDataset([]))
        #expect(result.arrayValue?[0] == .null)
        #expect(result.arrayValue?[1] == ["n": 1])
        #expect(result.arrayValue?.count == 300)
    }

    @Test func onlyPathsFromTheCurrentDocumentTakeTheColumnPath() throws {
        #expect(PathProjection(try GROQQuery(#"*{_id, "c": customer->name}"#).root.mapExpression) != nil)
        #expect(PathProjection(try GROQQuery(#"*{_id, "n": count(lines)}"#).root.mapExpression) == nil)
        #expect(PathProjection(try GROQQuery(#"*{_id, "p": ^.name}"#).root.mapExpression) == nil)
    }
}

private extension Node {
    /// The per-element expression of a top-level map.
    var mapExpression: Node {
        if case .map(_, let expression) = self { return expression }
        return self
    }
}
