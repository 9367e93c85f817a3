/// A token bucket: holds up to `burst` tokens, refilled at `perSecond`; each request takes one.
///
/// Time is passed in (seconds on any monotonic clock), so the arithmetic is testable without
/// waiting.
///
/// ```swift
/// var bucket = TokenBucket(RateLimit(perSecond: 2, burst: 3), now: 0)
/// bucket.take(at: 0)   // allowed, 2 remaining
/// ```
public struct TokenBucket: Sendable, Equatable {
    public let limit: RateLimit
    /// Tokens as of `updated`.
    public private(set) var tokens: Double
    public private(set) var updated: Double

    /// A full bucket.
    public init(_ limit: RateLimit, now: Double) {
        self.limit = limit
        tokens = Double(limit.burst)
        updated = now
    }

    /// The outcome of one request against the bucket.
    public struct Decision: Sendable, Equatable {
        public var allowed: Bool
        /// Whole tokens left after this request.
        public var remaining: Int
        /// Seconds until a token is available (0 when one is now).
        public var retryAfter: Double
    }

    /// Refills for the time since the last call, then takes one token if there is one.
    public mutating func take(at now: Double) -> Decision {
        refill(at: now)
        if tokens >= 1 {
            tokens -= 1
            return Decision(allowed: true, remaining: Int(tokens.rounded(.down)), retryAfter: 0)
        }
        let wait = limit.perSecond > 0 ? (1 - tokens) / limit.perSecond : .infinity
        return Decision(allowed: false, remaining: 0, retryAfter: wait)
    }

    /// Takes `count` tokens spent elsewhere (by another server on the same client): the bucket
    /// may go below zero, down to minus its burst, and a client then waits for it to refill.
    public mutating func charge(_ count: Double, at now: Double) {
        refill(at: now)
        tokens = max(-Double(limit.burst), tokens - count)
    }

    /// Whether the bucket would be full at `now`: such a bucket carries no information and can be
    /// forgotten (a new one starts full).
    public func isFull(at now: Double) -> Bool {
        tokens + max(0, now - updated) * limit.perSecond >= Double(limit.burst)
    }

    private mutating func refill(at now: Double) {
        // A clock that steps back (it should not) neither adds nor removes tokens.
        let elapsed = max(0, now - updated)
        tokens = min(Double(limit.burst), tokens + elapsed * limit.perSecond)
        updated = max(updated, now)
    }
}
