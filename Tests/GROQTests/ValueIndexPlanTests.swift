import Foundation
import Testing
import TestSupport

@testable import GROQ

/// `field == value` and `field in [values]` answered from value indexes must give exactly what a
/// scan gives, whatever the field holds: strings, numbers (`1 == 1.0`), booleans, null, nothing,
/// arrays, objects, and text that only looks like a number.
@Suite("Value index plans", .ownThread(computing: true))
struct ValueIndexPlanTests {
    private static let values: [JSONValue] = [
        "vip", "VIP", "new", "1", .number(1), .number(1.0), .number(2.5), .number(0), .number(-0.0), .bool(true), .bool(false),
        .null, "", "Zoë", "Zoe\u{0308}", .array(["vip"]), .object(["a": "vip"]),
    ]

    private static func pick(_ random: inout SeededNumbers) -> JSONValue { values[random.next(values.count)] }

    private static let queries = [
        "*[segment == $v]._id",
        "*[$v == segment]._id",
        "*[_type == 'a' && segment == $v]._id",
        "*[segment in $vs]._id",
        "*[segment in [$v, 'new']]._id",
        "*[address.city == $v && _type in ['a', 'b']]._id",
        "*[segment == $v || address.city == $v]._id",
        "*[!(segment == $v)]._id",
        "count(*[segment == $v && address.city in $vs])",
        "*[_type == 'b'] {_id, 'same': *[segment == $v && _id != ^._id]._id}",
    ]

