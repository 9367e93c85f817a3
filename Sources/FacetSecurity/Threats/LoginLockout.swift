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
/// ```swift
/// try security.threats.checkLogin(username: name, address: address)   // throws .throttled while locked
/// if passwordMatches { security.threats.loginSucceeded(username: name, address: address) }
/// else { security.threats.loginFailed(username: name, address: address) }
/// ```
extension ThreatMonitor {
    /// Throws `throttled` (with `retryAfter`) while `username` or `address` is locked out after
    /// failed sign-ins.
    public func checkLogin(username: String, address: String?) throws(SecurityError) {
        let now = clock.now()
        let keys = Self.loginKeys(username: username, address: address)
        let wait = state.withLock { state -> Double in
            state.pruneIfDue(at: now)
            return keys.map { (state.failures[$0.key]?.lockedUntil ?? 0) - now }.max() ?? 0
        }
        if wait > 0 { throw Self.lockedOut(seconds: wait) }
    }

    /// A failed sign-in: counts towards the lock-out of the account from the address and of the address; a
    /// lock-out is recorded as a security event (and so audited).
    public func loginFailed(username: String, address: String?) {
        let now = clock.now()
        let keys = Self.loginKeys(username: username, address: address)
        let lockouts = state.withLock { state -> [(key: String, failures: Int, seconds: Double)] in
            let policy = state.policy
            var started: [(key: String, failures: Int, seconds: Double)] = []
            for (key, isAccount) in keys {
                var count = state.failures[key] ?? ThreatState.FailureCount(lastFailure: now)
                if now - count.lastFailure > policy.failureMemory, count.lockedUntil <= now { count.failures = 0 }
                count.failures += 1
                count.lastFailure = now
                let threshold = max(1, isAccount ? policy.accountFailureThreshold : policy.addressFailureThreshold)
                if count.failures >= threshold {
                    let seconds = Self.lockoutSeconds(failures: count.failures, threshold: threshold, policy: policy)
                    count.lockedUntil = max(count.lockedUntil, now + seconds)
                    started.append((key, count.failures, seconds))
                }
                state.failures[key] = count
            }
            return started
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
        state.withLock { _ = $0.failures.removeValue(forKey: key) }
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
        "account:" + String(username.prefix(128)).trimmingCharacters(in: .whitespaces).lowercased() + "\u{0}" + (address ?? "")
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
