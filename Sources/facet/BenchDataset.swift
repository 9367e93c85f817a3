import GROQ

/// A deterministic CRM-shaped dataset for benchmarks: one customer for every four orders, orders
/// referencing their customer, nested addresses and line items.
enum BenchDataset {
    static func generate(documents count: Int, seed: UInt64 = 42) -> [JSONValue] {
        var random = SplitMix64(seed: seed)
        let customers = max(1, count / 5)
        let firstNames = ["Anna", "Annette", "Hannah", "Louis", "Camille", "Yuki", "Omar", "Lena", "Mateo", "Ines", "Sofia", "Arjun"]
        let lastNames = ["Laurent", "Moreau", "Tanaka", "Haddad", "Rossi", "Keller", "Nguyen", "Silva", "Dubois", "Ibsen"]
        let countries = ["FR", "JP", "US", "AE", "CH", "IT", "GB"]
        let tiers = ["bronze", "silver", "gold", "platinum"]
        let statuses = ["paid", "pending", "refunded", "shipped"]
        let products = ["ring", "necklace", "bracelet", "earrings", "watch", "brooch"]
        var docs: [JSONValue] = []
        docs.reserveCapacity(count)
        for i in 0..<count {
            if i < customers {
                let name = "\(firstNames[random.next(firstNames.count)]) \(lastNames[random.next(lastNames.count)])"
                docs.append([
                    "_id": .string(customerID(i)),
                    "_type": "customer",
                    "name": .string(name),
                    "email": .string("client\(i)@example.com"),
                    "tier": .string(tiers[random.next(tiers.count)]),
                    "lifetimeValue": .number(Double(random.next(50_000))),
                    "address": [
                        "city": .string(["Paris", "Tokyo", "New York", "Dubai", "Geneva"][random.next(5)]),
                        "country": .string(countries[random.next(countries.count)]),
                    ],
                    "preferences": ["metals": ["gold", "platinum"], "stones": .array([.string(["diamond", "ruby", "emerald", "sapphire"][random.next(4)])])],
                ])
            } else {
                let customer = random.next(customers)
                let items = 1 + random.next(3)
                docs.append([
                    "_id": .string("order-\(pad(i))"),
                    "_type": "order",
                    "customer": ["_type": "reference", "_ref": .string(customerID(customer))],
                    "status": .string(statuses[random.next(statuses.count)]),
                    "total": .number(Double(100 + random.next(20_000))),
                    "placedAt": .string("2025-\(pad2(1 + random.next(12)))-\(pad2(1 + random.next(28)))T10:00:00Z"),
                    "items": .array((0..<items).map { k in
                        ["_key": .string("k\(k)"), "product": .string(products[random.next(products.count)]), "quantity": .number(Double(1 + random.next(3)))]
                    }),
                ])
            }
        }
        return docs
    }

    static func customerID(_ i: Int) -> String { "customer-\(pad(i))" }

    private static func pad(_ i: Int) -> String {
        let s = String(i)
        return String(repeating: "0", count: max(0, 8 - s.count)) + s
    }

    private static func pad2(_ i: Int) -> String { i < 10 ? "0\(i)" : String(i) }
}

/// A small, fast, seedable generator, so every run benchmarks the same data.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func nextUInt64() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<upperBound`.
    mutating func next(_ upperBound: Int) -> Int { Int(nextUInt64() % UInt64(upperBound)) }
}

/// A document source with no indexes: `->` finds a document by scanning, and filters read every
/// document. It is the baseline the indexed ``InMemoryDataset`` is measured against.
final class ScanningSource: DocumentSource {
    let documents: [JSONValue]

    init(documents: [JSONValue]) { self.documents = documents }

    func document(id: String) -> JSONValue? {
        documents.first { $0["_id"] == .string(id) }
    }

    func documents(ofType type: String) -> [JSONValue]? { nil }
    func documents(referencing id: String) -> [JSONValue]? { nil }
}
