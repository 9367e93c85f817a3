import Foundation

/// Everything the threat monitor remembers, behind its lock. Every table is keyed by client
/// (address, credential digest or account) and pruned, so memory stays bounded whatever
/// clients do.
struct ThreatState: Sendable {
    var policy: ThreatPolicy {
        didSet { agentMatches = [:] }
    }
    var lastPrune: Double
    var inFlight = 0
    var buckets: [RateKey: TokenBucket] = [:]
    var rhythms: [String: Rhythm] = [:]
    var walks: [String: DocumentWalk] = [:]
    var failures: [String: FailureCount] = [:]
    /// Per event key: when it was last recorded and how many repeats were skipped since.
    var cooldowns: [String: (recorded: Double, skipped: Int)] = [:]
    /// The catalogue index each recent `User-Agent` matched (-1: none). A client sends the same
    /// header on every request, and matching it against the catalogue cost more than every other
    /// check of a request together.
    var agentMatches: [String: Int] = [:]
    static let agentMemory = 1_024
    /// What scanning each recent GROQ query found: an application sends the same few queries
    /// with different parameters, and the query is the longest text of a request.
    var scannedQueries: [String: [InjectionFinding]] = [:]
    static let queryMemory = 256

    init(policy: ThreatPolicy, lastPrune: Double) {
        self.policy = policy
        self.lastPrune = lastPrune
    }

    // MARK: Rate limits

    /// Whose bucket: kept as values rather than joined strings, as every request looks up two.
    enum RateKey: Hashable {
        case address(String)
        /// A credential, by its in-memory hash (see ``ThreatMonitor/limitKey(_:)``).
        case identity(Int)
        /// The stricter bucket of a client throttled as automation.
        case automation(String)
    }

    mutating func take(_ key: RateKey, _ limit: RateLimit, at now: Double) -> TokenBucket.Decision {
        var bucket = buckets[key].flatMap { $0.limit == limit ? $0 : nil } ?? TokenBucket(limit, now: now)
        let decision = bucket.take(at: now)
        buckets[key] = bucket
        if decision.allowed, sharesRates { spent[key, default: 0] += 1 }
        return decision
    }

    /// Whether tokens taken here are told to the other servers (see SharedRateLimits.swift).
    var sharesRates = false
    /// Tokens taken here since the last exchange with the other servers.
    var spent: [RateKey: Double] = [:]

    /// Takes `tokens` another server spent from `key`'s bucket.
    mutating func charge(_ key: RateKey, _ tokens: Double, at now: Double) {
        let limit = switch key {
        case .address: policy.addressLimit
        case .identity: policy.identityLimit
        case .automation: policy.automationLimit
        }
        var bucket = buckets[key].flatMap { $0.limit == limit ? $0 : nil } ?? TokenBucket(limit, now: now)
        bucket.charge(tokens, at: now)
        buckets[key] = bucket
    }

    // MARK: Cadence

    /// The last request times of one client.
    struct Rhythm: Sendable {
        var times: [Double] = []
    }

    /// Notes a request of `client`; describes the rhythm when the last intervals are
    /// machine-regular.
    mutating func noteCadence(_ client: String, at now: Double, policy: ThreatPolicy) -> String? {
        // Taken out and put back, so that the array is not copied on every request.
        var rhythm = rhythms.removeValue(forKey: client) ?? Rhythm()
        rhythm.times.append(now)
        if rhythm.times.count > policy.cadenceSamples + 1 { rhythm.times.removeFirst(rhythm.times.count - policy.cadenceSamples - 1) }
        let times = rhythm.times
        rhythms[client] = rhythm
        guard policy.cadenceSamples >= 2, times.count == policy.cadenceSamples + 1 else { return nil }
        let count = Double(times.count - 1)
        let mean = (times[times.count - 1] - times[0]) / count
        guard mean >= policy.cadenceMinInterval else { return nil }
        var variance = 0.0
        for index in 1..<times.count {
            let deviation = times[index] - times[index - 1] - mean
            variance += deviation * deviation
        }
        variance /= count
        let variation = variance.squareRoot() / mean
        guard variation < policy.cadenceMaxVariation else { return nil }
        return String(format: "%d requests %.2f s apart (variation %.3f): a machine's rhythm", times.count, mean, variation)
    }

    // MARK: Enumeration

    /// The documents one client read in the current minute, and its run of consecutive ids.
    struct DocumentWalk: Sendable {
        var windowStart: Double
        var distinct: Set<String> = []
        var lastPrefix: String?
        var lastNumber: Int?
        var run = 0
        var lastSeen: Double
    }

