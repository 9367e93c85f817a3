import Foundation

/// One contact and what came of it (the engagement-effectiveness dimension).
public struct ContactOutcome: Sendable, Hashable, Codable {
    public var date: Date
    public var channel: String
    /// Whether the contact led to a purchase.
    public var converted: Bool
    /// Revenue of the order it led to (0 when none).
    public var revenue: Double

    public init(date: Date, channel: String, converted: Bool, revenue: Double = 0) {
        self.date = date
        self.channel = channel
        self.converted = converted
        self.revenue = revenue
    }
}

/// Whether a client took up an experiential feature (VR showroom, workshop…), by segment.
public struct ExperienceUptake: Sendable, Hashable, Codable {
    public var segment: String
    /// When the client first took one up; nil if never.
    public var adoptedAt: Date?

    public init(segment: String, adoptedAt: Date?) {
        self.segment = segment
        self.adoptedAt = adoptedAt
    }
}

/// One client's outcomes at an energy-alignment level.
public struct AlignmentOutcome: Sendable, Hashable, Codable {
    /// `exceptional`, `strong`, `moderate`, `developing`, or `unassessed`.
    public var level: String
    public var contacts: Int
    /// Contacts that led to a purchase.
    public var conversions: Int
    public var orderAmounts: [Double]
    /// Whether the client bought again in the retention window.
    public var retained: Bool

    public init(level: String, contacts: Int, conversions: Int, orderAmounts: [Double], retained: Bool) {
        self.level = level
        self.contacts = contacts
        self.conversions = conversions
        self.orderAmounts = orderAmounts
        self.retained = retained
    }
}

