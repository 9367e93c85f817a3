import Foundation
import GROQ

/// The house's catalogue: twelve collections (two permanent, the rest seasonal from 2022 to 2025)
/// of eight pieces each, priced by category.
struct Catalog: Sendable {
    /// One collection as the house designed it, with the pieces it launched.
    struct Design: Sendable {
        let title: String
        let season: String
        let launch: CivilDate
        let end: CivilDate?
        let aesthetic: String
        let inspiration: String
        let description: String
        let featured: Bool
        let gemstones: [String]
        /// The pieces: name and category.
        let pieces: [(String, String)]

        var id: String { "collection-" + DemoText.slug(title) }
    }

    /// One product, ready to be written and to be sold.
    struct Product: Sendable {
        let id: String
        let name: String
        let sku: String
        let category: String
        let collection: Int
        /// List price, whole dollars.
        let price: Cents
        let metal: String
        let gemstones: [String]
        /// Total gem weight in hundredths of a carat.
        let caratHundredths: Int?
        let aesthetic: String
        let stock: Int
        let launch: CivilDate
    }

    let designs: [Design]
    /// Products in launch order, so those on sale at a date are a prefix.
    let products: [Product]
    private let launchDays: [Int]

    /// Price ranges by category, in whole dollars: from silver studs to high-jewelry watches.
    static let priceRanges: [String: ClosedRange<Double>] = [
        "rings": 380...28_000, "necklaces": 300...24_000, "earrings": 180...16_000,
        "bracelets": 240...18_000, "brooches": 450...9_500, "watches": 2_800...42_000,
    ]

    /// The SKU prefix of each category (`RG-10301`).
    static let skuPrefixes = ["rings": "RG", "necklaces": "NK", "earrings": "ER", "bracelets": "BR", "brooches": "BRO", "watches": "WT"]

    static let nouns: [String: String] = ["rings": "ring", "necklaces": "necklace", "earrings": "pair of earrings", "bracelets": "bracelet",
                                          "brooches": "brooch", "watches": "watch"]

    init(seed: UInt64) {
        designs = Self.collections
        var random = DemoRandom(seed: seed, stream: .catalog)
        var products: [Product] = []
        for (collectionIndex, design) in designs.enumerated() {
            // The permanent lines are the house's high jewelry: priced towards the top of the range.
            let premium = design.season == "permanent" ? 0.35 : 0.0
            for (pieceIndex, (name, category)) in design.pieces.enumerated() {
                let range = Self.priceRanges[category] ?? 300...20_000
                let position = min(1, premium + (1 - premium) * random.uniform())
                let raw = exp(log(range.lowerBound) + position * (log(range.upperBound) - log(range.lowerBound)))
                // List prices are round: to $10 below $1,000, to $50 above.
                let step = raw < 1_000 ? 10.0 : 50.0
                let price = Int((raw / step).rounded() * step)
                let cheap = price < 900
                let metal = cheap ? "silver" : random.pick(["yellow-gold", "white-gold", "rose-gold", "platinum", "yellow-gold", "white-gold"])
                var gems: [String] = []
                if !(category == "watches" && random.chance(0.4)) {
                    // Repeated stones in a design weigh its choice; a piece lists each stone once.
                    for stone in random.sample(design.gemstones, count: random.int(in: 1...2)) where !gems.contains(stone) { gems.append(stone) }
                }
                // Carat weights in hundredths, written with two decimals.
                let carats = gems.isEmpty || gems == ["pearl"] ? nil
                    : random.int(in: cheap ? 5...40 : 20...(category == "rings" ? 450 : 900))
                // Pieces of a season that has closed are nearly sold out.
                let stock = design.end.map { $0 < ObservationWindow.standard.end } == true ? random.int(in: 0...3) : random.int(in: 2...30)
                let sku = (Self.skuPrefixes[category] ?? "PC") + "-\(10_001 + collectionIndex * 100 + pieceIndex)"
                products.append(Product(
                    id: "product-" + DemoText.slug(sku), name: name, sku: sku, category: category, collection: collectionIndex, price: Cents(wholeDollars: price), metal: metal, gemstones: gems,
                    caratHundredths: carats, aesthetic: random.chance(0.85) ? design.aesthetic : random.pick(Vocabulary.designAestheticValues),
                    stock: stock, launch: design.launch))
            }
        }
        // Stable by launch: the order within a launch stays the catalogue's.
        products = products.enumerated().sorted { ($0.element.launch, $0.offset) < ($1.element.launch, $1.offset) }.map(\.element)
        self.products = products
        launchDays = products.map(\.launch.dayNumber)
    }

