/// A realistic, deterministic demo of the jewelry CRM: catalogue, staff, clients and LIZA VIPs
/// with cultural and creative profiles, campaigns, interactions, and four years of sales orders
/// drawn from a known stochastic process (``PurchaseProcess``).
///
/// The generator is pure: no I/O, no store, no clock, no system randomness. The same customer
/// count and seed always give the same documents, with readable ids (`customer-000042`,
/// `order-100317`, `product-rg-10301`), ready to be written in dependency order:
///
/// ```swift
/// let content = try CRMDemo(customers: 5_000, seed: 1).generate()
/// for batch in DemoContent.Batch.allCases {
///     let documents = content.documents(of: batch)     // every one passes CRMSchema.validator()
///     …
/// }
/// ```
///
/// The true parameters are written to the `analyticsModel` document ``truthDocumentID``, so
/// that analytics fitted to the data can be checked against them.
public struct CRMDemo: Sendable {
    /// How many customers a demo may have.
    public static let customerLimit = 1...200_000

    /// The id of the document recording the generator's true parameters.
    public static let truthDocumentID = GeneratorTruth.id

    public let customers: Int
    public let seed: UInt64
    public let process: PurchaseProcess
    /// The observed period, fixed so that the data never depends on when it is made.
    public let window = ObservationWindow.standard

    public init(customers: Int = 5_000, seed: UInt64 = 1, process: PurchaseProcess = .standard) throws(DemoDataError) {
        guard Self.customerLimit.contains(customers) else { throw .customerCount(customers) }
        guard process.r > 0, process.alpha > 0, process.a > 0, process.b > 0, process.p > 0, process.q > 1, process.gamma > 0,
              process.holidayLift >= 0
        else { throw .parameters(process) }
        self.customers = customers
        self.seed = seed
        self.process = process
    }

    /// Simulates the CRM. Documents are built from the result on demand, batch by batch.
    public func generate() -> DemoContent {
        let catalog = Catalog(seed: seed)
        let roster = StaffRoster(count: StaffRoster.size(forCustomers: customers), seed: seed)
        let idWidth = max(6, String(customers).count)
        var clients = (0..<customers).map { index in
            Client.draw(index: index, idWidth: idWidth, seed: seed, process: process, window: window, roster: roster)
        }

        // Orders, numbered in time order (order numbers grow with time, as a till's do).
        var drawn: [Order] = []
        for client in clients {
            drawn += Order.draw(for: client, seed: seed, window: window, roster: roster, catalog: catalog)
        }
        let chronological = drawn.indices.sorted { (drawn[$0].time, drawn[$0].customer, $0) < (drawn[$1].time, drawn[$1].customer, $1) }
        var orders: [Order] = []
        orders.reserveCapacity(drawn.count)
        for (rank, index) in chronological.enumerated() {
            var order = drawn[index]
            order.number = 100_001 + rank
            clients[order.customer].orders.append(rank)
            if order.countsTowardsValue {
                clients[order.customer].lifetimeValue = clients[order.customer].lifetimeValue + order.amount
                clients[order.customer].purchases += 1
            }
            orders.append(order)
        }

        assignEnergyAlignment(&clients)
        enrolTopSpenders(&clients, orders: orders)

        var calendar = CampaignCalendar(seed: seed, catalog: catalog, window: window)
        var contacts: [Interaction] = []
        for client in clients {
            contacts += Interaction.draw(for: client, orders: orders, calendar: calendar, window: window, seed: seed)
        }
        let timeline = contacts.indices.sorted {
            (contacts[$0].time, contacts[$0].customer, $0) < (contacts[$1].time, contacts[$1].customer, $1)
        }
        let interactions = timeline.enumerated().map { rank, index in
            var interaction = contacts[index]
            interaction.number = rank + 1
            return interaction
        }
        calendar.tally(clients: clients, orders: orders, interactions: interactions, window: window, seed: seed)

        for index in clients.indices { clients[index].hasCreativeProfile = CreativeProfile.isCaptured(for: clients[index], seed: seed) }
        return DemoContent(demo: self, catalog: catalog, roster: roster, clients: clients, orders: orders, calendar: calendar,
                           interactions: interactions)
    }

    /// Ranks clients by their latent harmony score: the top 15% exceptional, the next 30%
    /// strong, the next 35% moderate, the rest developing.
    private func assignEnergyAlignment(_ clients: inout [Client]) {
        let ranked = clients.indices.sorted { (clients[$0].harmonyScore, $1) > (clients[$1].harmonyScore, $0) }
        let count = Double(clients.count)
        for (rank, index) in ranked.enumerated() {
            let share = Double(rank) / count
            clients[index].energyAlignment = share < 0.15 ? "exceptional" : share < 0.45 ? "strong" : share < 0.8 ? "moderate" : "developing"
        }
    }

    /// Makes the top tenth by lifetime value LIZA members, from the day their spend first reached
    /// the lowest member's lifetime value (the programme's threshold).
    private func enrolTopSpenders(_ clients: inout [Client], orders: [Order]) {
        let count = Int(Double(clients.count) * GeneratorTruth.lizaShare)
        guard count > 0 else { return }
        let ranked = clients.indices.sorted { (clients[$0].lifetimeValue, $1) > (clients[$1].lifetimeValue, $0) }
        let members = ranked.prefix(count)
        let threshold = members.map { clients[$0].lifetimeValue }.min() ?? .zero
        for index in members {
            var spent = Cents.zero
            var since = window.date(atWeek: clients[index].acquisition)
            for orderIndex in clients[index].orders where orders[orderIndex].countsTowardsValue {
                spent = spent + orders[orderIndex].amount
                if spent >= threshold {
                    since = window.date(atWeek: orders[orderIndex].time)
                    break
                }
            }
            clients[index].membership = LizaMembership.draw(for: clients[index], since: since, seed: seed)
        }
    }
}

/// Why a demo cannot be made.
public enum DemoDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The customer count is outside ``CRMDemo/customerLimit``.
    case customerCount(Int)
    /// A parameter of the process is out of its domain.
    case parameters(PurchaseProcess)

    public var description: String {
        switch self {
        case .customerCount(let count):
            "A demo has between \(CRMDemo.customerLimit.lowerBound) and \(CRMDemo.customerLimit.upperBound) customers; \(count) was asked for"
        case .parameters(let process):
            "The purchase process needs r, alpha, a, b, p and gamma above 0, q above 1 (for a finite mean order value) and a holiday "
                + "lift of 0 or more; got \(process)"
        }
    }
}
