import Foundation

/// What the house knows about one client, as plain values: dated orders, dated contacts and the
/// profile attributes the heuristics read. The CRM layer fills it from `salesOrder`,
/// `interaction`, `customer`/`lizaCustomer` and `creativeExpression` documents; the models never
/// see a document.
///
/// ```swift
/// let ada = CustomerHistory(
///     id: "customer.ada",
///     orders: [.init(date: march, amount: 4_200, categories: ["rings"]),
///              .init(date: june, amount: 1_150, categories: ["earrings", "rings"])],
///     contacts: [february, june],
///     segment: .regular, energyAlignment: .strong)
/// let summary = try ada.rfmSummary(at: today)   // days, for BG/NBD and Gamma-Gamma
/// ```
public struct CustomerHistory: Sendable, Hashable, Codable {
    /// One order: when, for how much (in the house currency) and which product categories it held.
    public struct Order: Sendable, Hashable, Codable {
        public var date: Date
        public var amount: Double
        /// Product categories of the order's lines (`rings`, `necklaces`, …), without duplicates.
        public var categories: [String]

        public init(date: Date, amount: Double, categories: [String] = []) {
            self.date = date
            self.amount = amount
            var seen = Set<String>()
            self.categories = categories.filter { seen.insert($0).inserted }
        }
    }

    /// The client's document id.
    public var id: String
    /// Orders, oldest first (the initialiser sorts them). Cancelled and returned orders belong out.
    public var orders: [Order]
    /// Dates of contacts with the client (interactions of any channel), oldest first.
    public var contacts: [Date]
    /// Value segment.
    public var segment: CustomerSegment
    /// Energy alignment level; nil when it was never assessed.
    public var energyAlignment: EnergyAlignment?
    /// LIZA tier for VIP members; nil for other clients.
    public var tier: LizaTier?
    /// The cultural and creative profile, for personalised messages and trend cross-tabulations.
    public var profile: CulturalProfile

    public init(id: String, orders: [Order], contacts: [Date] = [], segment: CustomerSegment = .new,
                energyAlignment: EnergyAlignment? = nil, tier: LizaTier? = nil, profile: CulturalProfile = CulturalProfile()) {
        self.id = id
        self.orders = orders.sorted { $0.date < $1.date }
        self.contacts = contacts.sorted()
        self.segment = segment
        self.energyAlignment = energyAlignment
        self.tier = tier
        self.profile = profile
    }

    /// The history as it was known just before `cutoff`: orders and contacts strictly earlier.
    public func known(before cutoff: Date) -> CustomerHistory {
        var copy = self
        copy.orders = orders.filter { $0.date < cutoff }
        copy.contacts = contacts.filter { $0 < cutoff }
        return copy
    }

    /// Orders in the half-open interval [start, end).
    public func orders(from start: Date, to end: Date) -> [Order] {
        orders.filter { $0.date >= start && $0.date < end }
    }

    /// The most recent touch point (order or contact) before `date`, if any.
    public func lastTouch(before date: Date) -> Date? {
        let lastOrder = orders.last { $0.date < date }?.date
        let lastContact = contacts.last { $0 < date }
        switch (lastOrder, lastContact) {
        case let (order?, contact?): return max(order, contact)
        case let (order?, nil): return order
        case let (nil, contact?): return contact
        case (nil, nil): return nil
        }
    }

    /// Purchases grouped by calendar day (UTC): several orders on one day are one purchase, as in
    /// the `lifetimes` library, so that a split basket does not count as a repeat visit.
    public func purchaseDays(before end: Date) -> [(day: Date, amount: Double)] {
        var days: [(day: Date, amount: Double)] = []
        for order in orders where order.date < end {
            let day = AnalyticsCalendar.startOfDay(order.date)
            if let last = days.last, last.day == day {
                days[days.count - 1].amount += order.amount
            } else {
                days.append((day, order.amount))
            }
        }
        return days
    }

    /// Days between consecutive purchase days before `end` (empty with fewer than two).
    public func interPurchaseIntervals(before end: Date) -> [Double] {
        let days = purchaseDays(before: end)
        return zip(days, days.dropFirst()).map { ($1.day.timeIntervalSince($0.day)) / AnalyticsCalendar.secondsPerDay }
    }

    /// The recency–frequency–monetary summary at `end`, in days: frequency = purchase days after
    /// the first, recency = first to last purchase day, T = first purchase day to `end`, monetary
    /// value = mean value of the repeat purchase days. Nil when the client had bought nothing before `end`.
    /// - Throws: ``AnalyticsError/invalidArgument(name:value:requirement:)`` when an amount is negative
    ///   or not finite.
    public func rfmSummary(at end: Date) throws(AnalyticsError) -> RFMSummary? {
        let days = purchaseDays(before: end)
        guard let first = days.first, let last = days.last else { return nil }
        if let bad = days.first(where: { !($0.amount >= 0 && $0.amount.isFinite) }) {
            throw .invalidArgument(name: "order amount of customer \(id) on \(bad.day)", value: bad.amount,
                                   requirement: "amounts are zero or positive; leave cancelled and returned orders out")
        }
        let perDay = AnalyticsCalendar.secondsPerDay
        // A purchase on the last day still leaves a sliver of observation, so T stays positive.
        let age = max(end.timeIntervalSince(first.day) / perDay, 1.0 / 24)
        let recency = min(last.day.timeIntervalSince(first.day) / perDay, age)
        let repeats = days.dropFirst()
        let monetary = repeats.isEmpty ? 0 : repeats.reduce(0) { $0 + $1.amount } / Double(repeats.count)
        return try RFMSummary(id: id, frequency: repeats.count, recency: repeats.isEmpty ? 0 : recency, age: age, monetaryValue: monetary)
    }
}