    mutating func noteDocuments(_ ids: [String], client: String, at now: Double, policy: ThreatPolicy) -> (score: Int, reason: String)? {
        guard !ids.isEmpty else { return nil }
        // Taken out and put back, so that the set is not copied on every request.
        var walk = walks.removeValue(forKey: client) ?? DocumentWalk(windowStart: now, lastSeen: now)
        if now - walk.windowStart >= 60 {
            walk.windowStart = now
            walk.distinct = []
        }
        walk.lastSeen = now
        var sequential = false
        for id in ids {
            // The distinct set only needs to reach the threshold; beyond it, more ids add nothing.
            if walk.distinct.count <= policy.distinctDocumentsPerMinute { walk.distinct.insert(id) }
            let (prefix, number) = Self.split(id)
            if let number, prefix == walk.lastPrefix, let last = walk.lastNumber, number == last + 1 {
                walk.run += 1
            } else {
                walk.run = number == nil ? 0 : 1
            }
            walk.lastPrefix = prefix
            walk.lastNumber = number
            if policy.sequentialRun > 0, walk.run >= policy.sequentialRun { sequential = true }
        }
        walks[client] = walk
        if sequential {
            return (75, "\(walk.run) consecutive ids read in order (\(walk.lastPrefix ?? "")…\(walk.lastNumber ?? 0))")
        }
        if walk.distinct.count > policy.distinctDocumentsPerMinute {
            return (70, "more than \(policy.distinctDocumentsPerMinute) distinct documents read within a minute")
        }
        return nil
    }

    /// `customer-42` → (`customer-`, 42); an id without trailing digits has no number.
    static func split(_ id: String) -> (prefix: String, number: Int?) {
        let digits = id.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 18 else { return (id, nil) }
        return (String(id.dropLast(digits.count)), Int(String(digits.reversed())))
    }

    // MARK: Sign-in failures

    /// Failed sign-ins of one account or address, and the lock-out they caused.
    struct FailureCount: Sendable {
        var failures = 0
        var lastFailure: Double
        var lockedUntil: Double = 0
    }

    // MARK: Events

    /// Whether an event with `key` may be recorded now; returns the number of repeats skipped
    /// since the last one, or `nil` while the key is cooling down.
    mutating func admitEvent(_ key: String, at now: Double) -> Int? {
        if let last = cooldowns[key], now - last.recorded < policy.eventCooldown {
            cooldowns[key] = (last.recorded, last.skipped + 1)
            return nil
        }
        let skipped = cooldowns[key]?.skipped ?? 0
        cooldowns[key] = (now, 0)
        return skipped
    }

    // MARK: Pruning

    /// Forgets what no longer matters: full buckets, stale rhythms and walks, failures past
    /// their memory, cooled-down events. Runs at most every 30 seconds, or at once when a table
    /// outgrows ``ThreatPolicy/maxTrackedClients``.
    /// The agent of the policy's catalogue that `userAgent` contains, if any.
    mutating func knownAgent(_ userAgent: String) -> KnownAgent? {
        if let index = agentMatches[userAgent] { return index < 0 ? nil : policy.knownAgents[index] }
        let index = KnownAgent.matchIndex(userAgent, in: policy.knownAgents)
        // Headers of any length could be sent to fill memory: only ordinary ones are remembered.
        if userAgent.utf8.count <= 512 {
            if agentMatches.count >= Self.agentMemory { agentMatches.removeAll(keepingCapacity: true) }
            agentMatches[userAgent] = index ?? -1
        }
        return index.map { policy.knownAgents[$0] }
    }

    mutating func pruneIfDue(at now: Double) {
        let cap = policy.maxTrackedClients
        let crowded = buckets.count > cap || rhythms.count > cap || walks.count > cap || failures.count > cap || cooldowns.count > cap
        guard crowded || now - lastPrune >= 30 else { return }
        lastPrune = now
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        rhythms = rhythms.filter { now - ($0.value.times.last ?? 0) < 600 }
        walks = walks.filter { now - $0.value.lastSeen < 120 }
        failures = failures.filter { $0.value.lockedUntil > now || now - $0.value.lastFailure < policy.failureMemory }
        cooldowns = cooldowns.filter { now - $0.value.recorded < policy.eventCooldown }
        // Still crowded (a flood of distinct clients): keep the most recently active, down to
        // nine tenths of the cap so that the sorting is paid once per many new clients, not per request.
        let keep = max(1, cap * 9 / 10)
        if buckets.count > cap {
            buckets = Dictionary(uniqueKeysWithValues: buckets.sorted { $0.value.updated > $1.value.updated }.prefix(keep).map { ($0.key, $0.value) })
        }
        if rhythms.count > cap {
            rhythms = Dictionary(uniqueKeysWithValues: rhythms.sorted { ($0.value.times.last ?? 0) > ($1.value.times.last ?? 0) }
                .prefix(keep).map { ($0.key, $0.value) })
        }
        if walks.count > cap {
            walks = Dictionary(uniqueKeysWithValues: walks.sorted { $0.value.lastSeen > $1.value.lastSeen }.prefix(keep).map { ($0.key, $0.value) })
        }
        if failures.count > cap {
            failures = Dictionary(uniqueKeysWithValues: failures.sorted { $0.value.lastFailure > $1.value.lastFailure }.prefix(keep)
                .map { ($0.key, $0.value) })
        }
        if cooldowns.count > cap {
            cooldowns = Dictionary(uniqueKeysWithValues: cooldowns.sorted { $0.value.recorded > $1.value.recorded }.prefix(keep)
                .map { ($0.key, $0.value) })
        }
    }

    /// Entries held across all tables (for tests of pruning and for `/metrics`).
    var trackedCount: Int { buckets.count + rhythms.count + walks.count + failures.count + cooldowns.count }
}