    @Test func indexedEqualityAgreesWithAScan() throws {
        var random = SeededNumbers(state: 5)
        var lookups = 0
        for round in 0..<30 {
            var documents: [JSONValue] = []
            for index in 0..<(30 + random.next(120)) {
                var object: JSONObject = ["_id": .string("d-\(1000 + index)"), "_type": .string(["a", "b", "c"][random.next(3)])]
                if random.next(6) > 0 { object["segment"] = Self.pick(&random) }
                if random.next(4) > 0 { object["address"] = random.next(5) == 0 ? Self.pick(&random) : .object(["city": Self.pick(&random)]) }
                documents.append(.object(object))
            }
            let indexed = RecordingSource(InMemoryDataset(documents))
            let scanned = ScanSource(InMemoryDataset(documents).documents)
            let checked = CheckedScanSource(scanned.documents)
            for _ in 0..<30 {
                let query = try GROQQuery(Self.queries[random.next(Self.queries.count)])
                let params: [String: JSONValue] = ["v": Self.pick(&random), "vs": .array((0..<random.next(4)).map { _ in Self.pick(&random) })]
                let plain = try query.evaluate(in: scanned, params: params)
                #expect(try query.evaluate(in: indexed, params: params) == plain,
                        "round \(round): \(query.source) with \(JSONValue.object(JSONObject(uniqueKeysWithValues: params.sorted { $0.key < $1.key })).serialized())")
                #expect(try query.evaluate(in: checked, params: params) == plain, "round \(round), checked scan: \(query.source)")
            }
            lookups += indexed.lookups.filter { if case .fields = $0 { true } else { false } }.count
        }
        #expect(lookups > 300, "the value index answered only \(lookups) lookups")
    }

    private static let rangeValues: [JSONValue] = [
        .number(-3), .number(-0.0), .number(0), .number(1), .number(1.5), .number(2), .number(10), .number(250),
        "", "2025-01-01", "2025-01-01T10:00:00Z", "2025-06", "a", "B", "b", "é", "e\u{0301}", "Zoë", "~",
        .bool(true), .bool(false), .null, .array([.number(1)]), .object(["x": .number(1)]),
    ]

    private static let rangeQueries = [
        "*[total > $v]._id",
        "*[total >= $v]._id",
        "*[total < $v]._id",
        "*[total <= $v]._id",
        "*[$v < total]._id",
        "*[$v >= total]._id",
        "*[total > $v && total <= $w]._id",
        "*[total >= $v && total < $w && total != $v]._id",
        "*[total > $v && total > $w]._id",
        "*[total in $v..$w]._id",
        "*[total in $v...$w]._id",
        "*[_type == 'a' && total > $v]._id",
        "*[_type in ['a', 'b'] && total < $w && segment == $v]._id",
        "*[total > $v || segment < $w]._id",
        "*[address.city >= $v && total <= $w]._id",
        "count(*[total > $v && address.city in [$w, 'b']])",
        "*[_type == 'b'] {_id, 'above': *[total > ^.total && _id != ^._id]._id}",
        "*[!(total > $v)]._id",
    ]

    @Test func indexedRangesAgreeWithAScan() throws {
        var random = SeededNumbers(state: 11)
        var lookups = 0
        func pick() -> JSONValue { Self.rangeValues[random.next(Self.rangeValues.count)] }
        for round in 0..<30 {
            var documents: [JSONValue] = []
            for index in 0..<(30 + random.next(150)) {
                var object: JSONObject = ["_id": .string("d-\(1000 + index)"), "_type": .string(["a", "b", "c"][random.next(3)])]
                if random.next(6) > 0 { object["total"] = random.next(3) == 0 ? pick() : .number(Double(random.next(40)) - 5) }
                if random.next(3) > 0 { object["segment"] = pick() }
                if random.next(4) > 0 { object["address"] = .object(["city": pick()]) }
                documents.append(.object(object))
            }
            let indexed = RecordingSource(InMemoryDataset(documents))
            let scanned = ScanSource(InMemoryDataset(documents).documents)
            let checked = CheckedScanSource(scanned.documents)
            for _ in 0..<40 {
                let query = try GROQQuery(Self.rangeQueries[random.next(Self.rangeQueries.count)])
                // Mostly bounds of one kind, sometimes of two.
                let v = pick()
                let w: JSONValue = random.next(4) == 0 ? pick() : (v.numberValue.map { .number($0 + Double(random.next(20))) } ?? v)
                let params: [String: JSONValue] = ["v": v, "w": w]
                let plain = try query.evaluate(in: scanned, params: params)
                #expect(try query.evaluate(in: indexed, params: params) == plain,
                        "round \(round): \(query.source) with v=\(v.serialized()) w=\(w.serialized())")
                #expect(try query.evaluate(in: checked, params: params) == plain,
                        "round \(round), checked scan: \(query.source) with v=\(v.serialized()) w=\(w.serialized())")
            }
            lookups += indexed.lookups.filter { lookup in
                guard case .fields(let conditions) = lookup else { return false }
                return conditions.contains { $0.test.isRange }
            }.count
        }
        #expect(lookups > 300, "ranges were answered from the index only \(lookups) times")
    }

    /// Past ``ParallelMap/minimumParallelCount`` documents a checked scan splits the documents
    /// between the cores: the parts must come back whole and in the documents' order.
    @Test func aScanSplitBetweenTheCoresKeepsEveryDocumentInOrder() throws {
        var random = SeededNumbers(state: 23)
        func pick() -> JSONValue { Self.rangeValues[random.next(Self.rangeValues.count)] }
        var documents: [JSONValue] = []
        for index in 0..<(ParallelMap.minimumParallelCount * 3 + 17) {
            var object: JSONObject = ["_id": .string("d-\(100_000 + index)"), "_type": .string(["a", "b", "c"][random.next(3)])]
            if random.next(6) > 0 { object["total"] = random.next(5) == 0 ? pick() : .number(Double(random.next(400)) - 5) }
            if random.next(3) > 0 { object["segment"] = pick() }
            if random.next(4) > 0 { object["address"] = .object(["city": pick()]) }
            documents.append(.object(object))
        }
        let scanned = ScanSource(InMemoryDataset(documents).documents)
        let checked = CheckedScanSource(scanned.documents)
        for text in ["*[total > 390]._id", "*[total >= 0 && address.city == 'b']._id", "count(*[segment in ['a', 'é'] && total < 10])",
                     "*[address.city > 'a' && total != 3][0...50]._id", "*[total in 100..101 && _type == 'b']{_id, total}"] {
            let query = try GROQQuery(text)
            let plain = try query.evaluate(in: scanned)
            #expect(try query.evaluate(in: checked) == plain, "\(text)")
            if case .array(let rows) = plain { #expect(!rows.isEmpty, "\(text) selects nothing: the comparison proves little") }
        }
    }

    @Test func valueIndexesAreBoundedPerDataset() throws {
        let source = InMemoryDataset((0..<10).map { ["_id": .string("d\($0)"), "f\($0)": "x"] })
        for field in 0..<(LazyIndexes.maxValueIndexes + 10) {
            _ = source.documents(answering: .fields([FieldCondition(path: ["f\(field)"], keys: [.string("x")])]))
        }
        #expect(source.indexedPaths.count == LazyIndexes.maxValueIndexes)
        #expect(source.documents(answering: .fields([FieldCondition(path: ["f\(LazyIndexes.maxValueIndexes + 5)"], keys: [.string("x")])])) == nil)
        // Past the bound the query still answers, by scanning.
        #expect(try GROQQuery("*[f9 == 'x']._id").evaluate(in: source) == ["d9"])
        for field in 0..<(LazyIndexes.maxTokenIndexes + 10) {
            _ = source.documents(answering: .tokens(prefixes: [Array("x".utf8)], paths: [["f\(field)"]]))
        }
        #expect(source.indexedPaths.count == LazyIndexes.maxValueIndexes + LazyIndexes.maxTokenIndexes)
        #expect(source.documents(answering: .tokens(prefixes: [Array("x".utf8)], paths: [["f\(LazyIndexes.maxTokenIndexes + 5)"]])) == nil)
        #expect(try GROQQuery("*[f9 match 'x*' || f17 match 'x']._id").evaluate(in: source) == ["d9"])
    }
}

