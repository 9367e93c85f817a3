import FacetAnalytics
import FacetSchema
import FacetStore
import Foundation
import GROQ

/// "This week": each advisor's clients most worth a contact now, as the studio shows them and
/// `GET /v1/clienteling/worklist` answers.
///
/// The ranked list is the one the last refresh stored per advisor (``ClientWorklist``). Over it
/// the report lays what happened since, read live: a client who wrote and had no answer comes
/// first, then birthdays in the next two weeks (for callers cleared to see them), and a client
/// contacted in the last seven days moves to the end, marked done. "Contacted" on a card logs
/// an `interaction` in one click, as the caller.
///
/// Advisors (a user linked to a staff document) see their own list; managers and admins see
/// every advisor's, ten advisors a page (`?offset=` and `?limit=`, up to 50; the page's `paging`
/// says where it is), or one with `?staff=<staff id>`.
public enum WorklistReport {
    /// Days back an unanswered message from a client is still worth answering.
    static let unansweredWithinDays = 60
    /// Days ahead a birthday is shown.
    static let birthdayWithinDays = 14
    /// A client contacted this recently counts as done.
    static let contactedWithinDays = 7
    /// Advisors on a page of every advisor's lists, unless `?limit=` says otherwise (up to the most).
    static let advisorsPerPage = 10
    static let mostAdvisorsPerPage = 50

    /// The outcomes a one-click "Contacted" may record, with their buttons' labels.
    static let outcomes: [(value: String, title: String)] = [
        ("appointment-booked", "Booked"), ("interested", "Interested"), ("no-response", "No answer"), ("not-interested", "Not now"),
    ]
    static let channels: Set = ["in-store", "phone", "email", "sms", "whatsapp", "video", "event"]
    static let clientTypes = ["customer", "lizaCustomer"]

    /// The report as the studio lists it.
    public static let report = StudioReport(
        "worklist", title: "This week",
        description: "The clients most worth a contact now, each with the reason in one sentence and the next step.",
        path: "clienteling/worklist", reads: ["analyticsModel", "interaction"] + clientTypes, writes: ["interaction"],
        run: { context in try await page(context, now: Date()) },
        act: { context, item, action, params in try await logContact(context, client: item, action: action, params: params, now: Date()) })

    // MARK: The page

    /// One client on a section of the page, before it is drawn.
    struct Card {
        var clientID: String
        var name: String
        var worth: Double?
        var sentence: String?
        var channel: String?
        var unansweredSince: Date?
        var birthdayInDays: Int?
        var contacted: (date: Date, channel: String, outcome: String)?
        var rank: Int
    }

