import FacetAnalytics
import Foundation
import GROQ

/// Each advisor's "this week": the clients most worth a contact now, each with the reason in one
/// sentence and a next step.
///
/// A contact's worth is what the client is expected to spend in the next 90 days (BG/NBD's
/// expected purchases × Gamma-Gamma's expected order value): the revenue a timely contact is
/// there to secure. The house has no record of what contacts changed (no held-out clients), so
/// the list ranks by what is at stake rather than by a measured effect of calling; its worth is
/// checked after the fact by ``backtest(_:listSize:)``: the revenue the top of each
/// advisor's list brought in the 90 days after a cut-off, against a random list of theirs and
/// their biggest spenders to date.
///
/// ```swift
/// let lists = ClientWorklist.lists(predictions, forecasts: forecasts, clientele: clientele)
/// lists["staff-003"]?.first?.sentence
/// // "Overdue by 3 weeks on their usual rhythm of every 5 months; USD 2,310 expected in the next
/// //  90 days: show rings or earrings, by phone"
/// ```
public enum ClientWorklist {
    /// The days a contact's worth is counted over.
    public static let horizonDays = 90.0
    /// Clients per advisor's list.
    public static let listSize = 20

    /// One client on an advisor's list.
    public struct Entry: Sendable, Hashable {
        public var clientID: String
        public var advisorID: String
        /// Expected spend in the next ``horizonDays``, in the house currency.
        public var worth: Double
        /// Why now, in one sentence, with the next step.
        public var sentence: String
        /// The categories to show (the client's strongest affinities they do not own yet).
        public var categories: [String]
        /// The pieces to show (the chosen recommender's first), by product id.
        public var products: [String] = []
        /// The central 80% of the client's simulated spend over the same days (nil without a model).
        public var worthInterval: ForecastInterval.Bounds?
        /// The channel the client answers best: the one most of their purchases followed, else
        /// the one they were reached through most; nil without contacts.
        public var channel: String?
    }

    /// The client's expected spend in the next ``horizonDays``; 0 without a purchase model.
    public static func worth(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions) -> Double {
        guard let summary = forecast.summary, let purchases = predictions.purchases?.model else { return 0 }
        return worth(summary, orders: forecast.history.known(before: predictions.asOf).orders, purchases: purchases, spend: predictions.spend?.model)
    }

    /// The client's spend over the next ``horizonDays`` simulated under the fitted models
    /// (``ForecastInterval``, undiscounted), as a central 80% interval.
    static func worthInterval(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions) -> ForecastInterval.Bounds? {
        guard let summary = forecast.summary, let purchases = predictions.purchases?.model, let spend = predictions.spend?.model,
              let projection = try? LifetimeValueProjection(months: 3, monthlyDiscountRate: 0, timeUnitsPerMonth: horizonDays / 3)
        else { return nil }
        return try? ForecastInterval(projection: projection, purchases: purchases, spend: spend, uncertainty: predictions.parameterUncertainty)
            .interval(for: summary, level: 0.8)
    }

    /// Expected purchases in the next ``horizonDays`` × the expected order value (Gamma-Gamma's,
    /// else the mean of the client's orders).
    static func worth(_ summary: RFMSummary, orders: [CustomerHistory.Order], purchases: BGNBDModel, spend: GammaGammaModel?) -> Double {
        guard let count = try? purchases.expectedPurchases(in: horizonDays, for: summary) else { return 0 }
        let orderValue = spend.flatMap { try? $0.expectedAverageValue(for: summary) }
            ?? orders.map(\.amount).reduce(0, +) / Double(max(1, orders.count))
        return count * orderValue
    }

