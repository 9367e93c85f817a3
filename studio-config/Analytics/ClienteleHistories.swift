import FacetAnalytics
import FacetSchema
import FacetStore
import Foundation
import GROQ

/// The CRM's stored documents as the analytics read them: one ``CustomerHistory`` per client
/// (customer and LIZA VIP) built from `salesOrder`, `interaction` and `creativeExpression`
/// documents, plus the flat records the trend dimensions aggregate.
///
/// Orders that were cancelled or returned are left out: they are not purchases the client kept.
/// Amounts are order totals in the currency they were taken in (the house keeps no exchange
/// rates). The reading is done with GROQ through the action's context, projecting only the
/// fields the models use, so that an action sees the dataset as its caller does.
///
/// ```swift
/// let clientele = try await ClienteleHistories.read(context)
/// let fit = try BGNBDModel.fit(clientele.histories.compactMap { try $0.rfmSummary(at: clientele.asOf) })
/// ```
public struct ClienteleHistories: Sendable {
    /// One kept order: who, when, how much, and its lines.
    public struct Order: Sendable, Hashable {
        public var id: String
        public var customerID: String
        public var date: Date
        public var total: Double
        public var lines: [Line]
    }

    /// One order line with its product's category and collection.
    public struct Line: Sendable, Hashable {
        public var productID: String
        public var category: String?
        public var collection: String?
        /// quantity × unit price.
        public var amount: Double
    }

    /// One interaction and what came of it.
    public struct Contact: Sendable, Hashable {
        public var customerID: String
        public var date: Date
        public var channel: String
        /// The outcome was a purchase.
        public var converted: Bool
        /// The total of the order the contact led to, when it names one that was kept.
        public var revenue: Double
    }

    /// Every client with orders or contacts, in id order.
    public var histories: [CustomerHistory]
    /// `customer` or `lizaCustomer`, by client id.
    public var clientTypes: [String: String]
    /// Each client's advisor (`assignedStaff`), by client id; clients without one are absent.
    public var advisors: [String: String]
    /// Kept orders, oldest first.
    public var orders: [Order]
    public var contacts: [Contact]
    /// When each client first had a creative profile listing an experience they took up.
    public var experienceAdoption: [String: Date]
    /// Product names by id, for recommendations in words.
    public var productNames: [String: String] = [:]
    /// The date the analyses are "as of": the day after the latest order or contact, so that the
    /// same data always gives the same figures (the wall clock would age every client between runs).
    public var asOf: Date

    /// The history of `id`, if the client exists.
    public func history(of id: String) -> CustomerHistory? {
        guard let index = position[id] else { return nil }
        return histories[index]
    }

    private var position: [String: Int]

