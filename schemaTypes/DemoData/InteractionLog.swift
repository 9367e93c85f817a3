import GROQ

/// One contact between the house and a client.
///
/// Interactions follow the client's life: a note for some of the sales (outcome `purchase`, with
/// the order), follow-ups after a purchase, and outreach (often for a campaign) at random times
/// from acquisition to the window's end, which answers well while the client is still active and
/// mostly goes unanswered once they are not, as churn analytics expect.
struct Interaction: Sendable {
    let customer: Int
    let staff: Int?
    let channel: String
    let direction: String
    let time: Double
    let purpose: String
    let outcome: String
    let sentiment: String
    /// Index into the campaign calendar.
    let campaign: Int?
    /// Index into the order book.
    let order: Int?
    let minutes: Int
    let followUpDays: Int?
    /// The id's digits, given once all interactions are in time order.
    var number = 0

    /// The interactions of one client; `orders` are the client's, indices into `book`.
    static func draw(for client: Client, orders book: [Order], calendar: CampaignCalendar, window: ObservationWindow,
                     seed: UInt64) -> [Interaction]
    {
        var random = DemoRandom(seed: seed, stream: .engagement, index: client.index)
        let horizon = window.weeks - 0.0001
        var contacts: [Interaction] = []
        for orderIndex in client.orders {
            let order = book[orderIndex]
            let date = window.date(atWeek: order.time)
            if random.chance(0.35) {
                // The advisor's note of the sale, within two hours of it.
                let channel: String = switch order.channel {
                case "online": random.pick(weighted: [("email", 3.0), ("whatsapp", 1), ("video", 1)])
                case "phone": "phone"
                case "event": "event"
                case "private-appointment": random.chance(0.8) ? "in-store" : "video"
                default: "in-store"
                }
                let campaign = calendar.running(on: date).flatMap { random.chance(0.6) ? $0 : nil }
                let purpose = order.channel == "event" ? "event-invitation"
                    : random.pick(weighted: [("new-arrival", 0.35), ("occasion", 0.3), ("follow-up", 0.2), ("check-in", 0.15)])
                let unhappy = order.status == "returned" || order.status == "cancelled"
                contacts.append(Interaction(
                    customer: client.index, staff: order.staff ?? client.advisor, channel: channel,
                    direction: order.channel == "online" || random.chance(0.7) ? "inbound" : "outbound",
                    time: min(order.time + random.uniform() * 2 / 168, horizon), purpose: purpose, outcome: "purchase",
                    sentiment: unhappy ? random.pick(["neutral", "negative"]) : random.chance(0.85) ? "positive" : "neutral",
                    campaign: campaign, order: orderIndex, minutes: minutes(for: channel, random: &random), followUpDays: nil))
            }
            let followUp = order.time + random.uniform(in: 1...3)
            if random.chance(0.3), followUp < horizon {
                let service = random.chance(0.15)
                let channel = reachableChannel(for: client, random: &random)
                let outcome = service ? "resolved" : random.pick(weighted: [("interested", 0.5), ("resolved", 0.3), ("no-response", 0.2)])
                contacts.append(Interaction(
                    customer: client.index, staff: client.advisor, channel: channel, direction: service ? "inbound" : "outbound", time: followUp,
                    purpose: service ? "service" : "follow-up", outcome: outcome, sentiment: sentiment(for: outcome, random: &random),
                    campaign: nil, order: nil, minutes: minutes(for: channel, random: &random),
                    followUpDays: outcome == "interested" ? random.int(in: 14...60) : nil))
            }
        }
        let outreach = random.poisson(mean: client.membership == nil ? 0.9 : 2.5)
        for _ in 0..<outreach {
            let time = client.acquisition + random.uniform() * (horizon - client.acquisition)
            let campaign = calendar.running(on: window.date(atWeek: time)).flatMap { random.chance(0.7) ? $0 : nil }
            let channel = campaign.map { calendar.campaigns[$0].contactChannel } ?? reachableChannel(for: client, random: &random)
            let purpose = campaign.map { calendar.campaigns[$0].channel == "event" ? "event-invitation" : "new-arrival" }
                ?? random.pick(["check-in", "new-arrival", "occasion"])
            let outcome = client.isActive(atWeek: time)
                ? random.pick(weighted: [("interested", 0.35), ("appointment-booked", 0.25), ("no-response", 0.3), ("not-interested", 0.1)])
                : random.pick(weighted: [("no-response", 0.6), ("not-interested", 0.3), ("interested", 0.1)])
            contacts.append(Interaction(
                customer: client.index, staff: client.advisor, channel: channel, direction: "outbound", time: time, purpose: purpose,
                outcome: outcome, sentiment: sentiment(for: outcome, random: &random), campaign: campaign, order: nil,
                minutes: minutes(for: channel, random: &random),
                followUpDays: outcome == "interested" || outcome == "appointment-booked" ? random.int(in: 5...21) : nil))
        }
        return contacts
    }

