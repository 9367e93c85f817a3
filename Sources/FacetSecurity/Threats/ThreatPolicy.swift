/// A sustained rate and the burst allowed above it: the shape of a token bucket.
public struct RateLimit: Sendable, Equatable {
    /// Requests per second refilled.
    public var perSecond: Double
    /// Requests that may arrive at once after a quiet period (the bucket's capacity).
    public var burst: Int

    public init(perSecond: Double, burst: Int) {
        self.perSecond = perSecond
        self.burst = burst
    }
}

/// What to do with a request of a suspicious class.
public enum ThreatResponse: String, Sendable, Equatable, Codable {
    /// Serve it; nothing is recorded.
    case allow
    /// Serve it, but record a security event.
    case flag
    /// Serve it within ``ThreatPolicy/automationLimit`` (429 beyond).
    case throttle
    /// Answer 403.
    case refuse
}

/// Every threshold and decision of threat detection, as data: the defaults suit a studio API used
/// by people and a few integrations; a deployment tightens or relaxes them.
///
/// ```swift
/// var policy = ThreatPolicy()
/// policy.addressLimit = RateLimit(perSecond: 5, burst: 20)
/// policy.automation[.scriptClient] = .throttle
/// security.threats.policy = policy
/// ```
public struct ThreatPolicy: Sendable, Equatable {
    // MARK: Rate limits

    /// Requests per client address.
    public var addressLimit = RateLimit(perSecond: 20, burst: 100)
    /// Requests per credential (bearer token), whatever address they come from.
    public var identityLimit = RateLimit(perSecond: 20, burst: 100)
    /// Requests per address of a client the policy throttles (bots, cadence, enumeration).
    public var automationLimit = RateLimit(perSecond: 1, burst: 10)

    // MARK: Brute force

    /// Failed sign-ins of one account from one address before the account is locked out of
    /// that address (from elsewhere it can still sign in).
    public var accountFailureThreshold = 5
    /// Failed sign-ins from one address before it is locked out. Higher than the account's: an
    /// office behind one address has many people mistyping.
    public var addressFailureThreshold = 20
    /// The first lock-out, in seconds; each further failure doubles it.
    public var lockoutBase = 1.0
    /// The longest lock-out, in seconds.
    public var lockoutCap = 900.0
    /// Failures are forgotten after this many seconds without another.
    public var failureMemory = 3600.0

    // MARK: Automation

    /// The response to each class of automated client (known user agents and behaviour).
    public var automation: [AutomationClass: ThreatResponse] = [
        .aiScraper: .refuse,
        .searchCrawler: .refuse,
        // Recorded, not slowed: teams run their own end-to-end tests and monitors headless.
        .headlessBrowser: .flag,
        .scriptClient: .allow,
        .missingUserAgent: .allow,
        .regularCadence: .throttle,
        .enumeration: .throttle,
    ]
    /// The known automated user agents (see ``KnownAgent/catalogue``).
    public var knownAgents: [KnownAgent] = KnownAgent.catalogue
    /// Requests whose intervals are examined for a machine-regular rhythm.
    public var cadenceSamples = 12
    /// Intervals whose spread (standard deviation over mean) is below this are machine-regular.
    public var cadenceMaxVariation = 0.05
    /// Only intervals at least this long (seconds) count: a burst faster than this is the rate
    /// limits' business, and a person clicking quickly is never this regular anyway.
    public var cadenceMinInterval = 0.2
    /// Paths polled by monitoring at fixed intervals by design: never judged by their rhythm.
    public var cadenceExemptPaths: Set<String> = ["/health", "/metrics"]
    /// Distinct documents one address may read per minute before it is enumerating.
    public var distinctDocumentsPerMinute = 120
    /// Consecutive numeric ids (`customer-41`, `customer-42`, …) read one after another before
    /// it is enumerating.
    public var sequentialRun = 10

    // MARK: Injection

    /// What to do with inputs carrying injection patterns: `.allow` ignores them, `.flag` and
    /// `.throttle` record an event and serve the request, `.refuse` answers 403 to query strings
    /// carrying them (bodies are only ever flagged). Stored data is never altered.
    public var injection: ThreatResponse = .flag
    /// The most bytes of a request body examined for injection patterns.
    public var injectionScanLimit = 1 << 20

    // MARK: Overload

    /// Requests in flight at once (not counting open listener streams); 503 beyond.
    public var maxInFlight = 512
    /// Seconds a client may take to send its request body; 408 beyond.
    public var bodyReadTimeout = 30.0

    // MARK: Memory

    /// Addresses and credentials tracked at once; the least recently seen are forgotten beyond.
    public var maxTrackedClients = 50_000
    /// The same kind of event for the same client is recorded at most once in this many seconds
    /// (the count of repeats goes into the next one), so that a flood cannot flood the log.
    public var eventCooldown = 300.0

    public init() {}
}
