import Foundation
import GROQ

/// One client of the demo: who they are, how the house reaches them, and their purchase history.
///
/// What other documents need (name, advisor, consent, history, spend) is kept; the rest of the
/// profile (address, birthday, cultural fields, notes) is drawn again from the client's own
/// `details` stream whenever the document is written.
struct Client: Sendable {
    let index: Int
    let id: String
    let culture: Int
    let home: Int
    let heritage: [String]
    let name: String
    let email: String
    let language: String
    let advisor: Int
    let consent: Consent
    let preferredChannel: String
    let history: PurchaseProcess.History
    /// A latent affinity with the house's way of serving: it rises with the client's expected
    /// spend (λ and p/ν) plus noise, and ranks clients into the four energy alignments.
    let harmonyScore: Double
    /// The favourite aesthetic and category the orders lean on.
    let taste: Taste

    var energyAlignment = "moderate"
    /// The client's orders, indices into the order book, in time order.
    var orders: [Int] = []
    /// Total of the orders not cancelled.
    var lifetimeValue = Cents.zero
    /// Orders not cancelled.
    var purchases = 0
    var membership: LizaMembership?
    var hasCreativeProfile = false

    /// Channels the client agreed to be reached on, and to profiling.
    struct Consent: Sendable {
        let email: Bool
        let sms: Bool
        let phone: Bool
        let profiling: Bool
        /// When the consent was last updated (weeks from the window's start).
        let updatedAt: Double
    }

    var acquisition: Double { history.purchases[0].time }

    /// The client's segment: `vip` for LIZA members, else by the number of purchases not
    /// cancelled (1 new, 2 occasional, 3–4 regular, 5 or more loyal).
    var segment: String {
        if membership != nil { return "vip" }
        switch purchases {
        case ...1: return "new"
        case 2: return "occasional"
        case 3...4: return "regular"
        default: return "loyal"
        }
    }

    /// Whether the client is still buying at `time` (has not yet become inactive).
    func isActive(atWeek time: Double) -> Bool { history.inactiveFrom.map { time <= $0 } ?? true }

    /// Draws client `index`: culture, name, contact preferences and purchase history.
    static func draw(index: Int, idWidth: Int, seed: UInt64, process: PurchaseProcess, window: ObservationWindow,
                     roster: StaffRoster) -> Client
    {
        var purchases = DemoRandom(seed: seed, stream: .purchases, index: index)
        let history = process.simulateCustomer(in: window, random: &purchases)
        var random = DemoRandom(seed: seed, stream: .profile, index: index)
        let cultureIndex = random.pick(weighted: Clientele.cultures.indices.map { ($0, Clientele.cultures[$0].weight) })
        let culture = Clientele.cultures[cultureIndex]
        let homeIndex = random.int(below: culture.homes.count)
        var heritage = [random.pick(culture.heritage)]
        if random.chance(0.12) {
            // One client in eight names a second heritage, from another culture.
            let other = Clientele.cultures[random.int(below: Clientele.cultures.count)].heritage[0]
            if !heritage.contains(other) { heritage.append(other) }
        }
        let first = random.pick(culture.firstNames), last = random.pick(culture.lastNames)
        let domain = random.pick(["example.com", "example.net", "example.org"])
        let email = "\(StaffRoster.emailPart(first)).\(StaffRoster.emailPart(last)).\(index + 1)@\(domain)"
        let language = random.chance(0.8) ? culture.languages[0] : random.pick(culture.languages)
        let advisor = roster.advisor(forBoutique: culture.homes[homeIndex].boutique, random: &random)
        let consent = Consent(email: random.chance(0.72), sms: random.chance(0.42), phone: random.chance(0.58), profiling: random.chance(0.78),
                              updatedAt: min(history.purchases[0].time + random.uniform(in: 0...2), window.weeks - 0.001))
        let channel = random.pick(weighted: [("in-store", 4.0), ("email", consent.email ? 3 : 0.5), ("phone", consent.phone ? 2 : 0.3),
                                   ("whatsapp", consent.sms ? 2 : 0.2), ("sms", consent.sms ? 1 : 0.1), ("video", 0.8), ("event", 0.6)])
        let expectedWeeklySpend = history.purchaseRate / process.expectedPurchaseRate * process.p / history.spendRate / process.expectedOrderValue
        let score = log(max(expectedWeeklySpend, 1e-12)) + 0.9 * random.normal()
        return Client(index: index, id: "customer-" + DemoText.padded(index + 1, width: idWidth), culture: cultureIndex, home: homeIndex,
                      heritage: heritage, name: "\(first) \(last)", email: email, language: language, advisor: advisor, consent: consent,
                      preferredChannel: channel, history: history, harmonyScore: score,
                      taste: Taste.draw(seed: seed, index: index, culture: cultureIndex))
    }

