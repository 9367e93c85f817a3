import GROQ

/// One sales order: a purchase of the process, with the lines, channel and status it was given.
///
/// The order's monetary value is its subtotal, which equals its total (the demo writes no
/// discount and no tax): the purchase's sampled value rounded to the cent, moved by a cent or two
/// at most where the precision rule or an exact lifetime value needs it (see ``Cents``).
struct Order: Sendable {
    /// Index of the client in the client book.
    let customer: Int
    /// Weeks from the window's start.
    let time: Double
    var amount: Cents
    let status: String
    let channel: String
    /// Index in the staff roster of who made the sale; `nil` for online orders.
    let staff: Int?
    let payment: String
    var lines: [Line] = []
    /// The order number's digits, given once all orders are in time order.
    var number = 0

    struct Line: Sendable {
        /// Index into the catalogue's products.
        let product: Int
        let quantity: Int
        let unitPrice: Cents
    }

    /// Whether the order counts towards lifetime value (everything but cancelled orders).
    var countsTowardsValue: Bool { status != "cancelled" }

    var id: String { "order-\(number)" }
    var orderNumber: String { "SO-\(number)" }

    /// The orders of one client, one per purchase of their history.
    static func draw(for client: Client, seed: UInt64, window: ObservationWindow, roster: StaffRoster, catalog: Catalog) -> [Order] {
        var random = DemoRandom(seed: seed, stream: .orders, index: client.index)
        var orders: [Order] = client.history.purchases.map { purchase in
            let amount = Cents(max(100, Cents(dollars: purchase.value).value))
            let ageAtEnd = window.weeks - purchase.time
            let status: String
            if random.chance(0.04) {
                status = "cancelled"
            } else if ageAtEnd < 0.5 {
                status = "confirmed"
            } else if ageAtEnd < 2 {
                status = "fulfilled"
            } else {
                status = random.chance(0.045) ? "returned" : "delivered"
            }
            // Large baskets are more often chosen in a private appointment and paid by transfer.
            let large = amount.value >= 1_000_000
            let channel = random.pick(weighted: [("boutique", 0.42), ("online", large ? 0.06 : 0.22), ("private-appointment", large ? 0.4 : 0.1),
                                                 ("phone", 0.1), ("event", 0.08)])
            let staff = channel == "online" ? nil : random.chance(0.8) ? client.advisor : roster.colleague(random: &random)
            let payment = random.pick(weighted: [("card", large ? 0.3 : 0.62), ("bank-transfer", large ? 0.5 : 0.12), ("financing", 0.14),
                                                 ("cash", channel == "boutique" ? 0.08 : 0)])
            return Order(customer: client.index, time: purchase.time, amount: amount, status: status, channel: channel, staff: staff,
                         payment: payment)
        }
        for index in orders.indices {
            orders[index].lines = lines(for: orders[index].amount, on: window.date(atWeek: orders[index].time), taste: client.taste,
                                        catalog: catalog, random: &random)
        }
        return orders
    }

    /// One to three lines whose quantities times unit prices add up to `amount` exactly, each
    /// for a product on sale that day, priced near its share and leaning on the client's taste.
    static func lines(for amount: Cents, on date: CivilDate, taste: Taste, catalog: Catalog, random: inout DemoRandom) -> [Line] {
        let count = amount.value < 80_000 ? 1 : random.pick(weighted: [(1, 0.6), (2, 0.28), (3, 0.12)])
        var parts = [amount.value]
        if count > 1 {
            let weights = (0..<count).map { _ in random.gamma(shape: 2, rate: 1) }
            let sum = weights.reduce(0, +)
            parts = weights.dropLast().map { max(100, Int(Double(amount.value) * $0 / sum)) }
            let rest = amount.value - parts.reduce(0, +)
            if rest >= 100 { parts.append(rest) } else { parts = [amount.value] }
        }
        var lines: [Line] = []
        for part in parts {
            // Now and then two of a piece (a pair of bangles, gifts for twins).
            let half = Cents(part / 2)
            let quantity = part % 2 == 0 && half.value >= 100 && random.chance(0.08) ? 2 : 1
            let unitPrice = quantity == 2 ? half : Cents(part)
            var product = catalog.product(near: unitPrice, on: date, taste: taste, random: &random)
            for _ in 0..<4 where lines.contains(where: { $0.product == product }) {
                product = catalog.product(near: unitPrice, on: date, taste: taste, random: &random)
            }
            lines.append(Line(product: product, quantity: quantity, unitPrice: unitPrice))
        }
        return lines
    }

    /// The `salesOrder` document.
    func document(clients: [Client], roster: StaffRoster, catalog: Catalog, window: ObservationWindow, seed: UInt64) -> JSONValue {
        let moment = window.dateTime(atWeek: time)
        var document: JSONObject = [
            "_id": .string(id), "_type": "salesOrder", "_createdAt": .string(moment),
            "orderNumber": .string(orderNumber),
            "customer": DemoText.reference(clients[customer].id),
            "orderDate": .string(moment),
            "status": .string(status),
            "channel": .string(channel),
        ]
        if let staff { document["staff"] = DemoText.reference(roster.members[staff].id) }
        document["lineItems"] = .array(lines.enumerated().map { index, line in
            [
                "_key": .string("line\(index + 1)"), "_type": "lineItem",
                "product": DemoText.reference(catalog.products[line.product].id),
                "quantity": .number(Double(line.quantity)),
                "unitPrice": line.unitPrice.json,
            ]
        })
        document["subtotal"] = amount.json
        document["total"] = amount.json
        document["currency"] = "USD"
        document["paymentMethod"] = .string(payment)
        if payment == "card" || payment == "bank-transfer" {
            var random = DemoRandom(seed: seed, stream: .payments, index: number)
            document["paymentReference"] = .string(Self.processorReference(random: &random))
        }
        if status == "returned" {
            document["notes"] = "Returned within the 30-day window; refunded to the original payment method."
        } else if lines.contains(where: { catalog.products[$0.product].category == "rings" }), (number % 7) == 0 {
            document["notes"] = "Ring resized before delivery."
        }
        return .object(document)
    }

    /// A payment processor's reference such as `pay_7Kq2…`: letters every few characters, so it
    /// never looks like a card number (the schema refuses 13 or more digits in a row).
    static func processorReference(random: inout DemoRandom) -> String {
        let letters = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"), symbols = Array("0123456789abcdefghjkmnpqrstuvwxyz")
        var text = "pay_"
        for position in 0..<16 { text.append(position % 4 == 0 ? random.pick(letters) : random.pick(symbols)) }
        return text
    }
}