extension Trends {
    /// Engagement effectiveness: conversion rate (with its Wilson interval) and revenue per
    /// contact for each channel, and whether channels differ in conversion at all (chi-square).
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` without contacts.
    public static func engagementEffectiveness(_ contacts: [ContactOutcome], periodDays: Double = 90) throws(AnalyticsError) -> TrendReport {
        guard !contacts.isEmpty else {
            throw .unusableInput(problem: "There are no contacts to evaluate", advice: "Record interactions with their channel and outcome")
        }
        var table = ContingencyTable()
        var byChannel: [String: (contacts: Int, conversions: Int, revenue: Double)] = [:]
        for contact in contacts {
            table.add(row: contact.channel, column: contact.converted ? "converted" : "not converted")
            byChannel[contact.channel, default: (0, 0, 0)].contacts += 1
            if contact.converted { byChannel[contact.channel, default: (0, 0, 0)].conversions += 1 }
            byChannel[contact.channel, default: (0, 0, 0)].revenue += contact.revenue
        }
        let channels = byChannel.map { channel, value in
            (channel: channel, rate: ProportionEstimate(successes: value.conversions, trials: value.contacts),
             revenuePerContact: value.revenue / Double(value.contacts), revenue: value.revenue)
        }.sorted { ($0.revenuePerContact, $1.channel) > ($1.revenuePerContact, $0.channel) }
        let total = contacts.reduce(0) { $0 + $1.revenue }
        let end = AnalyticsCalendar.adding(days: 1.0 / 86_400, to: contacts.map(\.date).max() ?? Date())
        let split = AnalyticsCalendar.adding(days: -periodDays, to: end), start = AnalyticsCalendar.adding(days: -2 * periodDays, to: end)
        let recent = contacts.filter { $0.date >= split && $0.date < end }, before = contacts.filter { $0.date >= start && $0.date < split }
        let rate = { (items: [ContactOutcome]) in items.isEmpty ? 0 : Double(items.filter(\.converted).count) / Double(items.count) }
        let change = before.isEmpty ? nil : TrendText.percentageChange(current: rate(recent), previous: rate(before))
        let differ = table.pValue < 0.05
        let findings = channels.map {
            "\(TrendText.words($0.channel).capitalized): \(TrendText.percent($0.rate.rate, digits: 1)) conversion (95% \(TrendText.percent($0.rate.lower, digits: 1))–\(TrendText.percent($0.rate.upper, digits: 1))), \(TrendText.money($0.revenuePerContact)) per contact over \($0.rate.trials) contacts"
        }
        var recommendations: [String] = []
        if differ, let best = channels.first, let worst = channels.last, best.channel != worst.channel {
            recommendations.append("Shift advisor time toward \(TrendText.words(best.channel)) (\(TrendText.money(best.revenuePerContact)) per contact) and away from \(TrendText.words(worst.channel)) (\(TrendText.money(worst.revenuePerContact)))")
        } else {
            recommendations.append("Channels do not differ in conversion beyond chance: choose by client preference")
        }
        let best = channels.first, average = total / Double(contacts.count)
        return TrendReport(
            dimension: .engagementEffectiveness, title: "Engagement effectiveness by channel", timeframe: periodDays <= 31 ? "monthly" : "quarterly",
            periodStart: contacts.map(\.date).min(), periodEnd: contacts.map(\.date).max(),
            total: total, average: average, percentageChange: change,
            topCategories: channels.prefix(3).map { TrendReport.Entry($0.channel, $0.revenuePerContact) },
            bottomCategories: channels.suffix(3).reversed().map { TrendReport.Entry($0.channel, $0.revenuePerContact) },
            series: channels.map { TrendReport.Entry($0.channel, $0.rate.rate) },
            narrative: "\(contacts.count) contacts over \(channels.count) channels brought \(TrendText.money(total)). Conversion "
                + (differ ? "differs between channels (\(TrendText.pValue(table.pValue)))" : "does not differ between channels beyond chance (\(TrendText.pValue(table.pValue)))")
                + (best.map { "; \(TrendText.words($0.channel)) earns the most per contact." } ?? "."),
            keyFindings: findings,
            revenueImpact: best.map { max(0, ($0.revenuePerContact - average) * Double(contacts.count)) } ?? 0,
            customerCount: 0, implementationEffort: "medium", priority: differ ? .high : .low,
            recommendations: recommendations, statistics: ["chiSquare": table.chiSquare, "pValue": table.pValue, "cramersV": table.cramersV])
    }

    /// Collection performance: revenue by product category (or collection) in the last
    /// `periodDays` against the period before, with the growing and shrinking ones flagged for
    /// inventory (beyond ±`threshold` percent).
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` without categorised sales.
    public static func collectionPerformance(_ sales: [DatedAmount], periodDays: Double = 365, threshold: Double = 15) throws(AnalyticsError) -> TrendReport {
        let categorised = sales.filter { $0.category != nil }
        guard !categorised.isEmpty else {
            throw .unusableInput(problem: "None of the \(sales.count) sales has a category", advice: "Give each order line its product category")
        }
        let end = AnalyticsCalendar.adding(days: 1.0 / 86_400, to: categorised.map(\.date).max() ?? Date())
        let grouped = Dictionary(grouping: categorised) { $0.category ?? "" }
        let rows = grouped.map { category, values in
            let (current, previous) = TrendText.periods(values, end: end, days: periodDays)
            return (category: category, current: current, previous: previous, change: TrendText.percentageChange(current: current, previous: previous))
        }.sorted { ($0.current, $1.category) > ($1.current, $0.category) }
        let currentTotal = rows.reduce(0) { $0 + $1.current }, previousTotal = rows.reduce(0) { $0 + $1.previous }
        let growing = rows.filter { ($0.change ?? 0) > threshold }, shrinking = rows.filter { ($0.change ?? 0) < -threshold }
        var recommendations = growing.map { "Increase stock of \(TrendText.words($0.category)) (\(TrendText.signedPercent($0.change ?? 0)))" }
        recommendations += shrinking.map { "Reduce reorders of \(TrendText.words($0.category)) or refresh the line (\(TrendText.signedPercent($0.change ?? 0)))" }
        if recommendations.isEmpty { recommendations.append("Keep inventory proportions: no category moved beyond ±\(Int(threshold))%") }
        let byChange = rows.filter { $0.change != nil }.sorted { ($0.change ?? 0, $1.category) > ($1.change ?? 0, $0.category) }
        return TrendReport(
            dimension: .collectionPerformance, title: "Collection performance by category", timeframe: periodDays >= 365 ? "yearly" : "quarterly",
            periodStart: AnalyticsCalendar.adding(days: -periodDays, to: end), periodEnd: end,
            total: currentTotal, average: rows.isEmpty ? 0 : currentTotal / Double(rows.count),
            percentageChange: TrendText.percentageChange(current: currentTotal, previous: previousTotal),
            topCategories: rows.prefix(3).map { TrendReport.Entry($0.category, $0.current) },
            bottomCategories: rows.suffix(3).reversed().map { TrendReport.Entry($0.category, $0.current) },
            series: byChange.map { TrendReport.Entry($0.category, $0.change ?? 0) },
            narrative: "Revenue over the last \(Int(periodDays)) days was \(TrendText.money(currentTotal))"
                + (TrendText.percentageChange(current: currentTotal, previous: previousTotal).map { ", \(TrendText.signedPercent($0)) on the period before" } ?? "")
                + ". \(growing.count) categor\(growing.count == 1 ? "y is" : "ies are") growing beyond \(Int(threshold))%, \(shrinking.count) shrinking.",
            keyFindings: rows.map { "\(TrendText.words($0.category).capitalized): \(TrendText.money($0.current))\($0.change.map { " (\(TrendText.signedPercent($0)))" } ?? " (new)")" },
            revenueImpact: growing.reduce(0) { $0 + $1.current - $1.previous }, customerCount: 0, implementationEffort: "medium",
            priority: shrinking.isEmpty ? (growing.isEmpty ? .low : .medium) : .high, recommendations: recommendations)
    }