    /// A channel the client agreed to, preferring the one they like.
    private static func reachableChannel(for client: Client, random: inout DemoRandom) -> String {
        let allowed: Bool = switch client.preferredChannel {
        case "email": client.consent.email
        case "sms", "whatsapp": client.consent.sms
        case "phone": client.consent.phone
        default: true
        }
        if allowed, random.chance(0.7) { return client.preferredChannel }
        var options: [(String, Double)] = [("in-store", 1), ("video", 0.3)]
        if client.consent.email { options.append(("email", 2)) }
        if client.consent.phone { options.append(("phone", 1.5)) }
        if client.consent.sms { options.append(("whatsapp", 1)) }
        return random.pick(weighted: options)
    }

    private static func sentiment(for outcome: String, random: inout DemoRandom) -> String {
        switch outcome {
        case "interested", "appointment-booked", "resolved": random.chance(0.8) ? "positive" : "neutral"
        case "not-interested": random.chance(0.6) ? "neutral" : "negative"
        default: "neutral"
        }
    }

    private static func minutes(for channel: String, random: inout DemoRandom) -> Int {
        switch channel {
        case "in-store": random.int(in: 20...120)
        case "event": random.int(in: 30...180)
        case "video": random.int(in: 15...60)
        case "phone": random.int(in: 5...30)
        default: random.int(in: 1...10)
        }
    }

    var id: String { "interaction-" + DemoText.padded(number, width: 7) }

    /// The `interaction` document.
    func document(clients: [Client], orders: [Order], roster: StaffRoster, calendar: CampaignCalendar, catalog: Catalog,
                  window: ObservationWindow) -> JSONValue
    {
        let moment = window.dateTime(atWeek: time)
        var document: JSONObject = [
            "_id": .string(id), "_type": "interaction", "_createdAt": .string(moment),
            "customer": DemoText.reference(clients[customer].id),
        ]
        if let staff { document["staff"] = DemoText.reference(roster.members[staff].id) }
        document["channel"] = .string(channel)
        document["direction"] = .string(direction)
        document["date"] = .string(moment)
        document["purpose"] = .string(purpose)
        document["outcome"] = .string(outcome)
        document["sentiment"] = .string(sentiment)
        if let campaign { document["campaign"] = DemoText.reference(calendar.campaigns[campaign].id) }
        if let order { document["salesOrder"] = DemoText.reference(orders[order].id) }
        document["durationMinutes"] = .number(Double(minutes))
        document["summary"] = .string(summary(orders: orders, calendar: calendar, catalog: catalog))
        if let followUpDays { document["followUpDate"] = .string(window.date(atWeek: time).adding(days: followUpDays).iso) }
        return .object(document)
    }

    private func summary(orders: [Order], calendar: CampaignCalendar, catalog: Catalog) -> String {
        if let order {
            let pieces = orders[order].lines.map { catalog.products[$0.product].name }.joined(separator: ", ")
            return "Purchased \(pieces) (\(orders[order].orderNumber))."
        }
        let about = campaign.map { calendar.campaigns[$0].name } ?? (purpose == "service" ? "After-sales service" : "Client check-in")
        let result: String = switch outcome {
        case "interested": "interested, to be followed up"
        case "appointment-booked": "appointment booked at the boutique"
        case "no-response": "no answer yet"
        case "not-interested": "not interested for now"
        case "resolved": "resolved to the client's satisfaction"
        default: outcome
        }
        return "\(about): \(result)."
    }
}