/// A client's value segment (the CRM's `segment` vocabulary), from first purchase to most valuable.
public enum CustomerSegment: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case new, occasional, regular, loyal, vip

    /// Position in the ladder, 0 for `new`.
    public var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// How well a client's experiences are harmonised with them (the CRM's `energyAlignment` vocabulary).
public enum EnergyAlignment: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case developing, moderate, strong, exceptional

    /// 0 for `developing` up to 1 for `exceptional`, evenly spaced: the levels are ordinal, and
    /// equal spacing is the assumption that adds least.
    public var score: Double { Double(Self.allCases.firstIndex(of: self) ?? 0) / Double(Self.allCases.count - 1) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.score < rhs.score }
}

/// The LIZA VIP programme's tiers, from the base tier up.
public enum LizaTier: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case lizaSelect = "liza-select"
    case goldPreferred = "gold-preferred"
    case platinumPremier = "platinum-premier"

    /// The name clients read.
    public var title: String {
        switch self {
        case .lizaSelect: "LIZA Select"
        case .goldPreferred: "Gold Preferred"
        case .platinumPremier: "Platinum Premier"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}

/// The cultural and creative profile fields the analytics read, as the CRM stores them
/// (vocabulary values such as `family-legacy`, `world-fusion`, `art-deco`, or free text).
public struct CulturalProfile: Sendable, Hashable, Codable {
    /// Display name, for the greeting of a personalised message.
    public var name: String?
    public var culturalHeritage: [String]
    public var culturalValues: [String]
    /// `direct-formal`, `indirect-casual`, …
    public var communicationStyle: String?
    /// LIZA only: `heirloom-legacy`, `artistic-patronage`, …
    public var culturalInvestmentPhilosophy: String?
    /// LIZA only: `private-viewing`, `atelier-visit`, …
    public var preferredCulturalExperiences: [String]
    /// From the creative expression: `classical`, `world-fusion`, …
    public var musicalPreferences: [String]
    /// From the creative expression: `modern`, `art-deco`, …
    public var designAesthetics: [String]
    /// From the creative expression: `vr-showroom`, `private-consultation`, …
    public var experienceTypes: [String]

    public init(name: String? = nil, culturalHeritage: [String] = [], culturalValues: [String] = [], communicationStyle: String? = nil,
                culturalInvestmentPhilosophy: String? = nil, preferredCulturalExperiences: [String] = [],
                musicalPreferences: [String] = [], designAesthetics: [String] = [], experienceTypes: [String] = []) {
        self.name = name
        self.culturalHeritage = culturalHeritage
        self.culturalValues = culturalValues
        self.communicationStyle = communicationStyle
        self.culturalInvestmentPhilosophy = culturalInvestmentPhilosophy
        self.preferredCulturalExperiences = preferredCulturalExperiences
        self.musicalPreferences = musicalPreferences
        self.designAesthetics = designAesthetics
        self.experienceTypes = experienceTypes
    }
}

/// Calendar arithmetic the analytics share: UTC Gregorian, so that a month is the same month
/// wherever the server runs.
public enum AnalyticsCalendar {
    /// The Gregorian calendar in UTC.
    public static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        return calendar
    }()

    /// Seconds in a day.
    public static let secondsPerDay = 86_400.0

    /// The calendar month of `date`, 1 for January.
    public static func month(of date: Date) -> Int { civil(date).month }

    // Day arithmetic is done by hand (Hinnant's civil-from-days algorithms, exact for the
    // proleptic Gregorian calendar in UTC): Foundation's calendar took a fifth of a 50,000-client
    // refresh in day and month boundaries alone.

    /// Days from 1970-01-01 to a proleptic Gregorian date.
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date of day number `days` from 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shifted = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shifted + 2) / 5 + 1
        let month = shifted < 10 ? shifted + 3 : shifted - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day number of `date` from 1970-01-01 (UTC).
    public static func dayNumber(_ date: Date) -> Int { Int((date.timeIntervalSince1970 / secondsPerDay).rounded(.down)) }

    /// `date`'s year, month and day in UTC.
    public static func civil(_ date: Date) -> (year: Int, month: Int, day: Int) { civilFromDays(dayNumber(date)) }

    /// Midnight UTC of `date`'s day.
    public static func startOfDay(_ date: Date) -> Date { Date(timeIntervalSince1970: Double(dayNumber(date)) * secondsPerDay) }

    /// Midnight UTC of the first day of `date`'s month.
    public static func startOfMonth(_ date: Date) -> Date {
        let (year, month, _) = civil(date)
        return Date(timeIntervalSince1970: Double(daysFromCivil(year, month, 1)) * secondsPerDay)
    }

    /// Midnight UTC of the first day of the month after `date`'s.
    public static func startOfNextMonth(_ date: Date) -> Date {
        let (year, month, _) = civil(date)
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        return Date(timeIntervalSince1970: Double(daysFromCivil(next.0, next.1, 1)) * secondsPerDay)
    }

    /// `days` days after `date`.
    public static func adding(days: Double, to date: Date) -> Date { date.addingTimeInterval(days * secondsPerDay) }

    /// `date`'s day as YYYY-MM-DD (UTC).
    public static func isoDay(_ date: Date) -> String {
        let (year, month, day) = civil(date)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// Days from `start` to `end` (negative when `end` is earlier).
    public static func days(from start: Date, to end: Date) -> Double { end.timeIntervalSince(start) / secondsPerDay }
}

extension CustomerSegment: CodingKeyRepresentable {}
