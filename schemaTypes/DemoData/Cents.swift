import GROQ

/// An amount of money in whole cents of the house currency (USD).
///
/// The demo adds money up in integers, so that an order's lines sum to its subtotal and a
/// client's lifetime value to their orders, to the cent. Written out, an amount becomes a JSON
/// number of dollars.
struct Cents: Sendable, Hashable, Comparable {
    var value: Int

    init(_ value: Int) { self.value = value }

    /// The amount `dollars`, rounded to the nearest cent.
    init(dollars: Double) { value = Int((dollars * 100).rounded()) }

    /// Whole dollars.
    init(wholeDollars: Int) { value = wholeDollars * 100 }

    /// The amount in dollars.
    var dollars: Double { Double(value) / 100 }

    /// The amount as a JSON number of dollars.
    var json: JSONValue { .number(dollars) }

    static func + (lhs: Cents, rhs: Cents) -> Cents { Cents(lhs.value + rhs.value) }
    static func - (lhs: Cents, rhs: Cents) -> Cents { Cents(lhs.value - rhs.value) }
    static func < (lhs: Cents, rhs: Cents) -> Bool { lhs.value < rhs.value }
    static let zero = Cents(0)
}