    /// Experience adoption: the share of clients in each segment who took up an experiential
    /// feature (Wilson intervals), whether segments differ (chi-square), and new adopters in the
    /// last `periodDays` against the period before.
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` without clients.
    public static func experienceAdoption(_ clients: [ExperienceUptake], periodDays: Double = 90) throws(AnalyticsError) -> TrendReport {
        guard !clients.isEmpty else {
            throw .unusableInput(problem: "There are no clients to measure adoption on", advice: "Pass every client with their segment")
        }
        var table = ContingencyTable()
        for client in clients { table.add(row: client.segment, column: client.adoptedAt == nil ? "not adopted" : "adopted") }
        let segments = table.rows.map { segment in
            (segment: segment, rate: ProportionEstimate(successes: Int(table.count(row: segment, column: "adopted")), trials: Int(table.rowTotal(segment))))
        }.sorted { ($0.rate.rate, $1.segment) > ($1.rate.rate, $0.segment) }
        let adopters = clients.compactMap(\.adoptedAt)
        let change: Double?
        if let last = adopters.max() {
            let (current, previous) = TrendText.periods(adopters.map { DatedAmount(date: $0, amount: 1) },
                                                        end: AnalyticsCalendar.adding(days: 1.0 / 86_400, to: last), days: periodDays)
            change = TrendText.percentageChange(current: current, previous: previous)
        } else {
            change = nil
        }
        let overall = Double(adopters.count) / Double(clients.count)
        let differ = table.pValue < 0.05
        return TrendReport(
            dimension: .experienceAdoption, title: "Experience adoption by segment", timeframe: "quarterly",
            periodStart: adopters.min(), periodEnd: adopters.max(),
            total: Double(adopters.count), average: overall, percentageChange: change,
            topCategories: segments.prefix(3).map { TrendReport.Entry($0.segment, $0.rate.rate) },
            bottomCategories: segments.suffix(3).reversed().map { TrendReport.Entry($0.segment, $0.rate.rate) },
            series: segments.map { TrendReport.Entry($0.segment, $0.rate.rate) },
            narrative: "\(adopters.count) of \(clients.count) clients (\(TrendText.percent(overall))) have taken up an experience. Adoption "
                + (differ ? "differs by segment (\(TrendText.pValue(table.pValue)))" : "does not differ by segment beyond chance (\(TrendText.pValue(table.pValue)))") + ".",
            keyFindings: segments.map { "\(TrendText.words($0.segment).capitalized): \(TrendText.percent($0.rate.rate, digits: 1)) (95% \(TrendText.percent($0.rate.lower, digits: 1))–\(TrendText.percent($0.rate.upper, digits: 1)), \($0.rate.trials) clients)" },
            revenueImpact: 0, customerCount: clients.count, implementationEffort: "high", priority: differ ? .medium : .low,
            recommendations: segments.last.map { lowest in
                ["Invite \(TrendText.words(lowest.segment)) clients to a first experience: their adoption is the lowest (\(TrendText.percent(lowest.rate.rate, digits: 1)))"]
            } ?? [],
            statistics: ["chiSquare": table.chiSquare, "pValue": table.pValue])
    }

    /// Energy-alignment impact: conversion, average order value, retention and revenue per client
    /// at each alignment level, the revenue premium of the top level over the rest (the brief
    /// quotes 85%), and whether retention differs by level (chi-square).
    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` without clients.
    public static func energyAlignmentImpact(_ clients: [AlignmentOutcome]) throws(AnalyticsError) -> TrendReport {
        guard !clients.isEmpty else {
            throw .unusableInput(problem: "There are no clients to compare", advice: "Pass every client with their alignment level and outcomes")
        }
        var retention = ContingencyTable()
        for client in clients { retention.add(row: client.level, column: client.retained ? "retained" : "lapsed") }
        let levels = Dictionary(grouping: clients, by: \.level).map { level, members in
            let contacts = members.reduce(0) { $0 + $1.contacts }, conversions = members.reduce(0) { $0 + $1.conversions }
            let orders = members.flatMap(\.orderAmounts)
            let revenue = orders.reduce(0, +)
            return (level: level, clients: members.count, conversion: contacts > 0 ? Double(conversions) / Double(contacts) : 0,
                    averageOrder: orders.isEmpty ? 0 : revenue / Double(orders.count),
                    retention: Double(members.filter(\.retained).count) / Double(members.count),
                    revenuePerClient: revenue / Double(members.count), revenue: revenue)
        }.sorted { ($0.revenuePerClient, $1.level) > ($1.revenuePerClient, $0.level) }
        let order = EnergyAlignment.allCases.reversed().map(\.rawValue)
        let top = order.first { level in levels.contains { $0.level == level } } ?? levels.first?.level
        let topLevel = levels.first { $0.level == top }
        let rest = levels.filter { $0.level != top }
        let restRevenue = rest.reduce(0) { $0 + $1.revenue }, restClients = rest.reduce(0) { $0 + $1.clients }
        let premium: Double? = topLevel.flatMap { level in
            restClients > 0 && restRevenue > 0 ? 100 * (level.revenuePerClient / (restRevenue / Double(restClients)) - 1) : nil
        }
        let total = levels.reduce(0) { $0 + $1.revenue }
        let findings = levels.map {
            "\($0.level.capitalized): \(TrendText.percent($0.conversion)) conversion, \(TrendText.money($0.averageOrder)) average order, \(TrendText.percent($0.retention)) retention (\($0.clients) clients)"
        }
        let differ = retention.pValue < 0.05
        return TrendReport(
            dimension: .energyAlignment, title: "Energy alignment impact", timeframe: "yearly",
            total: total, average: total / Double(clients.count), percentageChange: premium,
            topCategories: levels.prefix(3).map { TrendReport.Entry($0.level, $0.revenuePerClient) },
            bottomCategories: levels.suffix(3).reversed().map { TrendReport.Entry($0.level, $0.revenuePerClient) },
            series: order.compactMap { level in levels.first { $0.level == level }.map { TrendReport.Entry(level, $0.conversion) } },
            narrative: (premium.map { "\((top ?? "").capitalized)-aligned clients bring \(TrendText.signedPercent($0)) revenue per client against the other levels. " } ?? "")
                + "Retention " + (differ ? "differs by level (\(TrendText.pValue(retention.pValue)))." : "does not differ by level beyond chance (\(TrendText.pValue(retention.pValue)))."),
            keyFindings: findings,
            patterns: ["percentageChange is the revenue-per-client premium of the top level over the others"],
            revenueImpact: topLevel.map { level in max(0, (level.revenuePerClient - (restClients > 0 ? restRevenue / Double(restClients) : 0)) * Double(restClients)) } ?? 0,
            customerCount: clients.count, implementationEffort: "medium", priority: differ && (premium ?? 0) > 25 ? .high : .medium,
            recommendations: ["Raise developing and moderate clients' alignment: refresh their creative profiles and tailor the next experience"],
            statistics: ["retentionChiSquare": retention.chiSquare, "retentionPValue": retention.pValue].merging(premium.map { ["revenuePremiumPercent": $0] } ?? [:]) { a, _ in a })
    }
}