/// Sub-queries that read the outer row (`^._id`, `^.segment`) answered through indexes, once per
/// row, must give what a scan gives: references nested, weak, to missing documents, from drafts.
@Suite("Correlated plans", .ownThread(computing: true))
struct CorrelatedPlanTests {
    private static let queries = [
        "*[_type == 'client'] {_id, 'orders': count(*[_type == 'order' && references(^._id)])}",
        "*[_type == 'client'][0...5] {_id, 'orders': *[_type == 'order' && client._ref == ^._id]{_id, total}}",
        "*[_type == 'staff'] {_id, 'n': count(*[_type == 'order' && staff._ref == ^._id]), 'sum': math::sum(*[_type == 'order' && staff._ref == ^._id].total)}",
        "*[_type == 'client'] {_id, 'peers': *[_type == ^._type && segment == ^.segment && _id != ^._id]._id}",
        "*[_type == 'order'] {_id, 'client': *[_id == ^.client._ref][0]._id, 'either': *[_id in [^.client._ref, ^.staff._ref]]._id}",
        "*[_type == 'client'] {_id, 'both': *[references(^._id) || references(^.partner._ref)]._id}",
        "*[_type == 'client'] {_id, 'x': *[_type in [^._type, 'staff'] && segment == ^.segment]._id}",
        "*[_type == 'staff'] {_id, 'own': *[references([^._id, $extra])]._id}",
    ]

