import Foundation
import Synchronization

/// Bearer tokens checked in the last few seconds, and the access tokens revoked by this process.
///
/// Checking an access token costs an HMAC, a JSON decode and a database read (is the user still
/// enabled, is the token revoked); an `_id` lookup costs about as much. A token a client sends
/// with every request is therefore remembered for ``lifetime`` seconds (never past its expiry),
/// so that most requests pay a dictionary lookup and a `stat` of the ``AccessGeneration`` file.
/// Every change that takes access away (sign-out, a user disabled, a role changed, a token
/// revoked), in this process or another (a `facet` command, a second server), starts a new
/// generation, which empties the memory: the change bites on the next request.
final class VerifiedTokens: Sendable {
    struct Entry {
        let principal: Principal
        let jti: String?
        let validUntil: Date
    }

    private struct State {
        var entries: [String: Entry] = [:]
        /// Access tokens revoked here, by `jti`, until their expiry.
        var revoked: [String: Date] = [:]
        /// The generation `entries` were checked in.
        var generation: AccessGeneration.Stamp?
    }

    /// How long a checked token is trusted without checking again, in seconds.
    let lifetime: TimeInterval
    /// Beyond this many tokens the memory is cleared rather than grown: a flood of distinct
    /// tokens must not exhaust memory.
    let capacity: Int
    private let state = Mutex(State())
    let generation: AccessGeneration

    /// `generationPath` is the file that processes sharing the security database count changes
    /// in; `nil` shares nothing (changes in other processes then go unseen until ``lifetime``).
    init(lifetime: TimeInterval = 5, capacity: Int = 10_000, generationPath: String? = nil) {
        self.lifetime = lifetime
        self.capacity = capacity
        self.generation = AccessGeneration(path: generationPath)
        if let generationPath, !FileManager.default.fileExists(atPath: generationPath) {
            _ = FileManager.default.createFile(atPath: generationPath, contents: nil, attributes: [.posixPermissions: 0o600])
        }
    }

    /// The generation now: read it before checking a token against the database, and hand it to
    /// ``remember(_:as:jti:expires:checkedIn:now:)``.
    func currentGeneration() -> AccessGeneration.Stamp { generation.current() }

    /// Whom `token` was found to be, if that was checked less than ``lifetime`` ago and nothing
    /// has been taken away since.
    func principal(for token: String, now: Date = Date()) -> Principal? {
        let current = generation.current()
        return state.withLock { state in
            if state.generation != current {
                state.entries.removeAll(keepingCapacity: true)
                state.generation = current
                return nil
            }
            guard let entry = state.entries[token] else { return nil }
            if entry.validUntil <= now || entry.jti.map({ state.revoked[$0] != nil }) ?? false {
                state.entries[token] = nil
                return nil
            }
            return entry.principal
        }
    }

    /// Remembers that `token` is `principal`, until `expires` at the latest; unless a change
    /// took access away since `checked`, the generation the database was read in.
    func remember(_ token: String, as principal: Principal, jti: String?, expires: Date?, checkedIn checked: AccessGeneration.Stamp,
                  now: Date = Date())
    {
        let until = min(expires ?? .distantFuture, now.addingTimeInterval(lifetime))
        guard generation.current() == checked else { return }
        state.withLock { state in
            guard state.generation == checked else { return }
            if let jti, state.revoked[jti] != nil { return }
            if state.entries.count >= capacity {
                state.entries = state.entries.filter { $0.value.validUntil > now }
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[token] = Entry(principal: principal, jti: jti, validUntil: until)
        }
    }

    /// The access token `jti` is revoked until `expires`.
    func revoke(jti: String, expires: Date, now: Date = Date()) {
        state.withLock { state in
            if state.revoked.count >= capacity { state.revoked = state.revoked.filter { $0.value > now } }
            state.revoked[jti] = expires
            state.entries = state.entries.filter { $0.value.jti != jti }
        }
        generation.bump()
    }

    func isRevoked(jti: String) -> Bool {
        state.withLock { $0.revoked[jti] != nil }
    }

    /// Forgets every token of the user or API token `principalID` (disabled, role changed,
    /// revoked), so that their next request is checked against the database.
    func forget(principalID: String) {
        state.withLock { state in state.entries = state.entries.filter { $0.value.principal.id != principalID } }
        generation.bump()
    }
}
