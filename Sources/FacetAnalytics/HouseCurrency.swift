import Foundation

/// The currency the house counts in, and amounts as an advisor reads them: the ISO 4217 code,
/// then whole units with the thousands grouped ("USD 64,225"). Forecasts are not precise to the
/// cent, so cents would only pretend to be.
///
/// ```swift
/// let currency = try HouseCurrency("EUR")
/// currency.text(64_224.54)   // "EUR 64,225"
/// ```
public struct HouseCurrency: Sendable, Hashable, Codable {
    /// The three-letter ISO 4217 code.
    public let code: String

    /// US dollars, the default.
    public static let usd = HouseCurrency(checked: "USD")

    /// - Throws: ``AnalyticsError/unusableInput(problem:advice:)`` unless `code` is three capital letters.
    public init(_ code: String) throws(AnalyticsError) {
        guard code.count == 3, code.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw .unusableInput(problem: "\"\(code.prefix(20))\" is not a currency code",
                                 advice: "Give the house currency as its three-letter ISO 4217 code, e.g. USD, EUR or CHF")
        }
        self.code = code
    }

    private init(checked code: String) { self.code = code }

    /// `amount` rounded to whole units: "USD 64,225", "USD -1,200".
    public func text(_ amount: Double) -> String {
        guard amount.isFinite else { return "\(code) —" }
        let digits = String(Int(abs(amount).rounded()))
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return "\(code) \(amount.rounded() < 0 ? "-" : "")\(grouped)"
    }
}