    public init(histories: [CustomerHistory], clientTypes: [String: String], advisors: [String: String] = [:], orders: [Order],
                contacts: [Contact], experienceAdoption: [String: Date], asOf: Date) {
        self.histories = histories
        self.clientTypes = clientTypes
        self.advisors = advisors
        self.orders = orders
        self.contacts = contacts
        self.experienceAdoption = experienceAdoption
        self.asOf = asOf
        position = Dictionary(histories.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Reading

    static let clientQuery = """
        *[_type in ["customer", "lizaCustomer"]]{_id, _type, segment, energyAlignment, tier, "advisor": assignedStaff._ref, culturalHeritage, culturalValues, \
        communicationStyle, culturalInvestmentPhilosophy, preferredCulturalExperiences}
        """
    static let orderQuery = """
        *[_type == "salesOrder" && !(status in ["cancelled", "returned"])]{_id, "customer": customer._ref, orderDate, total, \
        "lines": lineItems[]{"product": product._ref, quantity, unitPrice}}
        """
    static let productQuery = #"*[_type == "product"]{_id, name, category, "collection": collection._ref}"#
    static let contactQuery = #"*[_type == "interaction"]{"customer": customer._ref, date, channel, outcome, "order": salesOrder._ref}"#
    static let profileQuery = """
        *[_type == "creativeExpression"]{"customer": customer._ref, capturedAt, _createdAt, \
        "genres": musicalProfile.musicalPreferences, "aesthetics": visualProfile.designAesthetics, \
        "experiences": experientialProfile.experienceTypes}
        """

    /// Reads the clientele through `context` (published documents only); with `ids`, only those
    /// clients (and every product).
    public static func read(_ context: ActionContext, clients ids: [String]? = nil) async throws -> ClienteleHistories {
        let params: [String: JSONValue] = ids.map { ["ids": .array($0.map(JSONValue.string))] } ?? [:]
        let whole = ids == nil
        let clientText = whole ? clientQuery : restricted(clientQuery, "_id in $ids")
        let orderText = whole ? orderQuery : restricted(orderQuery, "customer._ref in $ids")
        let contactText = whole ? contactQuery : restricted(contactQuery, "customer._ref in $ids")
        let profileText = whole ? profileQuery : restricted(profileQuery, "customer._ref in $ids")
        async let clients = context.query(clientText, params: params)
        async let orders = context.query(orderText, params: params)
        async let products = context.query(productQuery)
        async let contacts = context.query(contactText, params: params)
        async let profiles = context.query(profileText, params: params)
        return try await build(clients: clients, orders: orders, products: products, contacts: contacts, profiles: profiles)
    }

    /// `query` with `condition` added to its filter.
    static func restricted(_ query: String, _ condition: String) -> String {
        guard let end = query.range(of: "]{") else { return query }
        return query.replacingCharacters(in: end, with: " && \(condition)]{")
    }

    /// This clientele with the clients `ids` replaced by what `update` knows of them (a client
    /// absent from `update` is gone).
    public func merging(_ update: ClienteleHistories, replacing ids: Set<String>) -> ClienteleHistories {
        var merged = ClienteleHistories(
            histories: (histories.filter { !ids.contains($0.id) } + update.histories).sorted { $0.id < $1.id },
            clientTypes: clientTypes.filter { !ids.contains($0.key) }.merging(update.clientTypes) { _, new in new },
            advisors: advisors.filter { !ids.contains($0.key) }.merging(update.advisors) { _, new in new },
            orders: (orders.filter { !ids.contains($0.customerID) } + update.orders).sorted { ($0.date, $0.id) < ($1.date, $1.id) },
            contacts: (contacts.filter { !ids.contains($0.customerID) } + update.contacts)
                .sorted { ($0.date, $0.customerID) < ($1.date, $1.customerID) },
            experienceAdoption: experienceAdoption.filter { !ids.contains($0.key) }.merging(update.experienceAdoption) { _, new in new },
            asOf: max(asOf, update.asOf))
        merged.productNames = productNames.merging(update.productNames) { _, new in new }
        return merged
    }

    /// Reads the clientele from documents in memory (a demo's, an export's), with the same
    /// queries as ``read(_:)``.
    public static func read(_ documents: any DocumentSource) throws -> ClienteleHistories {
        let answer = { (query: String) throws -> JSONValue in try GROQQuery(query).evaluate(in: documents) }
        return try build(clients: answer(clientQuery), orders: answer(orderQuery), products: answer(productQuery),
                         contacts: answer(contactQuery), profiles: answer(profileQuery))
    }

    /// Every product each client kept, one purchase per order line (a pair bought in one line
    /// is one purchase): what the recommenders learn from.
    public var productPurchases: [ProductPurchase] {
        orders.flatMap { order in order.lines.map { ProductPurchase(customer: order.customerID, product: $0.productID, date: order.date) } }
    }

    /// Each client's first cultural heritage, the segments popularity by segment groups by.
    public var heritageSegments: [String: String] {
        var segments: [String: String] = [:]
        for history in histories { if let heritage = history.profile.culturalHeritage.first { segments[history.id] = heritage } }
        return segments
    }

    /// Builds the clientele from the answers of the five queries above.
    /// - Throws: `StoreError` (`invalid`) when an order or contact carries a date that is not ISO 8601.
    public static func build(clients: JSONValue, orders: JSONValue, products: JSONValue, contacts: JSONValue,
                             profiles: JSONValue) throws -> ClienteleHistories {
        var catalogue: [String: (category: String?, collection: String?)] = [:]
        var names: [String: String] = [:]
        for product in products.arrayValue ?? [] {
            guard let id = product["_id"]?.stringValue else { continue }
            catalogue[id] = (product["category"]?.stringValue, product["collection"]?.stringValue)
            names[id] = product["name"]?.stringValue
        }

        var kept: [Order] = []
        var orderTotals: [String: Double] = [:]
        for order in orders.arrayValue ?? [] {
            guard let id = order["_id"]?.stringValue, let customer = order["customer"]?.stringValue,
                  let total = order["total"]?.numberValue, total >= 0, total.isFinite else { continue }
            let date = try date(order["orderDate"], field: "orderDate", of: id)
            let lines = (order["lines"]?.arrayValue ?? []).compactMap { line -> Line? in
                guard let product = line["product"]?.stringValue else { return nil }
                let amount = (line["quantity"]?.numberValue ?? 1) * (line["unitPrice"]?.numberValue ?? 0)
                return Line(productID: product, category: catalogue[product]?.category, collection: catalogue[product]?.collection,
                            amount: amount)
            }
            kept.append(Order(id: id, customerID: customer, date: date, total: total, lines: lines))
            orderTotals[id] = total
        }
        kept.sort { ($0.date, $0.id) < ($1.date, $1.id) }

        var recorded: [Contact] = []
        for contact in contacts.arrayValue ?? [] {
            guard let customer = contact["customer"]?.stringValue else { continue }
            let date = try date(contact["date"], field: "date", of: "an interaction of \(customer)")
            let converted = contact["outcome"]?.stringValue == "purchase"
            let revenue = contact["order"]?.stringValue.flatMap { orderTotals[$0] } ?? 0
            recorded.append(Contact(customerID: customer, date: date, channel: contact["channel"]?.stringValue ?? "unknown",
                                    converted: converted, revenue: converted ? revenue : 0))
        }
        recorded.sort { ($0.date, $0.customerID) < ($1.date, $1.customerID) }

        var creative: [String: (genres: [String], aesthetics: [String], experiences: [String])] = [:]
        var adoption: [String: Date] = [:]
        for profile in profiles.arrayValue ?? [] {
            guard let customer = profile["customer"]?.stringValue else { continue }
            let strings = { (key: String) in (profile[key]?.arrayValue ?? []).compactMap(\.stringValue) }
            var entry = creative[customer] ?? ([], [], [])
            entry.genres += strings("genres").filter { !entry.genres.contains($0) }
            entry.aesthetics += strings("aesthetics").filter { !entry.aesthetics.contains($0) }
            entry.experiences += strings("experiences").filter { !entry.experiences.contains($0) }
            creative[customer] = entry
            if !strings("experiences").isEmpty,
               let captured = try? date(profile["capturedAt"] ?? profile["_createdAt"], field: "capturedAt", of: customer) {
                adoption[customer] = min(adoption[customer] ?? captured, captured)
            }
        }

        var ordersByClient: [String: [CustomerHistory.Order]] = [:]
        for order in kept {
            let categories = order.lines.compactMap(\.category)
            ordersByClient[order.customerID, default: []].append(.init(date: order.date, amount: order.total, categories: categories))
        }
        var contactsByClient: [String: [Date]] = [:]
        for contact in recorded { contactsByClient[contact.customerID, default: []].append(contact.date) }

        var histories: [CustomerHistory] = []
        var types: [String: String] = [:], advisors: [String: String] = [:]
        for client in clients.arrayValue ?? [] {
            guard let id = client["_id"]?.stringValue, DocumentID.isPublished(id) else { continue }
            types[id] = client["_type"]?.stringValue ?? "customer"
            advisors[id] = client["advisor"]?.stringValue
            let strings = { (key: String) in (client[key]?.arrayValue ?? []).compactMap(\.stringValue) }
            let profile = creative[id]
            let cultural = CulturalProfile(
                culturalHeritage: strings("culturalHeritage"), culturalValues: strings("culturalValues"),
                communicationStyle: client["communicationStyle"]?.stringValue,
                culturalInvestmentPhilosophy: client["culturalInvestmentPhilosophy"]?.stringValue,
                preferredCulturalExperiences: strings("preferredCulturalExperiences"),
                musicalPreferences: profile?.genres ?? [], designAesthetics: profile?.aesthetics ?? [],
                experienceTypes: profile?.experiences ?? [])
            histories.append(CustomerHistory(
                id: id, orders: ordersByClient[id] ?? [], contacts: contactsByClient[id] ?? [],
                segment: client["segment"]?.stringValue.flatMap(CustomerSegment.init(rawValue:)) ?? .new,
                energyAlignment: client["energyAlignment"]?.stringValue.flatMap(EnergyAlignment.init(rawValue:)),
                tier: client["tier"]?.stringValue.flatMap(LizaTier.init(rawValue:)), profile: cultural))
        }
        histories.sort { $0.id < $1.id }

        let latest = [kept.last?.date, recorded.last?.date].compactMap { $0 }.max() ?? Date(timeIntervalSince1970: 0)
        let asOf = AnalyticsCalendar.startOfDay(latest).addingTimeInterval(AnalyticsCalendar.secondsPerDay)
        var clientele = ClienteleHistories(histories: histories, clientTypes: types, advisors: advisors, orders: kept, contacts: recorded,
                                           experienceAdoption: adoption, asOf: asOf)
        clientele.productNames = names
        return clientele
    }

    /// The date in `value`, or an error naming the document and field.
    static func date(_ value: JSONValue?, field: String, of owner: String) throws -> Date {
        guard let text = value?.stringValue, let date = AnalyticsDate.parse(text) else {
            throw StoreError(.invalid, type: "analyticsInputError", message: "\(field) of \(owner) is \(value.map { $0.typeName == "string" ? "\"\($0.stringValue ?? "")\"" : $0.typeName } ?? "missing"), not an ISO 8601 date",
                             advice: "Store dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, then run the action again")
        }
        return date
    }
}
