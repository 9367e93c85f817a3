import FacetStore
import Foundation
import GROQ

/// How hooks are delivered: the config file's `"webhooks"` object.
///
/// ```json
/// "webhooks": {"allowPrivateAddresses": false, "maxAttempts": 10, "firstRetrySeconds": 5,
///              "maxRetrySeconds": 3600, "timeoutSeconds": 30, "concurrencyPerHook": 4, "keepDays": 30}
/// ```
public struct WebhookSettings: Sendable, Equatable {
    /// Whether hooks may send to loopback, private and link-local addresses (for receivers on
    /// the same machine or network, and for tests).
    public var allowPrivateAddresses = false
    /// Attempts before a delivery is marked failed.
    public var maxAttempts = 10
    /// The wait before the first retry; each later one waits twice as long, up to
    /// `maxRetry`, with a random part so that many retries do not arrive together.
    public var firstRetry = Duration.seconds(5)
    public var maxRetry = Duration.seconds(3600)
    /// How long a receiver has to answer.
    public var timeout = Duration.seconds(30)
    /// Deliveries of one hook in flight at once: a slow receiver holds only its own.
    public var concurrencyPerHook = 4
    /// How long delivered and failed deliveries and attempts are kept.
    public var keepDays = 30
    /// How often the log is looked at for new transactions when nothing wakes the dispatcher.
    public var pollInterval = Duration.milliseconds(50)

    public init() {}

    public static let fields: Set<String> = ["allowPrivateAddresses", "maxAttempts", "firstRetrySeconds", "maxRetrySeconds",
                                             "timeoutSeconds", "concurrencyPerHook", "keepDays"]

    /// The settings a config file's `"webhooks"` object gives, each checked.
    public init(json: JSONValue) throws(WebhookError) {
        guard let object = json.objectValue else {
            throw WebhookError(.invalid, "\"webhooks\" must be an object", advice: "Use any of: \(Self.fields.sorted().joined(separator: ", ")).")
        }
        for key in object.keys where !Self.fields.contains(key) {
            throw WebhookError(.invalid, "\"webhooks\" sets \"\(key)\", which Facet does not know", field: key,
                               advice: "Known settings: \(Self.fields.sorted().joined(separator: ", ")).")
        }
        func number(_ key: String, _ range: ClosedRange<Double>) throws(WebhookError) -> Double? {
            guard let value = object[key] else { return nil }
            guard let number = value.numberValue, range.contains(number) else {
                throw WebhookError(.invalid, "\"webhooks\".\(key) must be a number from \(range.lowerBound) to \(range.upperBound)", field: key)
            }
            return number
        }
        if let value = object["allowPrivateAddresses"] {
            guard case .bool(let allow) = value else {
                throw WebhookError(.invalid, "\"webhooks\".allowPrivateAddresses must be true or false", field: "allowPrivateAddresses")
            }
            allowPrivateAddresses = allow
        }
        if let value = try number("maxAttempts", 1...100) { maxAttempts = Int(value) }
        if let value = try number("firstRetrySeconds", 0.01...86_400) { firstRetry = .milliseconds(Int64(value * 1000)) }
        if let value = try number("maxRetrySeconds", 0.01...604_800) { maxRetry = .milliseconds(Int64(value * 1000)) }
        if let value = try number("timeoutSeconds", 0.1...600) { timeout = .milliseconds(Int64(value * 1000)) }
        if let value = try number("concurrencyPerHook", 1...64) { concurrencyPerHook = Int(value) }
        if let value = try number("keepDays", 1...3650) { keepDays = Int(value) }
    }

    /// The wait before attempt `attempt + 1`, after `attempt` failed ones: doubling from
    /// ``firstRetry`` up to ``maxRetry``, of which a random half is taken off ("equal jitter").
    public func retryDelay(after attempt: Int, random: Double = Double.random(in: 0...1)) -> Duration {
        let first = Double(firstRetry.components.seconds) + Double(firstRetry.components.attoseconds) / 1e18
        let most = Double(maxRetry.components.seconds) + Double(maxRetry.components.attoseconds) / 1e18
        let full = min(first * pow(2, Double(max(0, attempt - 1))), most)
        return .milliseconds(Int64((full / 2 + full / 2 * random) * 1000))
    }
}