    static func page(_ context: ReportContext, now: Date) async throws -> JSONValue {
        let asked = context.params["staff"].flatMap { $0.isEmpty ? nil : $0 }
        var advisors: [String]? // nil: every advisor with a list
        if let caller = context.caller, !caller.seesEverything {
            guard let own = caller.staffID else {
                return ["title": "This week", "sections": [],
                        "notes": "Your user is not linked to a staff member, so you have no list of your own. An admin links it with `facet users add … --staff <staff id>`."]
            }
            if let asked, asked != own {
                throw StoreError(.forbidden, type: "permissionDenied", message: "You may see your own worklist only, not that of \(asked)",
                                 advice: "Leave out ?staff=, or ask a manager.")
            }
            advisors = [own]
        } else if let asked {
            advisors = [asked]
        }
        let prefix = ModelDocuments.advisorPrefix(.worklist)
        let stored = try await context.query(
            "*[_type == \"analyticsModel\" && string::startsWith(_id, $prefix) && (!defined($advisors) || advisor._ref in $advisors)]{advisor, worklist, currency, generatedAt}",
            params: ["prefix": .string(prefix), "advisors": advisors.map { .array($0.map(JSONValue.string)) } ?? .null])
        var lists: [String: JSONValue] = [:]
        for list in stored.arrayValue ?? [] {
            if let advisor = list["advisor"]?["_ref"]?.stringValue { lists[advisor] = list }
        }
        var shown = advisors ?? []
        var paging: JSONObject?
        if advisors == nil {
            // Every advisor's list, a page of advisors at a time: a house of 160 advisors would
            // otherwise draw 3,000 cards at once.
            let all = lists.keys.sorted()
            let offset = try whole("offset", in: context.params, default: 0, range: 0...Int(Int32.max))
            let limit = try whole("limit", in: context.params, default: advisorsPerPage, range: 1...mostAdvisorsPerPage)
            shown = Array(all.dropFirst(offset).prefix(limit))
            paging = ["offset": .number(Double(offset)), "limit": .number(Double(limit)), "total": .number(Double(all.count)), "unit": "advisors"]
        }
        let staff = try await context.query("*[_type == \"staff\" && _id in $ids]{_id, name}", params: ["ids": .array(shown.map(JSONValue.string))])
        var advisorNames: [String: String] = [:]
        for member in staff.arrayValue ?? [] {
            if let id = member["_id"]?.stringValue { advisorNames[id] = member["name"]?.stringValue ?? id }
        }
        let clients = try await context.query(
            "*[_type in $types && assignedStaff._ref in $advisors]{_id, name, birthday, \"advisor\": assignedStaff._ref}",
            params: ["types": .array(clientTypes.map(JSONValue.string)), "advisors": .array(shown.map(JSONValue.string))])
        let since = AnalyticsDate.dateTime(now.addingTimeInterval(-Double(unansweredWithinDays) * 86_400))
        // Read without a client filter and matched here: `in` over thousands of ids would cost a
        // comparison per id for every interaction.
        let contacts = try await context.query(
            "*[_type == \"interaction\" && date >= $since && defined(customer._ref)]{\"client\": customer._ref, direction, channel, outcome, date} | order(date asc)",
            params: ["since": .string(since)])
        var latest: [String: (date: Date, inbound: Bool, channel: String, outcome: String)] = [:]
        var lastOutbound: [String: (date: Date, channel: String, outcome: String)] = [:]
        for contact in contacts.arrayValue ?? [] {
            guard let client = contact["client"]?.stringValue, let date = contact["date"]?.stringValue.flatMap(AnalyticsDate.parse) else { continue }
            let channel = contact["channel"]?.stringValue ?? "", outcome = contact["outcome"]?.stringValue ?? ""
            let inbound = contact["direction"]?.stringValue == "inbound"
            latest[client] = (date, inbound, channel, outcome)
            if !inbound { lastOutbound[client] = (date, channel, outcome) }
        }

        var sections: [JSONValue] = []
        var byAdvisor: [String: [String: Card]] = [:]
        var currency = "USD"
        for advisor in shown {
            var cards: [String: Card] = [:]
            let list = lists[advisor]
            if let code = list?["currency"]?.stringValue { currency = code }
            for (rank, entry) in (list?["worklist"]?.arrayValue ?? []).enumerated() {
                guard let client = entry["customer"]?["_ref"]?.stringValue else { continue }
                cards[client] = Card(clientID: client, name: client, worth: entry["worth"]?.numberValue, sentence: entry["sentence"]?.stringValue,
                                     channel: entry["channel"]?.stringValue, rank: rank)
            }
            byAdvisor[advisor] = cards
        }
        for client in clients.arrayValue ?? [] {
            guard let id = client["_id"]?.stringValue, let advisor = client["advisor"]?.stringValue, byAdvisor[advisor] != nil else { continue }
            let name = client["name"]?.stringValue ?? id
            var card = byAdvisor[advisor]?[id] ?? Card(clientID: id, name: name, rank: Int.max)
            card.name = name
            if let last = latest[id], last.inbound { card.unansweredSince = last.date }
            if let birthday = client["birthday"]?.stringValue, let days = daysUntilBirthday(birthday, from: now), days <= birthdayWithinDays {
                card.birthdayInDays = days
            }
            if let outbound = lastOutbound[id], now.timeIntervalSince(outbound.date) <= Double(contactedWithinDays) * 86_400 {
                card.contacted = outbound
            }
            // A client beyond the stored list joins it only for a reason of today's, or as done.
            guard card.rank != Int.max || card.unansweredSince != nil || card.birthdayInDays != nil || card.contacted != nil else { continue }
            byAdvisor[advisor]?[id] = card
        }
        let money = (try? HouseCurrency(currency)) ?? HouseCurrency.usd
        for advisor in shown {
            let cards = ordered(Array((byAdvisor[advisor] ?? [:]).values))
            let open = cards.filter { $0.contacted == nil }.count
            let title = advisorNames[advisor] ?? advisor
            let generated = lists[advisor]?["generatedAt"]?.stringValue.map { " Ranked " + ($0.count >= 10 ? String($0.prefix(10)) : $0) + "." } ?? ""
            let subtitle = lists[advisor] == nil
                ? "No list yet: run the clienteling worklist (Refresh all predictions on the dashboard)."
                : "\(open) to contact, \(cards.count - open) done this week.\(generated)"
            sections.append(["id": .string(advisor), "title": .string(title), "subtitle": .string(subtitle),
                             "items": .array(cards.map { item($0, money: money, now: now) })])
        }
        var options: [JSONValue] = []
        if context.caller?.seesEverything ?? true {
            options = [["value": "", "title": "Every advisor"]]
            for advisor in lists.keys.sorted() { options.append(["value": .string(advisor), "title": .string(advisorNames[advisor] ?? advisor)]) }
        }
        let everyone = context.caller?.seesEverything ?? true
        var page: JSONObject = [
            "title": "This week",
            "subtitle": .string(advisors?.count == 1 ? "Clients of \(advisorNames[shown[0]] ?? shown[0]) most worth a contact now" : "\(advisors?.count ?? lists.count) advisors' clients most worth a contact now"),
            "sections": .array(sections),
            "notes": .string("""
                Ranked by what each client is expected to spend in the next \(Int(ClientWorklist.horizonDays)) days. Clients who wrote \
                and had no answer in the last \(unansweredWithinDays) days come first; birthdays in the next \(birthdayWithinDays) days \
                are noted, and those of clients beyond the list follow it; a client contacted in the last \(contactedWithinDays) days is done. The ranking's worth is backtested on the \
                clienteling-worklist model document.
                """),
        ]
        if let paging { page["paging"] = .object(paging) }
        if everyone {
            // The advisors whose names the caller could not read (none for managers) keep their ids.
            page["filters"] = [["name": "staff", "title": "Advisor", "value": .string(asked ?? ""), "options": .array(options)]]
        }
        return .object(page)
    }

