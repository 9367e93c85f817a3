import Foundation
import GROQ

/// One marketing campaign of the calendar, and (once the window's interactions are known) how it
/// performed.
struct Campaign: Sendable {
    let id: String
    let name: String
    let channel: String
    /// First and last day, both included.
    let start: CivilDate
    let end: CivilDate
    /// Whole dollars.
    let budget: Int
    let segments: [String]
    let tiers: [String]
    /// Index into the catalogue's collections.
    let collection: Int
    /// Indices into the catalogue's products.
    let featured: [Int]
    let message: String
    var results: Results?

    /// What the campaign reached and earned; `converted` and `revenue` count the purchases its
    /// interactions led to.
    struct Results: Sendable {
        var audience = 0
        var delivered = 0
        var opened = 0
        var responded = 0
        var converted = 0
        var revenue = Cents.zero
    }

    func isRunning(on date: CivilDate) -> Bool { start <= date && date <= end }

    /// The contact channel an interaction of this campaign uses.
    var contactChannel: String {
        switch channel {
        case "email": "email"
        case "sms": "sms"
        case "event": "event"
        case "social": "whatsapp"
        case "direct-mail": "phone"
        default: "in-store"
        }
    }
}

/// The house's marketing calendar: five campaigns a year (Valentine's, a spring preview, Mother's
/// Day, the autumn launch and the holidays) from 2022 to 2025, and next year's first one
/// already scheduled.
struct CampaignCalendar: Sendable {
    private(set) var campaigns: [Campaign]

    private struct Template {
        let key: String
        let name: String
        let channels: [String]
        let start: (month: Int, day: Int)
        let end: (month: Int, day: Int)
        let segments: [String]
        let tiers: [String]
        /// A fixed collection, or the latest launched by the start among these seasons.
        let collection: Int?
        let seasons: [String]
        let message: String
    }

    private static let allSegments = Vocabulary.segments.compactMap(\.value.stringValue)
    private static let allTiers = Vocabulary.lizaTiers.compactMap(\.value.stringValue)

    private static let templates: [Template] = [
        Template(key: "valentines", name: "Valentine's Love Stories", channels: ["email"], start: (2, 1), end: (2, 14),
                 segments: ["occasional", "regular", "loyal", "vip"], tiers: [], collection: 0, seasons: [],
                 message: "Stories of love told in light: the Lumière Éternelle bridal line, engraved by hand in our atelier."),
        Template(key: "spring-preview", name: "Spring Atelier Preview", channels: ["event"], start: (3, 10), end: (4, 10),
                 segments: ["loyal", "vip"], tiers: allTiers, collection: nil, seasons: ["spring-summer"],
                 message: "An evening in the atelier: meet the designers and see the new season's pieces before anyone else."),
        Template(key: "mothers-day", name: "Mother's Day Heirlooms", channels: ["direct-mail", "sms"], start: (4, 20), end: (5, 12),
                 segments: ["new", "occasional", "regular"], tiers: [], collection: 1, seasons: [],
                 message: "Pieces to pass down: Maison Heritage designs, with a handwritten card for the one who taught you everything."),
        Template(key: "autumn-launch", name: "Autumn Collection Launch", channels: ["social"], start: (9, 15), end: (10, 20),
                 segments: allSegments, tiers: [], collection: nil, seasons: ["autumn-winter"],
                 message: "The new autumn collection: its story, its makers and the culture that inspired it."),
        Template(key: "holiday", name: "Holiday Radiance", channels: ["email"], start: (11, 15), end: (12, 31),
                 segments: allSegments, tiers: allTiers, collection: nil, seasons: ["holiday", "autumn-winter"],
                 message: "Gifts that carry meaning: the holiday edit, gift wrapping and delivery before the holidays."),
    ]

    init(seed: UInt64, catalog: Catalog, window: ObservationWindow) {
        var random = DemoRandom(seed: seed, stream: .campaigns)
        var campaigns: [Campaign] = []
        let firstYear = window.start.year, lastYear = window.end.adding(days: -1).year
        for year in firstYear...(lastYear + 1) {
            for (index, template) in Self.templates.enumerated() {
                let start = CivilDate(year, template.start.month, template.start.day)
                // After the window, only next year's first campaign is already planned.
                if year > lastYear, index > 0 { break }
                let collection = template.collection ?? Self.latestCollection(in: catalog, seasons: template.seasons, by: start)
                let pieces = catalog.products.indices.filter { catalog.products[$0].collection == collection }
                let channel = template.channels[(year - firstYear) % template.channels.count]
                let budgetRange: ClosedRange<Double> = switch channel {
                case "event": 60_000...140_000
                case "social": 30_000...80_000
                case "direct-mail": 25_000...50_000
                case "sms": 8_000...15_000
                default: 12_000...30_000
                }
                campaigns.append(Campaign(
                    id: "campaign-\(year)-\(template.key)", name: "\(template.name) \(year)", channel: channel, start: start,
                    end: CivilDate(year, template.end.month, template.end.day),
                    budget: Int((random.uniform(in: budgetRange) / 500).rounded()) * 500, segments: template.segments, tiers: template.tiers,
                    collection: collection, featured: random.sample(pieces, count: 3), message: template.message))
            }
        }
        self.campaigns = campaigns
    }

