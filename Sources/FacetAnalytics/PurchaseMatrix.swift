import Foundation

/// One product bought by one client on one day: the unit the recommenders learn from.
public struct ProductPurchase: Sendable, Hashable, Codable {
    public var customer: String
    public var product: String
    public var date: Date

    public init(customer: String, product: String, date: Date) {
        self.customer = customer
        self.product = product
        self.date = date
    }
}

/// Who bought what, as a sparse clients × products matrix of purchase counts, in both directions.
///
/// Clients and products are numbered in id order, so the same purchases always give the same
/// numbering (and the same fitted models).
///
/// ```swift
/// let matrix = PurchaseMatrix(purchases)
/// matrix.row(of: "customer-000042")   // [(product: 17, count: 2), …]
/// ```
public struct PurchaseMatrix: Sendable {
    /// One non-zero cell.
    public struct Cell: Sendable, Hashable {
        /// The other side's number (a product in a row, a client in a column).
        public var index: Int
        public var count: Double
    }

    public let customers: [String]
    public let products: [String]
    /// Per client, the products they bought, by product number.
    public let rows: [[Cell]]
    /// Per product, the clients who bought it, by client number.
    public let columns: [[Cell]]
    private let customerNumbers: [String: Int]
    private let productNumbers: [String: Int]

    /// - Parameter catalogue: products to know even if nobody bought them (recommendable, for coverage).
    public init(_ purchases: [ProductPurchase], catalogue: [String] = []) {
        var counts: [String: [String: Double]] = [:]
        var productSet = Set(catalogue)
        for purchase in purchases {
            counts[purchase.customer, default: [:]][purchase.product, default: 0] += 1
            productSet.insert(purchase.product)
        }
        customers = counts.keys.sorted()
        products = productSet.sorted()
        let productNumbers = Dictionary(uniqueKeysWithValues: products.enumerated().map { ($1, $0) })
        customerNumbers = Dictionary(uniqueKeysWithValues: customers.enumerated().map { ($1, $0) })
        self.productNumbers = productNumbers
        var rows: [[Cell]] = []
        rows.reserveCapacity(customers.count)
        var columns = [[Cell]](repeating: [], count: products.count)
        for (customer, customerID) in customers.enumerated() {
            let row = (counts[customerID] ?? [:]).compactMap { product, count in productNumbers[product].map { Cell(index: $0, count: count) } }
                .sorted { $0.index < $1.index }
            for cell in row { columns[cell.index].append(Cell(index: customer, count: cell.count)) }
            rows.append(row)
        }
        self.rows = rows
        self.columns = columns
    }

    public func number(ofCustomer id: String) -> Int? { customerNumbers[id] }
    public func number(ofProduct id: String) -> Int? { productNumbers[id] }

    /// The client's row; empty for a client with no purchases.
    public func row(of customer: String) -> [Cell] { customerNumbers[customer].map { rows[$0] } ?? [] }

    /// A row for a client who bought `products` (products the matrix does not know are left out).
    public func row(of products: [String]) -> [Cell] {
        var counts: [Int: Double] = [:]
        for product in products { if let number = productNumbers[product] { counts[number, default: 0] += 1 } }
        return counts.map { Cell(index: $0.key, count: $0.value) }.sorted { $0.index < $1.index }
    }

    /// How many clients bought each product.
    public var buyers: [Double] { columns.map { Double($0.count) } }
}