    /// The query parameter `name` as a whole number in `range`, `fallback` when absent.
    static func whole(_ name: String, in params: [String: String], default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = params[name], !text.isEmpty else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw StoreError(.invalid, type: "invalidParameter",
                             message: "?\(name)=\(text.prefix(40)) is not a whole number from \(range.lowerBound) to \(range.upperBound)",
                             advice: "Give ?\(name)= a whole number in that range, or leave it out (\(fallback)).")
        }
        return value
    }

    /// Clients waiting for an answer first (the longest waiting first), then the stored ranking
    /// (a birthday there adds its reason), then the birthdays of clients beyond it (soonest
    /// first); the clients already contacted last. A birthday alone is a reason to write, not
    /// to pass a client worth more.
    static func ordered(_ cards: [Card]) -> [Card] {
        func key(_ card: Card) -> (Int, Double, Int, String) {
            if card.contacted != nil { return (3, 0, card.rank, card.clientID) }
            if let since = card.unansweredSince { return (0, since.timeIntervalSince1970, card.rank, card.clientID) }
            if card.rank != Int.max { return (1, 0, card.rank, card.clientID) }
            return (2, Double(card.birthdayInDays ?? 0), card.rank, card.clientID)
        }
        return cards.sorted { key($0) < key($1) }
    }

    static func item(_ card: Card, money: HouseCurrency, now: Date) -> JSONValue {
        var reasons: [String] = []
        var badges: [JSONValue] = []
        if let since = card.unansweredSince {
            let days = max(0, Int(now.timeIntervalSince(since) / 86_400))
            reasons.append("Wrote to us \(ago(days)) and has had no answer")
            badges.append(["text": "unanswered", "tone": "critical"])
        }
        if let days = card.birthdayInDays {
            reasons.append(days == 0 ? "Birthday today" : "Birthday in \(days) day\(days == 1 ? "" : "s")")
            badges.append(["text": "birthday", "tone": "info"])
        }
        var sentence = reasons.joined(separator: "; ")
        if let stored = card.sentence { sentence = sentence.isEmpty ? stored : sentence + ". " + stored }
        let channel = card.channel ?? "phone"
        var object: JSONObject = [
            "id": .string(card.clientID), "documentId": .string(card.clientID), "title": .string(card.name),
            "sentence": .string(sentence.isEmpty ? "On the advisor's book" : sentence),
            "figure": card.worth.map { .string(money.text($0)) } ?? .null,
            "figureLabel": card.worth == nil ? .null : .string("expected in \(Int(ClientWorklist.horizonDays)) days"),
            "badges": .array(badges),
        ]
        if let contacted = card.contacted {
            let days = max(0, Int(now.timeIntervalSince(contacted.date) / 86_400))
            object["done"] = .string("Contacted \(ago(days)) by \(contacted.channel): \(contacted.outcome.replacingOccurrences(of: "-", with: " "))")
        } else {
            object["done"] = .null
        }
        object["actions"] = .array(outcomes.map { outcome in
            ["name": "contacted", "title": .string(outcome.title), "params": ["outcome": .string(outcome.value), "channel": .string(channel)],
             "description": .string("Log a \(channel) contact with \(card.name): \(outcome.title.lowercased())")]
        })
        return .object(object)
    }

    static func ago(_ days: Int) -> String {
        days == 0 ? "today" : days == 1 ? "yesterday" : "\(days) days ago"
    }

    /// Days from `now`'s day to the next anniversary of `birthday` (`YYYY-MM-DD`); 29 February
    /// falls on 1 March in other years.
    static func daysUntilBirthday(_ birthday: String, from now: Date) -> Int? {
        let parts = birthday.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        let today = Int((now.timeIntervalSince1970 / 86_400).rounded(.down))
        let year = Int(AnalyticsDate.day(now).prefix(4)) ?? 1970
        for candidate in [year, year + 1] {
            let day = AnalyticsDate.daysFromCivil(candidate, parts[1], parts[2])
            if day >= today { return day - today }
        }
        return nil
    }

    // MARK: Contacted

    /// Logs an outbound interaction with `client`, as the caller: the channel and outcome the
    /// card's button carries, now, by the caller's staff member (else the client's advisor).
    static func logContact(_ context: ReportContext, client: String, action: String, params: JSONObject, now: Date) async throws -> ActionResult {
        guard action == "contacted" else {
            throw StoreError(.invalid, type: "unknownAction", message: "The worklist has no action \"\(action)\"", advice: "Use \"contacted\".")
        }
        let outcome = params["outcome"]?.stringValue ?? ""
        guard outcomes.contains(where: { $0.value == outcome }) else {
            throw StoreError(.invalid, type: "invalidParameter", message: "\"outcome\" must be one of \(outcomes.map(\.value).joined(separator: ", ")), not \"\(outcome)\"",
                             advice: "Send the outcome of the contact.")
        }
        let channel = params["channel"]?.stringValue ?? "phone"
        guard channels.contains(channel) else {
            throw StoreError(.invalid, type: "invalidParameter", message: "\"channel\" must be one of \(channels.sorted().joined(separator: ", ")), not \"\(channel)\"",
                             advice: "Send the channel the client was reached through.")
        }
        let found = try await context.query("*[_id == $id && _type in $types][0]{_id, name, \"advisor\": assignedStaff._ref}",
                                            params: ["id": .string(client), "types": .array(clientTypes.map(JSONValue.string))])
        guard found.objectValue != nil else {
            throw StoreError(.notFound, type: "documentNotFoundError", message: "There is no client \"\(client)\" you may see",
                             advice: "Use the id of a client on the worklist.")
        }
        var interaction: JSONObject = [
            "_type": "interaction", "customer": ["_type": "reference", "_ref": .string(client)],
            "channel": .string(channel), "direction": "outbound", "date": .string(AnalyticsDate.dateTime(now)),
            "purpose": "follow-up", "outcome": .string(outcome),
        ]
        if let staff = context.caller?.staffID ?? found["advisor"]?.stringValue {
            interaction["staff"] = ["_type": "reference", "_ref": .string(staff)]
        }
        let result = try await context.mutate([.create(interaction)])
        let id = result.results.first?.id ?? ""
        let name = found["name"]?.stringValue ?? client
        return ActionResult(message: "Logged a \(channel) contact with \(name): \(outcomes.first { $0.value == outcome }?.title.lowercased() ?? outcome)",
                            transaction: result, data: ["interactionId": .string(id)])
    }
}
