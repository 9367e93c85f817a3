import FacetAnalytics

/// A calendar day, counted from 1970-01-01 (day 0), in the proleptic Gregorian calendar and UTC.
///
/// The demo does its date arithmetic on day numbers rather than with Foundation's calendars, so
/// that it depends on no time zone or locale and never on the current date.
public struct CivilDate: Sendable, Hashable, Comparable {
    /// Days since 1970-01-01.
    public var dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    /// The day `year`-`month`-`day`; out-of-range days roll over as in `Date` arithmetic.
    public init(_ year: Int, _ month: Int, _ day: Int) { dayNumber = AnalyticsCalendar.daysFromCivil(year, month, day) }

    /// Year, month (1–12) and day of the month.
    public var components: (year: Int, month: Int, day: Int) { AnalyticsCalendar.civilFromDays(dayNumber) }

    public var year: Int { components.year }

    /// The day `days` later (earlier when negative).
    public func adding(days: Int) -> CivilDate { CivilDate(dayNumber: dayNumber + days) }

    /// The same month and day `years` later; 29 February becomes 1 March in a common year.
    public func adding(years: Int) -> CivilDate {
        let (year, month, day) = components
        return CivilDate(year + years, month, day)
    }

    /// `YYYY-MM-DD`, the schema's `date`.
    public var iso: String {
        let (year, month, day) = components
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the schema's `datetime`, at `seconds` after midnight UTC.
    public func isoDateTime(secondsIntoDay seconds: Int) -> String {
        let clamped = min(max(seconds, 0), 86_399)
        return "\(iso)T\(Self.pad(clamped / 3600, 2)):\(Self.pad(clamped / 60 % 60, 2)):\(Self.pad(clamped % 60, 2))Z"
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    public static func < (lhs: CivilDate, rhs: CivilDate) -> Bool { lhs.dayNumber < rhs.dayNumber }
}

/// The period the demo's history covers, and its clock: time is measured in weeks from the
/// window's start, as in the BG/NBD literature.
///
/// The window is fixed (2022-01-01 to 2025-12-31 inclusive, 1,461 days = 208.71 weeks) so that
/// the data never depends on when it is generated; 2025-12-31 plays "today".
public struct ObservationWindow: Sendable, Equatable {
    /// The first day observed.
    public let start: CivilDate
    /// The day after the last day observed.
    public let end: CivilDate

    /// The demo's window: 2022-01-01 up to and including 2025-12-31.
    public static let standard = ObservationWindow(start: CivilDate(2022, 1, 1), end: CivilDate(2026, 1, 1))

    public init(start: CivilDate, end: CivilDate) {
        self.start = start
        self.end = end
    }

    /// The window's length in days.
    public var days: Int { end.dayNumber - start.dayNumber }

    /// The window's length in weeks (T in the BG/NBD papers).
    public var weeks: Double { Double(days) / 7 }

    /// The day a time (in weeks from the start) falls on.
    public func date(atWeek time: Double) -> CivilDate {
        start.adding(days: Int((time * 7).rounded(.down)))
    }

    /// The time, in weeks from the start, at which `date` begins.
    public func week(of date: CivilDate) -> Double {
        Double(date.dayNumber - start.dayNumber) / 7
    }

    /// A date-time for a moment of the process. The day is the moment's own; the hour spreads the
    /// fraction of that day over shop hours (10:00–19:00 UTC), so order and interaction times read
    /// like a boutique's while keeping the order of events within a day.
    public func dateTime(atWeek time: Double) -> String {
        let dayPosition = time * 7
        let fraction = dayPosition - dayPosition.rounded(.down)
        return date(atWeek: time).isoDateTime(secondsIntoDay: 36_000 + Int(fraction * 32_400))
    }

    /// Whether `date` falls in the holiday season, 15 November to 31 December, when clients buy
    /// more (the process's `holidayLift`).
    public static func isHolidaySeason(_ date: CivilDate) -> Bool {
        let (_, month, day) = date.components
        return month == 12 || (month == 11 && day >= 15)
    }

    /// Days of the window that fall in the holiday season.
    public var holidaySeasonDays: Int {
        (start.dayNumber..<end.dayNumber).reduce(0) { $0 + (Self.isHolidaySeason(CivilDate(dayNumber: $1)) ? 1 : 0) }
    }
}
