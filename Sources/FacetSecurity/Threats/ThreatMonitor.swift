import Crypto
import Dispatch
import Foundation
import FacetStore
import GROQ
import Synchronization

/// A monotonic clock in seconds, injectable so that rate and lock-out arithmetic can be tested
/// without waiting.
public struct ThreatClock: Sendable {
    public let now: @Sendable () -> Double

    public init(_ now: @escaping @Sendable () -> Double) {
        self.now = now
    }

    /// Seconds since the machine started (never steps back with the wall clock).
    public static let system = ThreatClock { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// What the server knows of a request before it handles it.
public struct RequestSignals: Sendable {
    public var method: String
    public var path: String
    /// The client's IP address.
    public var address: String?
    public var userAgent: String?
    /// The `Authorization` header: kept only as a hash (the key of its rate limit) and, in events, a digest.
    public var credential: String?
    /// The decoded query-string parameters.
    public var parameters: [(name: String, value: String)]
    /// The document ids the request reads (from a `/data/doc/…` path).
    public var documentIDs: [String]

    public init(method: String, path: String, address: String? = nil, userAgent: String? = nil, credential: String? = nil,
                parameters: [(name: String, value: String)] = [], documentIDs: [String] = [])
    {
        self.method = method
        self.path = path
        self.address = address
        self.userAgent = userAgent
        self.credential = credential
        self.parameters = parameters
        self.documentIDs = documentIDs
    }
}

/// The monitor's answer for one request, with what the rate-limit headers should say.
public struct RequestVerdict: Sendable, Equatable {
    public enum Decision: Sendable, Equatable {
        /// Handle it.
        case proceed
        /// 429: over a rate limit.
        case throttle
        /// 403: refused by policy (a scraper).
        case refuse
    }

    public var decision: Decision
    /// Why, when the request is not handled.
    public var reason: String
    /// `X-RateLimit-Limit`: the burst of the strictest bucket the request was counted in.
    public var limit: Int
    /// `X-RateLimit-Remaining`.
    public var remaining: Int
    /// `Retry-After` in whole seconds (0 when proceeding).
    public var retryAfter: Int
    /// The events this request caused that were recorded (repeats within the cooldown are not).
    public var events: [SecurityEvent]
}

/// Watches requests and sign-ins for abuse, answers what to do about each, and records what it
/// finds as security events (also audited as `security-event`).
///
/// It is pure logic over memory (token buckets, failure counts, request rhythms: all pruned so
/// they stay bounded) plus the security database for the events; the HTTP side lives in the
/// server's threat middleware.
///
/// ```swift
/// let verdict = security.threats.assess(RequestSignals(method: "GET", path: "/v1/data/query/production",
///                                                      address: "203.0.113.9", userAgent: "GPTBot/1.1"))
/// verdict.decision // .refuse
/// ```
public final class ThreatMonitor: Sendable {
    let database: SecurityDatabase
    let audit: AuditLog
    let clock: ThreatClock
    let state: Mutex<ThreatState>
    /// Where the exchange of spent tokens with other servers stands (see SharedRateLimits.swift).
    let rateExchange = Mutex(RateExchange())

    public init(database: SecurityDatabase, audit: AuditLog, policy: ThreatPolicy = ThreatPolicy(), clock: ThreatClock = .system) {
        self.database = database
        self.audit = audit
        self.clock = clock
        state = Mutex(ThreatState(policy: policy, lastPrune: clock.now()))
        if database.dialect == .postgres { startSharingRates() }
    }

    /// The thresholds and decisions in force; changing them applies to the next request.
    public var policy: ThreatPolicy {
        get { state.withLock { $0.policy } }
        set { state.withLock { $0.policy = newValue } }
    }

    /// Requests admitted and not yet finished.
    public var inFlight: Int { state.withLock { $0.inFlight } }

    // MARK: Requests

    /// Decides what to do with a request: proceed (within its rate limits), throttle or refuse;
    /// records what it noticed.
    public func assess(_ request: RequestSignals) -> RequestVerdict {
        let now = clock.now()
        // The rate limit of a credential is kept under a fast in-memory hash; the digest that
        // names it in events is only worked out when there is an event.
        let limitKey = request.credential.map(Self.limitKey)
        let client = request.address ?? "unknown"
        var candidates: [SecurityEvent] = []
        var injection = ThreatResponse.flag
        var verdict = state.withLock { state -> RequestVerdict in
            state.pruneIfDue(at: now)
            let policy = state.policy
            injection = policy.injection
            var suspicions: [(AutomationClass, Int, String)] = []
            if let agent = request.userAgent, !agent.isEmpty {
                if let known = state.knownAgent(agent) {
                    suspicions.append((known.automation, known.score, "user agent matches \(known.token) (\(known.automation.rawValue))"))
                }
            } else {
                suspicions.append((.missingUserAgent, 20, "no User-Agent header"))
            }
            if !policy.cadenceExemptPaths.contains(request.path), let rhythm = state.noteCadence(client, at: now, policy: policy) {
                suspicions.append((.regularCadence, 60, rhythm))
            }
            if let walk = state.noteDocuments(request.documentIDs, client: client, at: now, policy: policy) {
                suspicions.append((.enumeration, walk.score, walk.reason))
            }

            var decision = RequestVerdict.Decision.proceed
            var throttled = false
            var reason = ""
            for (automation, score, why) in suspicions {
                let response = policy.automation[automation] ?? .allow
                guard response != .allow else { continue }
                let kind: SecurityEventKind = switch automation {
                case .regularCadence: .cadence
                case .enumeration: .enumeration
                default: .automation
                }
                let action: ThreatAction = switch response {
                case .refuse: .refused
                case .throttle: .throttled
                case .allow, .flag: .flagged
                }
                if response == .refuse, decision != .refuse {
                    decision = .refuse
                    reason = "Automated clients of this kind (\(automation.rawValue)) are not allowed"
                }
                if response == .throttle { throttled = true }
                candidates.append(SecurityEvent(kind: kind, score: score, reason: why, address: request.address, identity: nil,
                                                path: request.path, userAgent: request.userAgent, action: action))
            }
            if decision == .refuse {
                return RequestVerdict(decision: .refuse, reason: reason, limit: policy.addressLimit.burst, remaining: 0, retryAfter: 0, events: [])
            }

            // The strictest bucket that applies decides; every bucket is charged, so that a
            // client cannot save its address's tokens by spreading requests over credentials.
            var buckets: [(key: ThreatState.RateKey, limit: RateLimit)] = [(.address(client), policy.addressLimit)]
            if let limitKey { buckets.append((.identity(limitKey), policy.identityLimit)) }
            if throttled { buckets.append((.automation(client), policy.automationLimit)) }
            var limit = Int.max, remaining = Int.max, wait = 0.0, allowed = true
            for (key, rate) in buckets {
                let outcome = state.take(key, rate, at: now)
                if !outcome.allowed { allowed = false }
                wait = max(wait, outcome.retryAfter)
                if outcome.remaining < remaining || (outcome.remaining == remaining && rate.burst < limit) {
                    remaining = outcome.remaining
                    limit = rate.burst
                }
            }
            if !allowed {
                decision = .throttle
                reason = "Too many requests; slow down"
                candidates.append(SecurityEvent(kind: .rateLimit, score: throttled ? 60 : 40,
                                                reason: "over the rate limit (\(limit) requests burst)",
                                                address: request.address, identity: nil, path: request.path,
                                                userAgent: request.userAgent, action: .throttled))
            }
            let retryAfter = allowed ? 0 : Int(min(wait, 86_400).rounded(.up))
            return RequestVerdict(decision: decision, reason: reason, limit: limit, remaining: remaining, retryAfter: max(allowed ? 0 : 1, retryAfter),
                                  events: [])
        }

        if verdict.decision != .refuse {
            let findings = scanParameters(request.parameters)
            if let event = injectionEvent(findings, request: request, identity: nil, response: injection) {
                candidates.append(event)
                if injection == .refuse, verdict.decision == .proceed {
                    verdict.decision = .refuse
                    verdict.reason = "The request carries injection patterns"
                }
            }
        }
        if !candidates.isEmpty, let credential = request.credential {
            let identity = Self.credentialIdentity(credential)
            for index in candidates.indices { candidates[index].identity = identity }
        }
        verdict.events = recordOnce(candidates, at: now)
        return verdict
    }

    /// Looks for injection patterns in a request body (the JSON of a write), records what it
    /// finds and returns it. The body is only read: what is stored is never altered.
    @discardableResult
    public func inspect(body: JSONValue, request: RequestSignals) -> [InjectionFinding] {
        let policy = policy
        let findings = InjectionScanner.standard.scan(body, at: "body", budget: policy.injectionScanLimit)
        if let event = injectionEvent(findings, request: request, identity: request.credential.map(Self.credentialIdentity),
                                      response: policy.injection)
        {
            _ = recordOnce([event], at: clock.now())
        }
        return findings
    }

    private func scanParameters(_ parameters: [(name: String, value: String)]) -> [InjectionFinding] {
        var findings: [InjectionFinding] = []
        for (name, value) in parameters {
            // A GROQ query is GROQ: only its data (parameters) are looked at for GROQ syntax.
            if name == "query" {
                findings += scannedQuery(value)
                continue
            }
            findings += InjectionScanner.standard.scan(name, at: "query parameter name")
            var found = InjectionScanner.standard.scan(value, at: "query parameter \(name)")
            if !found.isEmpty, InjectionScanner.isSecret(name) {
                for index in found.indices { found[index].excerpt = "(hidden)" }
            }
            findings += found
        }
        return findings
    }

    private static let queryScanner = InjectionScanner(kinds: [.sql, .script])

    /// What the GROQ query `text` carries, scanned once per distinct query while it is recent.
    private func scannedQuery(_ text: String) -> [InjectionFinding] {
        if let known = state.withLock({ $0.scannedQueries[text] }) { return known }
        let found = Self.queryScanner.scan(text, at: "query parameter query")
        guard text.utf8.count <= 4_096 else { return found }
        state.withLock { state in
            if state.scannedQueries.count >= ThreatState.queryMemory { state.scannedQueries.removeAll(keepingCapacity: true) }
            state.scannedQueries[text] = found
        }
        return found
    }

    private func injectionEvent(_ findings: [InjectionFinding], request: RequestSignals, identity: String?,
                                response: ThreatResponse) -> SecurityEvent?
    {
        guard response != .allow, let strongest = findings.max(by: { $0.score < $1.score }) else { return nil }
        var patterns = findings.prefix(10).map { "\($0.kind.rawValue)/\($0.pattern) in \($0.location): \($0.excerpt)" }
        if findings.count > 10 { patterns.append("and \(findings.count - 10) more") }
        let action: ThreatAction = response == .refuse ? .refused : .flagged
        return SecurityEvent(kind: .injection, score: strongest.score, reason: patterns.joined(separator: "; "), address: request.address,
                             identity: identity, path: request.path, userAgent: request.userAgent, action: action)
    }

    // MARK: Overload

    /// Admits a request unless ``ThreatPolicy/maxInFlight`` are already being handled; an
    /// admitted request must be ended with ``finish()``.
    public func admit(_ request: RequestSignals) -> Bool {
        let admitted = state.withLock { state in
            guard state.inFlight < state.policy.maxInFlight else { return false }
            state.inFlight += 1
            return true
        }
        if !admitted {
            let event = SecurityEvent(kind: .overload, score: 40, reason: "more than \(policy.maxInFlight) requests in flight",
                                      address: request.address, path: request.path, userAgent: request.userAgent, action: .shed)
            _ = recordOnce([event], at: clock.now(), client: "server")
        }
        return admitted
    }

    /// An admitted request is done.
    public func finish() {
        state.withLock { $0.inFlight = max(0, $0.inFlight - 1) }
    }

    /// A client did not send its body within ``ThreatPolicy/bodyReadTimeout``.
    public func bodyTimedOut(_ request: RequestSignals) {
        let event = SecurityEvent(kind: .slowClient, score: 40, reason: "request body not received within \(policy.bodyReadTimeout) s",
                                  address: request.address, path: request.path, userAgent: request.userAgent, action: .shed)
        _ = recordOnce([event], at: clock.now())
    }

    // MARK: Recording

    /// Records each event unless the same kind was recorded for the same client within the
    /// cooldown; the number of repeats skipped goes into the reason of the next one recorded.
    func recordOnce(_ events: [SecurityEvent], at now: Double, client: String? = nil) -> [SecurityEvent] {
        var recorded: [SecurityEvent] = []
        for var event in events {
            // Injection probes are told apart by where they were aimed; other kinds by client alone.
            let target = event.kind == .injection ? "|" + (event.path ?? "") : ""
            let key = "\(event.kind.rawValue)|\(client ?? event.address ?? event.identity ?? "unknown")|\(event.action.rawValue)\(target)"
            let skipped = state.withLock { state -> Int? in state.admitEvent(key, at: now) }
            guard let skipped else { continue }
            if skipped > 0 { event.reason += " (\(skipped) similar since the last event)" }
            // Threat detection must not fail a request because its record could not be written;
            // the request's own handling reports storage trouble.
            if let stored = try? record(event) { recorded.append(stored) }
        }
        return recorded
    }

    /// The key of a credential's rate limit: the first 8 bytes of its SHA-256, the same on every
    /// server (servers sharing a database count a credential's requests together).
    static func limitKey(_ credential: String) -> Int {
        SHA256.hash(data: Array(credential.utf8)).withUnsafeBytes { $0.loadUnaligned(as: Int.self) }
    }

    /// The identity of a credential in events: a short digest, never the secret.
    static func credentialIdentity(_ credential: String) -> String {
        let digest = SHA256.hash(data: Array(credential.utf8))
        return "token:" + SecretMaterial.hex(digest.prefix(8))
    }
}
