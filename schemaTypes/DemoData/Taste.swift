/// What a client of the demo likes, planted so that recommenders can be judged by what they
/// recover: a favourite design aesthetic and a favourite product category.
///
/// The favourite aesthetic follows the client's music, which follows their culture (a French
/// client leans to classical or jazz, so to vintage or Art Deco); the favourite category follows
/// the culture's own tendencies (watches in Switzerland, brooches in Britain, bracelets in
/// Brazil). When an order's lines are chosen, a product in the favourite aesthetic weighs
/// ``aestheticWeight`` times as much as another near the same price, and one in the favourite
/// category ``categoryWeight`` times: tendencies, never rules. The creative profile, when the
/// advisor captured one, states the same genre and aesthetic first. ``GeneratorTruth`` records
/// the weights and tables; each client's favourites are drawn from a stream of their own.
struct Taste: Sendable, Hashable {
    /// The musical genre the aesthetic was drawn from.
    let genre: String
    let aesthetic: String
    let category: String

    /// How much likelier a product in the favourite aesthetic is than another near its price.
    static let aestheticWeight = 8.0
    /// How much likelier a product in the favourite category is than another near its price.
    static let categoryWeight = 6.0

    /// The weight of `product` for this client, before its price is considered.
    func weight(of product: Catalog.Product) -> Double {
        (product.aesthetic == aesthetic ? Self.aestheticWeight : 1) * (product.category == category ? Self.categoryWeight : 1)
    }

    /// Client `index`'s taste under `seed`, from their culture.
    static func draw(seed: UInt64, index: Int, culture: Int) -> Taste {
        var random = DemoRandom(seed: seed, stream: .taste, index: index)
        let culture = Clientele.cultures[culture]
        let genre = random.pick(weighted: culture.music)
        let aesthetic = random.pick(weighted: CreativeProfile.aestheticsByGenre[genre] ?? [("modern", 1)])
        let category = random.pick(weighted: categoriesByCulture[culture.heritage[0]] ?? evenCategories)
        return Taste(genre: genre, aesthetic: aesthetic, category: category)
    }

    static let evenCategories: [(String, Double)] = [("rings", 1), ("necklaces", 1), ("earrings", 1), ("bracelets", 1), ("brooches", 1), ("watches", 1)]

    /// Favourite-category weights by a culture's first heritage.
    static let categoriesByCulture: [String: [(String, Double)]] = [
        "French": [("rings", 3), ("necklaces", 2), ("earrings", 3), ("bracelets", 1), ("brooches", 2), ("watches", 1)],
        "American": [("rings", 4), ("necklaces", 2), ("earrings", 2), ("bracelets", 2), ("brooches", 0.5), ("watches", 2)],
        "British": [("rings", 2), ("necklaces", 2), ("earrings", 1), ("bracelets", 1), ("brooches", 4), ("watches", 2)],
        "Italian": [("rings", 2), ("necklaces", 4), ("earrings", 2), ("bracelets", 2), ("brooches", 1), ("watches", 1)],
        "Swiss": [("rings", 1), ("necklaces", 1), ("earrings", 1), ("bracelets", 1), ("brooches", 1), ("watches", 6)],
        "Japanese": [("rings", 1), ("necklaces", 4), ("earrings", 3), ("bracelets", 1), ("brooches", 1), ("watches", 2)],
        "Cantonese": [("rings", 2), ("necklaces", 2), ("earrings", 1), ("bracelets", 5), ("brooches", 0.5), ("watches", 2)],
        "Korean": [("rings", 2), ("necklaces", 2), ("earrings", 5), ("bracelets", 1), ("brooches", 0.5), ("watches", 1)],
        "Indian": [("rings", 2), ("necklaces", 5), ("earrings", 3), ("bracelets", 3), ("brooches", 0.5), ("watches", 1)],
        "Emirati": [("rings", 2), ("necklaces", 3), ("earrings", 2), ("bracelets", 2), ("brooches", 0.5), ("watches", 4)],
        "Yoruba": [("rings", 2), ("necklaces", 5), ("earrings", 3), ("bracelets", 3), ("brooches", 1), ("watches", 1)],
        "Akan": [("rings", 2), ("necklaces", 3), ("earrings", 2), ("bracelets", 5), ("brooches", 1), ("watches", 1)],
        "Brazilian": [("rings", 2), ("necklaces", 2), ("earrings", 3), ("bracelets", 5), ("brooches", 0.5), ("watches", 1)],
        "Mexican": [("rings", 2), ("necklaces", 3), ("earrings", 5), ("bracelets", 2), ("brooches", 1), ("watches", 1)],
        "Persian": [("rings", 5), ("necklaces", 3), ("earrings", 2), ("bracelets", 2), ("brooches", 1), ("watches", 1)],
        "Israeli": [("rings", 3), ("necklaces", 3), ("earrings", 2), ("bracelets", 2), ("brooches", 1), ("watches", 2)],
        "Swedish": [("rings", 3), ("necklaces", 2), ("earrings", 2), ("bracelets", 2), ("brooches", 1), ("watches", 3)],
    ]

    /// The tables in words, for the generator's recorded truth.
    static var description: String {
        let cultures = Clientele.cultures.map { culture -> String in
            let weights = categoriesByCulture[culture.heritage[0]] ?? evenCategories
            let top = weights.max { $0.1 < $1.1 }?.0 ?? "rings"
            return "\(culture.heritage[0]) \(top)"
        }
        return """
            Planted tastes: each customer has a favourite design aesthetic (a musical genre drawn from their culture's \
            music weights, then an aesthetic from that genre's weights, the same tables as the creative profiles) and a \
            favourite category (drawn from their culture's category weights; the most likely per culture: \
            \(cultures.joined(separator: ", "))). An order line picks among a dozen products on sale near its price, \
            weighted by closeness in price times \(Int(aestheticWeight)) for the favourite aesthetic and \
            \(Int(categoryWeight)) for the favourite category. A captured creative profile lists the favourite genre and \
            aesthetic first.
            """
    }
}