    /// Every advisor's list, best first.
    public static func lists(_ predictions: ClientelePredictions, forecasts: [ClientelePredictions.ClientForecast],
                             clientele: ClienteleHistories, listSize: Int = listSize) -> [String: [Entry]] {
        let channels = bestChannels(clientele)
        var byAdvisor: [String: [Entry]] = [:]
        for forecast in forecasts {
            guard forecast.summary != nil, let advisor = clientele.advisors[forecast.history.id] else { continue }
            let worth = worth(forecast, predictions)
            let categories = forecast.affinity.filter { !$0.owned }.prefix(2).map(\.category)
            let channel = channels[forecast.history.id]
            byAdvisor[advisor, default: []].append(Entry(
                clientID: forecast.history.id, advisorID: advisor, worth: worth, sentence: "",
                categories: categories, channel: channel))
        }
        // Sentences (and their products) only for the clients listed: the recommender scores the
        // catalogue per client, which for every client of a large house would be wasted.
        var lists: [String: [Entry]] = [:]
        let byClient = Dictionary(forecasts.map { ($0.history.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (advisor, entries) in byAdvisor {
            lists[advisor] = entries.sorted { ($0.worth, $1.clientID) > ($1.worth, $0.clientID) }.prefix(listSize).map { entry in
                var entry = entry
                guard let forecast = byClient[entry.clientID] else { return entry }
                let products = predictions.productsToShow(entry.clientID, count: 2)
                entry.products = products.map(\.id)
                entry.worthInterval = worthInterval(forecast, predictions)
                entry.sentence = sentence(forecast, predictions, worth: entry.worth, interval: entry.worthInterval,
                                          categories: entry.categories, products: products.map(\.name), channel: entry.channel)
                return entry
            }
        }
        return lists
    }

    /// One `analyticsModel` document per advisor (`analytics.advisor.clienteling-worklist.<staff
    /// id>`) holding their list, best first, which the worklist report reads and overlays with
    /// what happened since (contacts logged, clients who wrote, birthdays).
    public static func documents(_ lists: [String: [Entry]], predictions: ClientelePredictions) -> [JSONObject] {
        lists.keys.sorted().map { advisor in
            let entries = lists[advisor] ?? []
            return [
                "_id": .string(ModelDocuments.advisorDocumentID(.worklist, advisor: advisor)), "_type": "analyticsModel",
                "name": .string("This week — \(advisor)"), "modelType": .string(ModelDocuments.ModelType.worklist.rawValue),
                "algorithm": "bg-nbd+gamma-gamma-expected-revenue", "modelVersion": .string(ModelDocuments.version),
                "advisor": ["_type": "reference", "_ref": .string(advisor), "_weak": true],
                "currency": .string(predictions.settings.currency.code),
                // Keyed by client: an editor's or a migration's patch addresses an entry by who it is.
                "worklist": .array(entries.map { entry in
                    var item: JSONObject = [
                        "_key": .string(entry.clientID), "_type": "worklistEntry",
                        "customer": ["_type": "reference", "_ref": .string(entry.clientID), "_weak": true],
                        "worth": .number(ModelDocuments.round(entry.worth, 2)), "sentence": .string(entry.sentence),
                        "categories": .array(entry.categories.map(JSONValue.string)),
                        "products": .array(entry.products.map { product in
                            ["_key": .string(product), "_type": "reference", "_ref": .string(product), "_weak": true]
                        }),
                    ]
                    if let channel = entry.channel { item["channel"] = .string(channel) }
                    if let interval = entry.worthInterval {
                        item["worthLower"] = .number(ModelDocuments.round(interval.lower, 2))
                        item["worthUpper"] = .number(ModelDocuments.round(interval.upper, 2))
                    }
                    return .object(item)
                }),
                "notes": .string("""
                    The \(entries.count) clients of this advisor most worth a contact, ranked by their expected spend in the next \
                    \(Int(horizonDays)) days (BG/NBD's expected purchases × Gamma-Gamma's expected order value) on the data up to \
                    \(AnalyticsDate.day(predictions.asOf)). The studio's "This week" adds clients who wrote and had no answer, and \
                    birthdays, and marks the clients contacted since.
                    """),
            ]
        }
    }

    /// Why now and what to do, in one sentence.
    static func sentence(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions, worth: Double,
                         interval: ForecastInterval.Bounds? = nil, categories: [String], products: [String] = [], channel: String?) -> String {
        let currency = predictions.settings.currency
        var reasons: [String] = []
        if let next = forecast.nextPurchase, next.isOverdue {
            reasons.append("Overdue by \(AdvisorWording.span(days: AnalyticsCalendar.days(from: next.dueDate, to: predictions.asOf))) "
                           + "on their usual rhythm of every \(AdvisorWording.span(days: next.expectedInterval))")
        } else if let soon = forecast.purchaseWithin30Days, soon >= 0.25 {
            reasons.append("Likely to buy within 30 days (\(ModelDocuments.percent(soon)))")
        }
        if forecast.churnLevel == .critical || forecast.churnLevel == .high {
            reasons.append("\(forecast.churnLevel.rawValue) churn risk, \(currency.text(forecast.valueAtRisk)) at risk")
        }
        if let tier = forecast.upsell.recommendedTier { reasons.append("ready for \(tier.title)") }
        var stake = "\(currency.text(worth)) expected in the next \(Int(horizonDays)) days"
        if let interval, interval.upper > interval.lower {
            // A mean above the interval's top: most simulated futures hold nothing, and a range
            // that leaves out the figure named would read as a mistake.
            stake += worth > interval.upper
                ? " (80% chance of \(currency.text(interval.lower)) to \(currency.text(interval.upper)); nothing in \(ModelDocuments.chance(interval.shareWithoutPurchase)) of simulated futures)"
                : " (80% chance of \(currency.text(interval.lower)) to \(currency.text(interval.upper)))"
        }
        reasons.append(stake)
        var step = !products.isEmpty ? "show the " + products.joined(separator: " and the ")
            : categories.isEmpty ? "a private preview of new arrivals" : "show " + categories.joined(separator: " or ")
        if let channel { step += ", by \(channel)" }
        // A sentence starts with a capital, whichever reason comes first ("High churn risk, …").
        let first = reasons.removeFirst()
        return ([first.prefix(1).uppercased() + first.dropFirst()] + reasons).joined(separator: "; ") + ": " + step
    }

    /// The channel each client answers best.
    static func bestChannels(_ clientele: ClienteleHistories) -> [String: String] {
        var counts: [String: [String: (purchases: Int, contacts: Int)]] = [:]
        for contact in clientele.contacts {
            var entry = counts[contact.customerID, default: [:]][contact.channel] ?? (0, 0)
            entry.contacts += 1
            if contact.converted { entry.purchases += 1 }
            counts[contact.customerID, default: [:]][contact.channel] = entry
        }
        return counts.compactMapValues { channels in
            channels.max { ($0.value.purchases, $0.value.contacts, $1.key) < ($1.value.purchases, $1.value.contacts, $0.key) }?.key
        }
    }

    /// The lists' worth after the fact: BG/NBD and Gamma-Gamma fitted on the data before a cut-off
    /// ``horizonDays`` before the data end, each advisor's top `listSize` by worth, against a
    /// random `listSize` of theirs and their `listSize` biggest spenders before the cut-off, by
    /// the revenue each list's clients brought in the ``horizonDays`` after it.
    /// - Throws: `StoreError` (`invalid`) when the data before the cut-off hold no repeat purchase,
    ///   cannot be fitted, or no client has an advisor.
    public static func backtest(_ clientele: ClienteleHistories, listSize: Int = listSize) throws -> ContactListBacktest.Report {
        let cutoff = AnalyticsCalendar.adding(days: -horizonDays, to: clientele.asOf), end = clientele.asOf
        // Only the two models the worth reads are refitted: the rest of a refresh is not needed here.
        return try ClientelePredictions.analytics { () throws(AnalyticsError) -> ContactListBacktest.Report in
            var rows: [(history: CustomerHistory, before: CustomerHistory, summary: RFMSummary, advisor: String)] = []
            for history in clientele.histories {
                guard let advisor = clientele.advisors[history.id] else { continue }
                let before = history.known(before: cutoff)
                guard let summary = try before.rfmSummary(at: cutoff) else { continue }
                rows.append((history, before, summary, advisor))
            }
            let summaries = rows.map(\.summary)
            guard summaries.contains(where: { $0.frequency > 0 }) else {
                throw .unusableInput(problem: "No client made a repeat purchase before \(AnalyticsDate.day(cutoff))",
                                     advice: "The worklist's backtest needs repeat purchases before its cut-off, \(Int(horizonDays)) days before the data end")
            }
            let purchases = try BGNBDModel.fit(summaries).model
            let spend = try? GammaGammaModel.fit(summaries).model
            let clients = rows.map { row in
                ContactListBacktest.Client(id: row.history.id, advisor: row.advisor,
                                           score: worth(row.summary, orders: row.before.orders, purchases: purchases, spend: spend),
                                           lifetimeValue: row.before.orders.reduce(0) { $0 + $1.amount },
                                           revenueAfter: row.history.orders(from: cutoff, to: end).reduce(0) { $0 + $1.amount })
            }
            return try ContactListBacktest.run(clients, listSize: listSize)
        }
    }
}