    /// The client's `customer` or (for LIZA members) `lizaCustomer` document.
    func document(seed: UInt64, window: ObservationWindow, roster: StaffRoster) -> JSONValue {
        var random = DemoRandom(seed: seed, stream: .details, index: index)
        let culture = Clientele.cultures[self.culture]
        let home = culture.homes[self.home]
        let since = window.date(atWeek: acquisition)
        var document: JSONObject = [
            "_id": .string(id), "_type": membership == nil ? "customer" : "lizaCustomer",
            "_createdAt": .string(window.dateTime(atWeek: acquisition)),
            "name": .string(name),
            "email": .string(email),
            "phone": .string(home.phoneNumber(random: &random)),
            "address": home.address(random: &random),
            // Clients were 22 to 76 years old when the window opened.
            "birthday": .string(CivilDate(1946, 1, 1).adding(days: random.int(below: 54 * 365)).iso),
            "segment": .string(segment),
            "lifetimeValue": lifetimeValue.json,
            "energyAlignment": .string(energyAlignment),
            "assignedStaff": DemoText.reference(roster.members[advisor].id),
            "customerSince": .string(since.iso),
            "preferredChannel": .string(preferredChannel),
        ]
        if random.chance(0.3) { document["notes"] = .string(random.pick(Self.notes)) }
        if let membership {
            document["tier"] = .string(membership.tier)
            document["memberSince"] = .string(membership.since.iso)
            document["tierReviewDate"] = .string(membership.reviewDate(after: window).iso)
        }
        if consent.profiling {
            document["culturalHeritage"] = .array(heritage.map(JSONValue.string))
            document["culturalValues"] = .array(random.sample(weighted: culture.values, count: random.int(in: 2...4)).map(JSONValue.string))
            let styles = ["direct-formal", "direct-casual", "indirect-formal", "indirect-casual"]
            document["communicationStyle"] = .string(random.pick(weighted: Array(zip(styles, culture.communication))))
            let approaches = ["individual", "family-consensus", "advisor-network"]
            document["decisionMakingApproach"] = .string(random.pick(weighted: Array(zip(approaches, culture.decisions))))
            document["jewelryCulturalSignificance"] = .string(random.pick(culture.significance))
            document["positiveEnergyAlignment"] = .array(random.sample(Self.intentions, count: random.int(in: 1...3)).map(JSONValue.string))
        }
        document["preferredLanguage"] = .string(language)
        if let membership, consent.profiling {
            document["culturalInvestmentPhilosophy"] = .string(membership.philosophy)
            document["preferredCulturalExperiences"] = .array(membership.experiences.map(JSONValue.string))
        }
        document["consent"] = [
            "_type": "consentRecord",
            "emailMarketing": .bool(consent.email),
            "smsMarketing": .bool(consent.sms),
            "phoneContact": .bool(consent.phone),
            "profiling": .bool(consent.profiling),
            "updatedAt": .string(window.dateTime(atWeek: consent.updatedAt)),
        ]
        return .object(document)
    }

    static let intentions = ["harmony", "abundance", "protection", "love", "clarity", "celebration"]

    static let notes = [
        "Prefers appointments after 6 pm.", "Collects a piece for each grandchild's birth.", "Nickel allergy: gold and platinum only.",
        "Ring size 52 (US 6).", "Buys an anniversary piece every June.", "Likes to be shown new arrivals before they go on display.",
        "Prefers a quiet salon; no champagne.", "Shops with their daughter; decisions are made together.", "Has pieces from the 1920s archive line.",
        "Interested in bespoke commissions.", "Travels often; reach by WhatsApp first.", "Gives jewelry for every milestone at work.",
    ]
}

/// Membership of LIZA, the VIP programme, for the top spenders.
struct LizaMembership: Sendable {
    /// `liza-select`, `gold-preferred` (from $50,000 lifetime value) or `platinum-premier` (from $100,000).
    let tier: String
    /// The day their spend first reached the programme's threshold.
    let since: CivilDate
    let philosophy: String
    let experiences: [String]

    /// The tier a lifetime value earns.
    static func tier(for lifetimeValue: Cents) -> String {
        lifetimeValue.value >= 10_000_000 ? "platinum-premier" : lifetimeValue.value >= 5_000_000 ? "gold-preferred" : "liza-select"
    }

    /// Tiers are reviewed on the anniversary of membership: the first one after the window.
    func reviewDate(after window: ObservationWindow) -> CivilDate {
        var date = since.adding(years: 1)
        while date < window.end { date = date.adding(years: 1) }
        return date
    }

    /// A membership for `client`, who joined on `since`; the philosophy follows what they value.
    static func draw(for client: Client, since: CivilDate, seed: UInt64) -> LizaMembership {
        var random = DemoRandom(seed: seed, stream: .membership, index: client.index)
        let values = Dictionary(Clientele.cultures[client.culture].values, uniquingKeysWith: +)
        let philosophy = random.pick(weighted: [
            ("heirloom-legacy", 1 + (values["family-legacy"] ?? 0)), ("investment-value", 2.0),
            ("artistic-patronage", 1 + (values["craftsmanship"] ?? 0)), ("spiritual-significance", 0.5 + (values["spirituality"] ?? 0)),
            ("ethical-sourcing", 0.5 + (values["sustainability"] ?? 0)),
        ])
        let experiences = random.sample(["private-viewing", "atelier-visit", "cultural-ceremony", "heritage-journey", "gallery-evening",
                                         "music-performance"], count: random.int(in: 1...3))
        return LizaMembership(tier: tier(for: client.lifetimeValue), since: since, philosophy: philosophy, experiences: experiences)
    }
}
