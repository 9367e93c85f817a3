import Foundation

/// Brute-force protection for sign-ins: failures are counted per account *from one address*, and
/// per address across accounts; past a threshold each further failure doubles a lock-out (1 s,
/// 2 s, 4 s … up to the cap).
///
/// An account is never locked as a whole: failures from one address lock the account out of
/// that address only, so that an attacker elsewhere cannot lock a user (the admin) out of the
/// address they sign in from. An address guessing at many accounts is locked out of all of them.
///
/// Nothing here looks the account up: an unknown user name is counted and locked exactly like a
/// real one, with the same message and the same (no) database work, so neither the answer nor
/// its timing tells an attacker which accounts exist.
///
/// Servers sharing PostgreSQL count failures in its `login_failures` table, timed by the
/// database's clock, so that an attacker spreading guesses over the servers behind a load
/// balancer is locked out as soon as on one; a single machine counts them in memory.
///
/// ```swift
/// try security.threats.checkLogin(username: name, address: address)   // throws .throttled while locked
/// if passwordMatches { security.threats.loginSucceeded(username: name, address: address) }
/// else { security.threats.loginFailed(username: name, address: address) }
/// ```
extension ThreatMonitor {
    /// Whether failures are counted in the database every server shares.
    var countsFailuresInDatabase: Bool { database.dialect == .postgres }

    /// Throws `throttled` (with `retryAfter`) while `username` or `address` is locked out after
    /// failed sign-ins.
    public func checkLogin(username: String, address: String?) throws(SecurityError) {
        let keys = Self.loginKeys(username: username, address: address)
        if countsFailuresInDatabase {
            let wait = try database.read { db in
                try db.value("SELECT max(locked_until) - extract(epoch FROM clock_timestamp())::float8 FROM login_failures WHERE key IN (\(Self.placeholders(keys.count)))",
                             keys.map(\.key), as: Double.self)
            } ?? 0
            if wait > 0 { throw Self.lockedOut(seconds: wait) }
            return
        }
        let now = clock.now()
        let wait = state.withLock { state -> Double in
            state.pruneIfDue(at: now)
            return keys.map { (state.failures[$0.key]?.lockedUntil ?? 0) - now }.max() ?? 0
        }
        if wait > 0 { throw Self.lockedOut(seconds: wait) }
    }

    /// A failed sign-in: counts towards the lock-out of the account from the address and of the address; a
    /// lock-out is recorded as a security event (and so audited).
    public func loginFailed(username: String, address: String?) {
        let keys = Self.loginKeys(username: username, address: address)
        let policy = state.withLock { $0.policy }
        let lockouts: [(key: String, failures: Int, seconds: Double)]
        if countsFailuresInDatabase {
            // A failure that cannot be counted (the database gone) cannot have been checked either:
            // the sign-in itself failed with 503.
            lockouts = (try? database.write { db in
                let now = try db.value("SELECT extract(epoch FROM clock_timestamp())::float8", as: Double.self) ?? 0
                try db.execute("DELETE FROM login_failures WHERE last_failure < ? AND locked_until < ?", [now - policy.failureMemory, now])
                var started: [(key: String, failures: Int, seconds: Double)] = []
                for (key, isAccount) in keys {
                    var count = ThreatState.FailureCount(lastFailure: now)
                    if let row = try db.row("SELECT failures, last_failure, locked_until FROM login_failures WHERE key = ?", [key]) {
                        count.failures = row["failures"]
                        count.lastFailure = row["last_failure"]
                        count.lockedUntil = row["locked_until"]
                    }
                    if let lockout = Self.countFailure(&count, isAccount: isAccount, at: now, policy: policy) {
                        started.append((key, count.failures, lockout))
                    }
                    try db.execute("""
                        INSERT INTO login_failures (key, failures, last_failure, locked_until) VALUES (?, ?, ?, ?)
                        ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure,
                            locked_until = excluded.locked_until
                        """, [key, count.failures, count.lastFailure, count.lockedUntil])
                }
                return started
            }) ?? []
        } else {
            let now = clock.now()
            lockouts = state.withLock { state -> [(key: String, failures: Int, seconds: Double)] in
                var started: [(key: String, failures: Int, seconds: Double)] = []
                for (key, isAccount) in keys {
                    var count = state.failures[key] ?? ThreatState.FailureCount(lastFailure: now)
                    if let lockout = Self.countFailure(&count, isAccount: isAccount, at: now, policy: policy) {
                        started.append((key, count.failures, lockout))
                    }
                    state.failures[key] = count
                }
                return started
            }
        }
        for lockout in lockouts {
            let account = lockout.key.hasPrefix("account:")
            let subject = account ? "account \"\(username.prefix(64))\" from address \(address ?? "unknown")" : "address \(address ?? "unknown")"
            let event = SecurityEvent(kind: .lockout, score: min(100, 50 + 5 * lockout.failures),
                                      reason: "\(lockout.failures) failed sign-ins for the \(subject): locked for \(Self.duration(lockout.seconds))",
                                      address: address, identity: String(username.prefix(64)), path: "/v1/auth/login", action: .lockedOut)
            // A lock-out is always recorded (never merged by the cooldown): each one is evidence.
            _ = try? record(event)
        }
    }