    @Test func correlatedSubqueriesAgreeWithAScan() throws {
        var random = SeededNumbers(state: 3)
        for round in 0..<25 {
            var documents: [JSONValue] = []
            let clients = (0..<(5 + random.next(25))).map { "client-\(100 + $0)" }
            let staff = (0..<(2 + random.next(5))).map { "staff-\(10 + $0)" }
            let segments: [JSONValue] = ["vip", "new", .null, .number(1), "VIP"]
            for id in clients {
                var object: JSONObject = ["_id": .string(id), "_type": "client"]
                if random.next(5) > 0 { object["segment"] = segments[random.next(segments.count)] }
                if random.next(3) == 0 { object["partner"] = ["_ref": .string(clients[random.next(clients.count)])] }
                documents.append(.object(object))
            }
            for id in staff { documents.append(["_id": .string(id), "_type": "staff", "segment": segments[random.next(segments.count)]]) }
            for index in 0..<(random.next(150)) {
                var order: JSONObject = ["_id": .string("order-\(1000 + index)"), "_type": "order", "total": .number(Double(random.next(500)))]
                switch random.next(6) {
                case 0: order["client"] = ["_ref": "client-missing"]
                case 1: order["client"] = ["_ref": .string(clients[random.next(clients.count)]), "_weak": true]
                case 2: order["lines"] = [["_key": "a", "client": ["_ref": .string(clients[random.next(clients.count)])]]]
                case 3: order["client"] = .string(clients[random.next(clients.count)])
                default: order["client"] = ["_ref": .string(clients[random.next(clients.count)])]
                }
                if random.next(4) > 0 { order["staff"] = ["_ref": .string(staff[random.next(staff.count)])] }
                if random.next(10) == 0 { order["_id"] = .string("drafts.order-\(1000 + index)") }
                documents.append(.object(order))
            }
            let indexed = InMemoryDataset(documents)
            let scanned = ScanSource(indexed.documents)
            for text in Self.queries {
                let query = try GROQQuery(text)
                let params: [String: JSONValue] = ["extra": .string(clients[random.next(clients.count)])]
                #expect(try query.evaluate(in: indexed, params: params) == query.evaluate(in: scanned, params: params), "round \(round): \(text)")
            }
        }
    }
}

/// `order(…)[a...b]` selects the first rows of the order without sorting all of them: it must give
/// exactly the slice of the full order, ties in input order, mixed kinds in GROQ's total order.
@Suite("Ordered pages", .ownThread(computing: true))
struct OrderedPageTests {
    @Test func aPageOfAnOrderEqualsTheSameSliceOfTheWholeOrder() throws {
        var random = SeededNumbers(state: 17)
        let values: [JSONValue] = [.number(1), .number(2), .number(-1), .number(2), "a", "B", "é", .bool(true), .bool(false), .null, .array([]), "2025-01-01"]
        let orders = ["total", "total desc", "total asc, rank desc", "rank desc, total", "lower(name)", "total desc, _id desc"]
        for round in 0..<40 {
            var documents: [JSONValue] = []
            for index in 0..<(1 + random.next(300)) {
                var object: JSONObject = ["_id": .string("d-\(1000 + index)"), "_type": .string(["a", "b"][random.next(2)])]
                if random.next(5) > 0 { object["total"] = values[random.next(values.count)] }
                if random.next(2) > 0 { object["rank"] = .number(Double(random.next(4))) }
                if random.next(2) > 0 { object["name"] = values[random.next(values.count)] }
                documents.append(.object(object))
            }
            let source = InMemoryDataset(documents)
            for _ in 0..<10 {
                let order = orders[random.next(orders.count)]
                let whole = try GROQQuery("*[_type == 'a'] | order(\(order))").evaluate(in: source)
                guard case .array(let all) = whole else { Issue.record("not an array"); return }
                let from = random.next(12), to = from + random.next(25), inclusive = random.next(2) == 0
                let page = try GROQQuery("*[_type == 'a'] | order(\(order))[\(from)\(inclusive ? ".." : "...")\(to)]").evaluate(in: source)
                let expected = Evaluator.slice(all, from: from, to: to, inclusive: inclusive)
                #expect(page == .array(expected), "round \(round): order(\(order))[\(from)\(inclusive ? ".." : "...")\(to)] of \(all.count)")
            }
        }
    }
}
