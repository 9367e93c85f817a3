import GROQ

/// A generated demo CRM, held compactly; its documents are built on demand, batch by batch, so
/// that a large demo can be written a few thousand documents at a time.
///
/// Batches come in dependency order: every document references only documents of earlier
/// batches or of its own. The record of how the demo was made references nothing and comes
/// first, so that a seed interrupted halfway still says what it was seeding. Staff appear
/// twice: the roster early, because customers name their advisor, and again with their client
/// books once the customers exist, because `assignedCustomers` points back at them — a cycle no
/// single order of writes satisfies.
public struct DemoContent: Sendable {
    /// A group of documents written together, in the order of the cases.
    public enum Batch: String, CaseIterable, Sendable {
        case generatorTruth = "generator truth"
        case staffRoster = "staff"
        case collections = "collections"
        case products = "products"
        case customers = "customers"
        case campaigns = "campaigns"
        case salesOrders = "sales orders"
        case interactions = "interactions"
        case creativeExpressions = "creative expressions"
        case clientBooks = "client books"
        /// The demo's analytics dashboard (``DemoDashboard``): its queries read every batch before it.
        case dashboards = "dashboards"
    }

    /// The recipe this content was made from.
    public let demo: CRMDemo
    let catalog: Catalog
    let roster: StaffRoster
    let clients: [Client]
    let orders: [Order]
    let calendar: CampaignCalendar
    let interactions: [Interaction]
    /// Clients with a creative profile, by index.
    private let profiled: [Int]
    /// Staff who look after at least one client, with the clients' indices.
    private let books: [(staff: Int, clients: [Int])]

    init(demo: CRMDemo, catalog: Catalog, roster: StaffRoster, clients: [Client], orders: [Order], calendar: CampaignCalendar,
         interactions: [Interaction])
    {
        self.demo = demo
        self.catalog = catalog
        self.roster = roster
        self.clients = clients
        self.orders = orders
        self.calendar = calendar
        self.interactions = interactions
        profiled = clients.indices.filter { clients[$0].hasCreativeProfile }
        var byStaff = Array(repeating: [Int](), count: roster.members.count)
        for client in clients { byStaff[client.advisor].append(client.index) }
        books = byStaff.indices.filter { !byStaff[$0].isEmpty }.map { ($0, byStaff[$0]) }
    }

    /// How many documents `batch` holds.
    public func count(of batch: Batch) -> Int {
        switch batch {
        case .staffRoster: roster.members.count
        case .collections: catalog.designs.count
        case .products: catalog.products.count
        case .customers: clients.count
        case .campaigns: calendar.campaigns.count
        case .salesOrders: orders.count
        case .interactions: interactions.count
        case .creativeExpressions: profiled.count
        case .clientBooks: books.count
        case .generatorTruth: 1
        case .dashboards: 1
        }
    }

    /// The documents of `batch` (those at `range` when given).
    public func documents(of batch: Batch, in range: Range<Int>? = nil) -> [JSONValue] {
        let range = range ?? 0..<count(of: batch)
        let window = demo.window, seed = demo.seed
        return range.map { index in
            switch batch {
            case .staffRoster:
                roster.document(index, clients: nil)
            case .collections:
                catalog.collectionDocument(index)
            case .products:
                catalog.productDocument(index)
            case .customers:
                clients[index].document(seed: seed, window: window, roster: roster)
            case .campaigns:
                calendar.document(index, catalog: catalog, window: window)
            case .salesOrders:
                orders[index].document(clients: clients, roster: roster, catalog: catalog, window: window, seed: seed)
            case .interactions:
                interactions[index].document(clients: clients, orders: orders, roster: roster, calendar: calendar, catalog: catalog,
                                             window: window)
            case .creativeExpressions:
                CreativeProfile.document(for: clients[profiled[index]], seed: seed, window: window, roster: roster)
            case .clientBooks:
                roster.document(books[index].staff, clients: books[index].clients.map { clients[$0].id })
            case .generatorTruth:
                GeneratorTruth.document(for: demo, orders: orders.count, members: clients.count { $0.membership != nil })
            case .dashboards:
                DemoDashboard.document(window: window)
            }
        }
    }

    /// Every document, batch after batch (staff twice: see ``DemoContent``).
    public func allDocuments() -> [JSONValue] {
        Batch.allCases.flatMap { documents(of: $0) }
    }

    /// Every document once, as it stands after the last batch: what a dataset seeded with the
    /// demo holds (system fields aside).
    public func finalDocuments() -> [JSONValue] {
        var positions: [String: Int] = [:]
        var result: [JSONValue] = []
        for document in allDocuments() {
            let id = document["_id"]?.stringValue ?? ""
            if let position = positions[id] {
                result[position] = document
            } else {
                positions[id] = result.count
                result.append(document)
            }
        }
        return result
    }

    /// The simulated purchase histories, by customer (customer `i` is `customer-` followed by
    /// `i + 1`): the traits each customer drew and what they bought when.
    public var histories: [PurchaseProcess.History] { clients.map(\.history) }

    /// Each customer's planted favourites, by customer id: what a recommender should recover.
    public var plantedTastes: [String: PlantedTaste] {
        Dictionary(uniqueKeysWithValues: clients.map { ($0.id, PlantedTaste(aesthetic: $0.taste.aesthetic, category: $0.taste.category)) })
    }

    /// The design aesthetic and category of each product, by product id.
    public var productTraits: [String: PlantedTaste] {
        Dictionary(uniqueKeysWithValues: catalog.products.map { ($0.id, PlantedTaste(aesthetic: $0.aesthetic, category: $0.category)) })
    }
}

/// A favourite design aesthetic and product category (or a product's own).
public struct PlantedTaste: Sendable, Hashable {
    public let aesthetic: String
    public let category: String
}