    /// A successful sign-in: clears the account's failure count from that address (the
    /// address's own count stays: one right password does not excuse an address that guessed
    /// at many accounts).
    public func loginSucceeded(username: String, address: String?) {
        let key = Self.accountKey(username, address: address)
        if countsFailuresInDatabase {
            _ = try? database.write { db in try db.execute("DELETE FROM login_failures WHERE key = ?", [key]) }
        } else {
            state.withLock { _ = $0.failures.removeValue(forKey: key) }
        }
    }

    /// Counts one more failure at `now`; the lock-out it starts, in seconds, if any. Failures
    /// older than the policy's memory are forgotten unless a lock-out still runs.
    private static func countFailure(_ count: inout ThreatState.FailureCount, isAccount: Bool, at now: Double,
                                     policy: ThreatPolicy) -> Double? {
        if now - count.lastFailure > policy.failureMemory, count.lockedUntil <= now { count.failures = 0 }
        count.failures += 1
        count.lastFailure = now
        let threshold = max(1, isAccount ? policy.accountFailureThreshold : policy.addressFailureThreshold)
        guard count.failures >= threshold else { return nil }
        let seconds = Self.lockoutSeconds(failures: count.failures, threshold: threshold, policy: policy)
        count.lockedUntil = max(count.lockedUntil, now + seconds)
        return seconds
    }

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// The lock-out after `failures` failures: `base × 2^(failures − threshold)`, capped.
    static func lockoutSeconds(failures: Int, threshold: Int, policy: ThreatPolicy) -> Double {
        let doublings = Double(min(62, max(0, failures - threshold)))
        return min(policy.lockoutCap, policy.lockoutBase * pow(2, doublings))
    }

    /// The one message every lock-out gets, whichever account and whether or not it exists.
    static func lockedOut(seconds: Double) -> SecurityError {
        let whole = max(1, Int(seconds.rounded(.up)))
        return SecurityError(.throttled, "Too many failed sign-in attempts; try again in \(whole) second\(whole == 1 ? "" : "s")",
                             advice: "Wait before signing in again. If you forgot your password, ask an administrator to reset it.",
                             retryAfter: whole)
    }

    /// The key of the account as signed in to from `address`; a name is cut at 128 characters
    /// (no account name is longer), so that absurd names cannot take memory.
    static func accountKey(_ username: String, address: String?) -> String {
        "account:" + String(username.prefix(128)).trimmingCharacters(in: .whitespaces).lowercased() + "\u{1F}" + (address ?? "")
    }

    private static func loginKeys(username: String, address: String?) -> [(key: String, isAccount: Bool)] {
        var keys = [(accountKey(username, address: address), true)]
        if let address { keys.append(("login-address:" + address, false)) }
        return keys
    }

    private static func duration(_ seconds: Double) -> String {
        seconds < 60 ? "\(Int(seconds)) s" : "\(Int(seconds / 60)) min \(Int(seconds.truncatingRemainder(dividingBy: 60))) s"
    }
}
