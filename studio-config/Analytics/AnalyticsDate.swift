import FacetAnalytics
import Foundation

/// ISO 8601 dates and datetimes as the schema stores them, read and written without a formatter
/// (reading tens of thousands of them is part of every analytics run).
public enum AnalyticsDate {
    /// `2025-12-31`, `2025-12-31T10:15:00Z`, `2025-12-31T10:15:00.250Z` or with a `+01:00` offset.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<(start + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 10, bytes[4] == 45, bytes[7] == 45, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86_400
        guard bytes.count > 10 else { return Date(timeIntervalSince1970: seconds) }
        guard bytes[10] == 84 || bytes[10] == 116, let hour = number(11, 2), bytes.count >= 16, bytes[13] == 58, let minute = number(14, 2)
        else { return nil }
        seconds += Double(hour * 3600 + minute * 60)
        var index = 16
        if index < bytes.count, bytes[index] == 58 {
            guard let second = number(17, 2) else { return nil }
            seconds += Double(second)
            index = 19
        }
        if index < bytes.count, bytes[index] == 46 {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                seconds += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        if index == bytes.count { return Date(timeIntervalSince1970: seconds) }
        if index + 1 == bytes.count, bytes[index] == 90 || bytes[index] == 122 { return Date(timeIntervalSince1970: seconds) }
        switch bytes[index] {
        case 43, 45:
            guard let hours = number(index + 1, 2), index + 6 == bytes.count, bytes[index + 3] == 58, let minutes = number(index + 4, 2)
            else { return nil }
            let offset = Double(hours * 3600 + minutes * 60)
            return Date(timeIntervalSince1970: bytes[index] == 43 ? seconds - offset : seconds + offset)
        default:
            return nil
        }
    }

    /// `YYYY-MM-DD` in UTC.
    public static func day(_ date: Date) -> String { AnalyticsCalendar.isoDay(date) }

    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC.
    public static func dateTime(_ date: Date) -> String {
        let parts = AnalyticsCalendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                      parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Hinnant's algorithm).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int { AnalyticsCalendar.daysFromCivil(year, month, day) }
}
