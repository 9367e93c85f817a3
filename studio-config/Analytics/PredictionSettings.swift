import FacetAnalytics
import FacetStore
import Foundation
import GROQ

/// What an editor may tune when running the analytics actions, read from the action's `params`.
///
/// Every parameter is optional; an unknown or malformed one is refused with the list of those
/// understood, so that a typo never silently runs the defaults.
///
/// ```json
/// {"horizonDays": 90, "cutoff": "2025-06-30", "monthlyDiscountRate": 0.008, "goldThreshold": 40000}
/// ```
public struct PredictionSettings: Sendable, Equatable {
    /// The date the predictions are for; by default the day after the latest order or contact.
    public var asOf: Date?
    /// The horizon of the expected purchase count and the lifetime-value backtest (default 180 days).
    public var horizonDays: Double = 180
    /// The backtests' cut-off; by default the longest lapse window before ``asOf`` for churn and
    /// `horizonDays` before it for lifetime value.
    public var cutoff: Date?
    /// What lapsing means: no purchase within `lapseMultiple` usual intervals (default 1.5),
    /// between 60 days and two years.
    public var lapseWindow = LapseWindow.ownRhythm
    /// The house's churn risk levels.
    public var riskPolicy = ChurnRiskPolicy()
    /// The currency amounts are said in (default USD).
    public var currency = HouseCurrency.usd {
        didSet { upsell.currency = currency }
    }
    /// The lifetime-value horizon in months (default 60, five years).
    public var months: Int = 60
    /// The lifetime-value discount rate per month (default 0.01).
    public var monthlyDiscountRate: Double = 0.01
    /// The upsell thresholds and contact requirement.
    public var upsell = UpsellPolicy()
    /// How many categories an affinity recommendation names (default 3).
    public var affinityCount: Int = 3
    /// How often the cohort models should be retrained, recorded in `trainingData.retrainSchedule`.
    public var retrainSchedule: String = "weekly"
    /// Recompute only the clients whose documents changed since this process's last full
    /// refresh of the dataset, with the models it fitted (``IncrementalRefresh``); a full refresh
    /// when there was none.
    public var incremental = false

    /// The settings that decide what a refresh computes (all but ``incremental``).
    var model: PredictionSettings {
        var copy = self
        copy.incremental = false
        return copy
    }

    /// The parameters understood, with what each expects.
    public static let parameters: [(name: String, expects: String)] = [
        ("asOf", "a date (YYYY-MM-DD)"), ("horizonDays", "a number of days from 7 to 1825"),
        ("cutoff", "a date (YYYY-MM-DD) before asOf"), ("months", "a whole number of months from 1 to 120"),
        ("monthlyDiscountRate", "a rate from 0 to 0.2, e.g. 0.01"), ("goldThreshold", "an amount above 0"),
        ("platinumThreshold", "an amount above goldThreshold"), ("minimumContactMonths", "a number of months from 0 to 120"),
        ("affinityCount", "a whole number from 1 to 6"), ("retrainSchedule", "daily, weekly, monthly or quarterly"),
        ("lapseMultiple", "a number of usual intervals from 1 to 4, e.g. 1.5"),
        ("currency", "a three-letter ISO 4217 code, e.g. USD, EUR or CHF"),
        ("incremental", "true or false: only the clients whose data changed since the last full refresh"),
    ]

    public init() {}