    /// The collection of one of `seasons` launched last on or before `date` (the bridal line if none).
    private static func latestCollection(in catalog: Catalog, seasons: [String], by date: CivilDate) -> Int {
        catalog.designs.indices
            .filter { seasons.contains(catalog.designs[$0].season) && catalog.designs[$0].launch <= date }
            .max { catalog.designs[$0].launch < catalog.designs[$1].launch } ?? 0
    }

    /// The campaign running on `date`, if any (campaigns never overlap).
    func running(on date: CivilDate) -> Int? {
        campaigns.firstIndex { $0.isRunning(on: date) }
    }

    /// Fills in the results of every campaign that ended within the window.
    mutating func tally(clients: [Client], orders: [Order], interactions: [Interaction], window: ObservationWindow, seed: UInt64) {
        var random = DemoRandom(seed: seed, stream: .campaigns, index: 1)
        var responded = Array(repeating: 0, count: campaigns.count)
        var converted = Array(repeating: 0, count: campaigns.count)
        var revenue = Array(repeating: 0, count: campaigns.count)
        for interaction in interactions {
            guard let campaign = interaction.campaign else { continue }
            if ["interested", "appointment-booked", "purchase"].contains(interaction.outcome) { responded[campaign] += 1 }
            if interaction.outcome == "purchase", let order = interaction.order {
                converted[campaign] += 1
                if orders[order].countsTowardsValue { revenue[campaign] += orders[order].amount.value }
            }
        }
        for index in campaigns.indices where campaigns[index].end < window.end {
            let campaign = campaigns[index]
            let endWeek = window.week(of: campaign.end.adding(days: 1))
            let audience = clients.reduce(0) { count, client in
                guard client.acquisition < endWeek else { return count }
                let targeted = campaign.segments.contains(client.segment) || client.membership.map { campaign.tiers.contains($0.tier) } == true
                let reachable = switch campaign.channel {
                case "email": client.consent.email
                case "sms": client.consent.sms
                default: true
                }
                return targeted && reachable ? count + 1 : count
            }
            var results = Campaign.Results()
            results.responded = responded[index]
            results.opened = max(results.responded, Int(Double(audience) * random.uniform(in: campaign.channel == "event" ? 0.2...0.4 : 0.35...0.6)))
            results.delivered = max(results.opened, Int(Double(audience) * random.uniform(in: 0.95...0.99)))
            results.audience = max(audience, results.delivered)
            results.converted = converted[index]
            // Campaign reports round revenue to the dollar.
            results.revenue = Cents(wholeDollars: Int((Double(revenue[index]) / 100).rounded()))
            campaigns[index].results = results
        }
    }

    func document(_ index: Int, catalog: Catalog, window: ObservationWindow) -> JSONValue {
        let campaign = campaigns[index]
        var document: JSONObject = [
            "_id": .string(campaign.id), "_type": "marketingCampaign",
            "_createdAt": .string(campaign.start.adding(days: -45).isoDateTime(secondsIntoDay: 39_600)),
            "name": .string(campaign.name),
            "slug": DemoText.slugValue(DemoText.slug(campaign.name)),
            "channel": .string(campaign.channel),
            "status": .string(campaign.end < window.end ? "completed" : "scheduled"),
            "startDate": .string(campaign.start.iso),
            "endDate": .string(campaign.end.iso),
            "budget": Cents(wholeDollars: campaign.budget).json,
            "targetSegments": .array(campaign.segments.map(JSONValue.string)),
        ]
        if !campaign.tiers.isEmpty { document["targetTiers"] = .array(campaign.tiers.map(JSONValue.string)) }
        document["featuredProducts"] = .array(campaign.featured.map { DemoText.reference(catalog.products[$0].id, key: catalog.products[$0].id) })
        document["featuredCollection"] = DemoText.reference(catalog.designs[campaign.collection].id)
        document["message"] = DemoText.blocks([campaign.message])
        if let results = campaign.results {
            document["results"] = [
                "audienceSize": .number(Double(results.audience)),
                "delivered": .number(Double(results.delivered)),
                "opened": .number(Double(results.opened)),
                "responded": .number(Double(results.responded)),
                "converted": .number(Double(results.converted)),
                "revenue": results.revenue.json,
            ]
        }
        return .object(document)
    }
}
