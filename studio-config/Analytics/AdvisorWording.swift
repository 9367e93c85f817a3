import FacetAnalytics
import Foundation

/// Each prediction as one sentence a client advisor can act on: one recommended figure, amounts
/// in the house currency, spans in the unit a person would use, and the date the figures are for
/// when that is not today.
///
/// Documents are written with `today` nil: their sentences then name the as-of date without
/// counting from today, so that a document does not change (and is not rewritten) only because
/// time passed. An action's answer is read at once, so it counts: "11 months ago".
///
/// ```swift
/// AdvisorWording.churn(forecast, predictions, today: Date())
/// // "Churn risk high: 62% chance of no purchase in the next 14 months (usually buys every
/// //  9 months), USD 8,120 of forecast value at risk"
/// ```
public enum AdvisorWording {
    /// How far the figures' date may be from today before a sentence says so.
    static let staleAfterDays = 7.0

    /// The churn prediction in one sentence.
    public static func churn(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions, today: Date? = nil) -> String {
        guard let window = forecast.lapseWindow, let usual = forecast.usualInterval else {
            return "Churn risk \(forecast.churnLevel.rawValue): score \(String(format: "%.2f", forecast.churnScore)) by the brief's heuristic"
                + " (no purchase model: the data hold no repeat purchases)" + asOf(predictions, today: today)
        }
        return "Churn risk \(forecast.churnLevel.rawValue): \(ModelDocuments.chance(forecast.churnScore)) chance of no purchase in the next "
            + "\(span(days: window)) (usually buys every \(span(days: usual))), \(predictions.settings.currency.text(forecast.valueAtRisk)) "
            + "of forecast value at risk" + asOf(predictions, today: today)
    }

    /// The next purchase in one sentence: overdue by how much, or due in how long, with the
    /// chance of a purchase within the next 30 days and when to reach out.
    public static func nextPurchase(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions, today: Date? = nil) -> String? {
        guard let next = forecast.nextPurchase else { return nil }
        let chance = forecast.purchaseWithin30Days.map { "; likely within the next 30 days: \(ModelDocuments.chance($0))" } ?? ""
        let rhythm = "every \(span(days: next.expectedInterval))"
        let window = next.window.map { "; if they buy again, " + self.window($0) } ?? ""
        if next.isOverdue {
            let late = AnalyticsCalendar.days(from: next.dueDate, to: predictions.asOf)
            return "Overdue by \(span(days: late)) on their usual rhythm of \(rhythm)\(chance)\(window): reach out now" + asOf(predictions, today: today)
        }
        let lead = next.daysUntil - 7
        let when = lead <= 0 ? "reach out now" : "reach out in \(span(days: lead)) with something that fits"
        return "Likely to buy again in \(span(days: next.daysUntil)) (around \(AnalyticsDate.day(next.expectedDate)), usually \(rhythm))\(window)\(chance): \(when)"
            + asOf(predictions, today: today)
    }

    /// "80% chance in 3 weeks to 1.5 years", or "80% chance within 5 months" when the window
    /// opens at once.
    static func window(_ window: PurchaseWindow) -> String {
        let level = "\(Int((window.level * 100).rounded()))% chance"
        let latest = window.isOpenEnded ? "over \(span(days: window.latestDays))" : span(days: window.latestDays)
        guard window.earliestDays >= 1 else { return "\(level) within \(latest)" }
        let earliest = span(days: window.earliestDays)
        return earliest == latest ? "\(level) in about \(latest)" : "\(level) in \(earliest) to \(latest)"
    }

    /// The lifetime value in one sentence: the model's figure when it could be fitted (the brief's
    /// heuristic is kept for the details), else the heuristic's, saying why.
    public static func lifetimeValue(_ forecast: ClientelePredictions.ClientForecast, _ predictions: ClientelePredictions, today: Date? = nil) -> String? {
        let months = predictions.settings.months
        let period = months % 12 == 0 ? "\(months / 12) year\(months == 12 ? "" : "s")" : "\(months) months"
        let currency = predictions.settings.currency
        if let model = forecast.modelValue {
            let range = forecast.valueInterval.map { interval in
                // A client most likely gone: an interval of [0, 0] says less than the share of empty futures.
                interval.upper < model.value
                    ? "; in \(ModelDocuments.chance(interval.shareWithoutPurchase)) of simulated futures they buy nothing"
                    : "; \(Int((interval.level * 100).rounded()))% chance of between \(currency.text(interval.lower)) and \(currency.text(interval.upper))"
            } ?? ""
            return "Likely to spend about \(currency.text(model.value)) over the next \(period), discounted\(range) (BG/NBD × Gamma-Gamma)"
                + asOf(predictions, today: today)
        }
        guard let brief = forecast.briefValue else { return nil }
        return "About \(currency.text(brief.value)) over the next \(period) by the brief's heuristic "
            + "(the spend model needs repeat purchases in the data)" + asOf(predictions, today: today)
    }

    /// " (as of 2025-12-31, when the data end, 11 months ago)" when the figures' date is more than
    /// a week from today; " (as of 2025-12-31, when the data end)" for documents; "" when current.
    static func asOf(_ predictions: ClientelePredictions, today: Date?) -> String {
        let day = AnalyticsDate.day(predictions.asOf)
        guard let today else { return " (as of \(day), when the data end)" }
        let gap = AnalyticsCalendar.days(from: predictions.asOf, to: today)
        guard abs(gap) > staleAfterDays else { return "" }
        return " (as of \(day), when the data end, \(span(days: abs(gap))) \(gap > 0 ? "ago" : "ahead"))"
    }

    /// A span of days in the unit a person would use: "12 days", "3 weeks", "14 months", "2.5 years".
    public static func span(days: Double) -> String {
        func plural(_ value: Double, _ unit: String) -> String {
            let text = value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
            return "\(text) \(unit)\(value == 1 ? "" : "s")"
        }
        switch days {
        case ..<14: return plural(max(0, days.rounded()), "day")
        case ..<60: return plural((days / 7).rounded(), "week")
        case ..<730: return plural((days / LifetimeValueProjection.daysPerMonth).rounded(), "month")
        default: return plural((days / 365.25 * 2).rounded() / 2, "year")
        }
    }
}