    /// How many products are on sale on `date` (those launched by then: a prefix of ``products``).
    func onSale(on date: CivilDate) -> Int {
        var low = 0, high = launchDays.count
        while low < high {
            let middle = (low + high) / 2
            if launchDays[middle] <= date.dayNumber { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// A product on sale on `date` whose list price is close to `amount`, leaning on `taste`: one
    /// of a dozen drawn at random, chosen with weight `exp(−4·|Δ log price|)` times the taste's
    /// weight, so that baskets are plausible, varied, and say something about who bought them.
    func product(near amount: Cents, on date: CivilDate, taste: Taste, random: inout DemoRandom) -> Int {
        let count = max(1, onSale(on: date))
        let target = log(max(amount.dollars, 1))
        let candidates = (0..<24).map { _ in random.int(below: count) }
        let weighted = candidates.map { candidate in
            (candidate, exp(-4 * abs(log(products[candidate].price.dollars) - target)) * taste.weight(of: products[candidate]))
        }
        return random.pick(weighted: weighted)
    }

    // MARK: Documents

    func collectionDocument(_ index: Int) -> JSONValue {
        let design = designs[index]
        var document: JSONObject = [
            "_id": .string(design.id), "_type": "collection",
            "_createdAt": .string(design.launch.adding(days: -60).isoDateTime(secondsIntoDay: 36_000)),
            "title": .string(design.title),
            "slug": DemoText.slugValue(DemoText.slug(design.title)),
            "description": .string(design.description),
            "season": .string(design.season),
            "launchDate": .string(design.launch.iso),
        ]
        if let end = design.end { document["endDate"] = .string(end.iso) }
        document["culturalInspiration"] = .string(design.inspiration)
        document["designAesthetic"] = .string(design.aesthetic)
        document["featured"] = .bool(design.featured)
        return .object(document)
    }

    func productDocument(_ index: Int) -> JSONValue {
        let product = products[index]
        let design = designs[product.collection]
        var document: JSONObject = [
            "_id": .string(product.id), "_type": "product",
            "_createdAt": .string(product.launch.adding(days: -30).isoDateTime(secondsIntoDay: 36_000)),
            "name": .string(product.name),
            "slug": DemoText.slugValue(DemoText.slug(product.name)),
            "sku": .string(product.sku),
            "category": .string(product.category),
            "collection": DemoText.reference(design.id),
            "price": product.price.json,
            "currency": "USD",
            "metal": .string(product.metal),
        ]
        if !product.gemstones.isEmpty { document["gemstones"] = .array(product.gemstones.map(JSONValue.string)) }
        if let carats = product.caratHundredths { document["caratWeight"] = Cents(carats).json }
        document["designAesthetic"] = .string(product.aesthetic)
        let material = product.metal == "silver" ? "sterling silver" : product.metal.replacingOccurrences(of: "-", with: " ")
        let stones = product.gemstones.isEmpty ? "" : " set with " + product.gemstones.joined(separator: " and ")
        document["description"] = DemoText.blocks([
            "A \(Self.nouns[product.category] ?? "piece") in \(material)\(stones), from the \(design.title) collection.",
            design.inspiration,
        ])
        document["stockQuantity"] = .number(Double(product.stock))
        document["isAvailable"] = .bool(product.stock > 0)
        document["launchDate"] = .string(product.launch.iso)
        return .object(document)
    }

    // MARK: The collections

    static let collections: [Design] = [
        Design(title: "Lumière Éternelle", season: "permanent", launch: CivilDate(2018, 2, 1), end: nil, aesthetic: "modern",
               inspiration: "Parisian bridal ateliers: light caught in a single stone.",
               description: "The house's bridal line: solitaires, eternity bands and rivières.", featured: true,
               gemstones: ["diamond", "diamond", "sapphire"],
               pieces: [("Éternelle Solitaire Ring", "rings"), ("Éternelle Eternity Band", "rings"), ("Halo Cushion Ring", "rings"),
                        ("Toi et Moi Ring", "rings"), ("Rivière Necklace", "necklaces"), ("Première Diamond Studs", "earrings"),
                        ("Promesse Tennis Bracelet", "bracelets"), ("Aube Pavé Pendant", "necklaces")]),
        Design(title: "Maison Heritage", season: "permanent", launch: CivilDate(2015, 9, 1), end: nil, aesthetic: "art-deco",
               inspiration: "The house's archive drawings from the 1920s: fans, steps and bows in onyx and platinum.",
               description: "Archive designs remade: the house's signature line.", featured: true,
               gemstones: ["diamond", "sapphire", "emerald", "onyx"],
               pieces: [("Archive Tank Watch", "watches"), ("Deco Fan Earrings", "earrings"), ("Vendôme Signet Ring", "rings"),
                        ("Archive Onyx Cuff", "bracelets"), ("Jazz Age Sautoir", "necklaces"), ("Heritage Bow Brooch", "brooches"),
                        ("Emerald Step Ring", "rings"), ("Charleston Drop Earrings", "earrings")]),
        Design(title: "Jardin de Kyoto", season: "spring-summer", launch: CivilDate(2022, 3, 1), end: CivilDate(2022, 9, 30), aesthetic: "organic",
               inspiration: "Japanese stroll gardens: cherry blossom, moss and still water.",
               description: "Spring pieces in pearl and pink morganite.", featured: false,
               gemstones: ["pearl", "morganite", "diamond"],
               pieces: [("Sakura Blossom Ring", "rings"), ("Koi Pond Pendant", "necklaces"), ("Moss Garden Earrings", "earrings"),
                        ("Bamboo Bangle", "bracelets"), ("Maple Leaf Brooch", "brooches"), ("Zen Stone Ring", "rings"),
                        ("Wisteria Drop Earrings", "earrings"), ("Akoya Pearl Strand", "necklaces")]),
        Design(title: "Sahara Nights", season: "autumn-winter", launch: CivilDate(2022, 9, 15), end: CivilDate(2023, 3, 31), aesthetic: "bohemian",
               inspiration: "Amazigh silverwork and the desert's night sky.",
               description: "Layered, textured gold with onyx and opal.", featured: false,
               gemstones: ["onyx", "tanzanite", "opal"],
               pieces: [("Tuareg Cross Pendant", "necklaces"), ("Dune Cuff", "bracelets"), ("Oasis Cocktail Ring", "rings"),
                        ("Caravan Hoops", "earrings"), ("Nomad Chain Bracelet", "bracelets"), ("Desert Star Ring", "rings"),
                        ("Tassel Earrings", "earrings"), ("Berber Collar", "necklaces")]),
        Design(title: "Étoile", season: "holiday", launch: CivilDate(2022, 11, 1), end: CivilDate(2023, 1, 31), aesthetic: "modern",
               inspiration: "Constellations over the Place Vendôme on a winter night.",
               description: "Star motifs in diamond and sapphire for the holidays.", featured: true,
               gemstones: ["diamond", "sapphire"],
               pieces: [("Étoile Star Studs", "earrings"), ("Constellation Necklace", "necklaces"), ("Polaris Ring", "rings"),
                        ("Comet Bracelet", "bracelets"), ("Stardust Brooch", "brooches"), ("Orion Band", "rings"),
                        ("Nova Drop Earrings", "earrings"), ("Midnight Pendant", "necklaces")]),
        Design(title: "Kente Geometry", season: "spring-summer", launch: CivilDate(2023, 3, 1), end: CivilDate(2023, 9, 30), aesthetic: "modern",
               inspiration: "The woven geometry of Ghanaian kente cloth and the proverbs of Akan gold weights.",
               description: "Bold geometric gold with emerald and ruby accents.", featured: false,
               gemstones: ["emerald", "ruby", "diamond"],
               pieces: [("Kente Weave Cuff", "bracelets"), ("Adinkra Pendant", "necklaces"), ("Sankofa Ring", "rings"),
                        ("Gold Weight Earrings", "earrings"), ("Ashanti Stack Rings", "rings"), ("Loom Bracelet", "bracelets"),
                        ("Kente Collar", "necklaces"), ("Akoben Brooch", "brooches")]),
        Design(title: "Byzantine Gold", season: "autumn-winter", launch: CivilDate(2023, 9, 15), end: CivilDate(2024, 3, 31), aesthetic: "vintage",
               inspiration: "The mosaics of Ravenna and Constantinople.",
               description: "Cabochon rubies, emeralds and pearls in hammered gold.", featured: false,
               gemstones: ["ruby", "emerald", "sapphire", "pearl"],
               pieces: [("Mosaic Cuff", "bracelets"), ("Ravenna Cross Pendant", "necklaces"), ("Theodora Earrings", "earrings"),
                        ("Basilica Ring", "rings"), ("Empress Collar", "necklaces"), ("Golden Horn Watch", "watches"),
                        ("Tessera Ring", "rings"), ("Hagia Drop Earrings", "earrings")]),
        Design(title: "Oceanic Pearl", season: "spring-summer", launch: CivilDate(2024, 3, 1), end: CivilDate(2024, 9, 30), aesthetic: "organic",
               inspiration: "Polynesian pearl diving and the lagoons of Tahiti.",
               description: "Tahitian pearls and aquamarine.", featured: false,
               gemstones: ["pearl", "aquamarine", "diamond"],
               pieces: [("Tahitian Pearl Ring", "rings"), ("Lagoon Pendant", "necklaces"), ("Wave Earrings", "earrings"),
                        ("Coral Reef Bracelet", "bracelets"), ("Tide Ring", "rings"), ("Nacre Studs", "earrings"),
                        ("Atoll Necklace", "necklaces"), ("Shell Brooch", "brooches")]),
        Design(title: "Mughal Gardens", season: "autumn-winter", launch: CivilDate(2024, 9, 15), end: CivilDate(2025, 3, 31), aesthetic: "vintage",
               inspiration: "Kundan setting and the gardens of the Mughal courts.",
               description: "Polki diamonds, emeralds and rubies in the kundan tradition.", featured: true,
               gemstones: ["emerald", "ruby", "diamond"],
               pieces: [("Kundan Choker", "necklaces"), ("Jharokha Earrings", "earrings"), ("Shalimar Ring", "rings"),
                        ("Taj Bangle", "bracelets"), ("Jhumka Earrings", "earrings"), ("Maharani Necklace", "necklaces"),
                        ("Lotus Pool Ring", "rings"), ("Peacock Brooch", "brooches")]),
        Design(title: "Aurora", season: "holiday", launch: CivilDate(2024, 11, 1), end: CivilDate(2025, 1, 31), aesthetic: "futuristic",
               inspiration: "The northern lights over Sámi lands.",
               description: "Tanzanite, aquamarine and opal in flowing white gold.", featured: true,
               gemstones: ["tanzanite", "aquamarine", "opal", "diamond"],
               pieces: [("Aurora Ribbon Necklace", "necklaces"), ("Borealis Ring", "rings"), ("Polar Night Watch", "watches"),
                        ("Glacier Earrings", "earrings"), ("Solstice Cuff", "bracelets"), ("Northern Light Studs", "earrings"),
                        ("Midnight Sun Ring", "rings"), ("Ice Crystal Pendant", "necklaces")]),
        Design(title: "Andean Sun", season: "spring-summer", launch: CivilDate(2025, 3, 1), end: CivilDate(2025, 9, 30), aesthetic: "bohemian",
               inspiration: "Inca goldwork and the festival of Inti Raymi.",
               description: "Sun discs and woven gold with fire opal.", featured: false,
               gemstones: ["opal", "morganite"],
               pieces: [("Inti Sun Pendant", "necklaces"), ("Condor Cuff", "bracelets"), ("Andes Ring", "rings"),
                        ("Quipu Bracelet", "bracelets"), ("Sacred Valley Earrings", "earrings"), ("Machu Ring", "rings"),
                        ("Festival Hoops", "earrings"), ("Sun Disc Brooch", "brooches")]),
        Design(title: "Lotus Dynasty", season: "autumn-winter", launch: CivilDate(2025, 9, 15), end: nil, aesthetic: "art-deco",
               inspiration: "Shanghai's Art Deco Bund, and the lotus as a symbol of purity.",
               description: "Onyx, pearl and sapphire in Deco lines.", featured: true,
               gemstones: ["onyx", "pearl", "sapphire", "diamond"],
               pieces: [("Lotus Ring", "rings"), ("Bund Deco Earrings", "earrings"), ("Jade Gate Pendant", "necklaces"),
                        ("Shanghai Watch", "watches"), ("Lotus Bangle", "bracelets"), ("Pearl Moon Earrings", "earrings"),
                        ("Dynasty Collar", "necklaces"), ("Lantern Ring", "rings")]),
    ]
}

extension Vocabulary {
    /// The design aesthetics' values.
    static var designAestheticValues: [String] { designAesthetics.compactMap(\.value.stringValue) }
}