    /// Reads `params`.
    /// - Throws: `StoreError` (`invalid`) naming the parameter, what it holds and what it expects.
    public init(params: JSONObject) throws {
        let known = Set(Self.parameters.map(\.name))
        if let unknown = params.keys.first(where: { !known.contains($0) }) {
            throw Self.refusal(unknown, params[unknown], "is not a parameter of the analytics actions",
                               advice: "The parameters are " + Self.parameters.map { "\($0.name) (\($0.expects))" }.joined(separator: ", "))
        }
        func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
            guard let value = params[name], !value.isNull else { return nil }
            guard let number = value.numberValue, range.contains(number) else {
                throw Self.refusal(name, value, "is out of range", advice: "Give \(name) as \(Self.expectation(name))")
            }
            return number
        }
        func date(_ name: String) throws -> Date? {
            guard let value = params[name], !value.isNull else { return nil }
            guard let text = value.stringValue, let date = AnalyticsDate.parse(text) else {
                throw Self.refusal(name, value, "is not a date", advice: "Give \(name) as \(Self.expectation(name))")
            }
            return date
        }
        asOf = try date("asOf")
        cutoff = try date("cutoff")
        horizonDays = try number("horizonDays", in: 7...1825) ?? horizonDays
        if let months = try number("months", in: 1...120) {
            guard months == months.rounded() else {
                throw Self.refusal("months", params["months"], "is not a whole number", advice: "Give months as \(Self.expectation("months"))")
            }
            self.months = Int(months)
        }
        monthlyDiscountRate = try number("monthlyDiscountRate", in: 0...0.2) ?? monthlyDiscountRate
        upsell.goldThreshold = try number("goldThreshold", in: 1...1e12) ?? upsell.goldThreshold
        upsell.platinumThreshold = try number("platinumThreshold", in: 1...1e12) ?? upsell.platinumThreshold
        upsell.minimumContactMonths = try number("minimumContactMonths", in: 0...120) ?? upsell.minimumContactMonths
        guard upsell.platinumThreshold > upsell.goldThreshold else {
            throw Self.refusal("platinumThreshold", .number(upsell.platinumThreshold), "is not above goldThreshold (\(upsell.goldThreshold))",
                               advice: "Platinum Premier is the higher tier: give it the higher threshold")
        }
        if let count = try number("affinityCount", in: 1...6) { affinityCount = Int(count.rounded()) }
        if let code = params["currency"], !code.isNull {
            guard let text = code.stringValue, let currency = try? HouseCurrency(text) else {
                throw Self.refusal("currency", code, "is not a currency code", advice: "Give currency as \(Self.expectation("currency"))")
            }
            // Observers do not run in an initialiser: the upsell wording is told here.
            self.currency = currency
            upsell.currency = currency
        }
        if let multiple = try number("lapseMultiple", in: 1...4), case let .rhythm(_, shortest, longest) = lapseWindow {
            lapseWindow = .rhythm(multiple: multiple, shortest: shortest, longest: longest)
        }
        if let flag = params["incremental"], !flag.isNull {
            guard case .bool(let value) = flag else {
                throw Self.refusal("incremental", flag, "is not true or false", advice: "Give incremental as \(Self.expectation("incremental"))")
            }
            incremental = value
        }
        if let schedule = params["retrainSchedule"], !schedule.isNull {
            guard let text = schedule.stringValue, ["daily", "weekly", "monthly", "quarterly"].contains(text) else {
                throw Self.refusal("retrainSchedule", schedule, "is not a schedule", advice: "Give retrainSchedule as \(Self.expectation("retrainSchedule"))")
            }
            retrainSchedule = text
        }
        if let asOf, let cutoff, cutoff >= asOf {
            throw Self.refusal("cutoff", params["cutoff"], "is not before asOf (\(AnalyticsDate.day(asOf)))",
                               advice: "The backtest learns from before the cut-off and checks what happened after it: move it earlier")
        }
    }

    static func expectation(_ name: String) -> String { parameters.first { $0.name == name }?.expects ?? "documented" }

    static func refusal(_ name: String, _ value: JSONValue?, _ problem: String, advice: String) -> StoreError {
        var shown = "nothing"
        if let value {
            var bytes: [UInt8] = []
            value.write(to: &bytes, pretty: false)
            shown = String(decoding: bytes.prefix(80), as: UTF8.self)
        }
        return StoreError(.invalid, type: "invalidActionParameter", message: "params.\(name) = \(shown) \(problem)", advice: advice,
                          details: ["parameter": .string(name)])
    }
}
