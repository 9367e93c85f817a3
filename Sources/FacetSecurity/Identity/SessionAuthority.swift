import Foundation
import FacetStore
import GROQ
import JWTKit
import Synchronization

/// What a successful sign-in or refresh returns.
public struct SessionTokens: Sendable, Equatable {
    /// A JWT (HS256) to send as `Authorization: Bearer …`, valid for ``expiresIn`` seconds.
    public var accessToken: String
    /// An opaque token that buys the next pair, once.
    public var refreshToken: String
    /// Seconds until the access token expires.
    public var expiresIn: Int
    /// Who signed in.
    public var principal: Principal
}

/// A pair of tokens as issued, with what storing its refresh token needs.
struct IssuedPair: Sendable {
    var tokens: SessionTokens
    var claims: AccessClaims
    var issuedAt: Date
}

/// Signs users in and checks the tokens requests carry: access tokens (JWT), refresh tokens and
/// API tokens.
///
/// - Access tokens are JWTs signed with HS256 under a key named by the `kid` header (see
///   ``rotateSigningKey(by:)``), valid 15 minutes, each with a `jti` so that it can be revoked.
/// - Refresh tokens are opaque random strings, stored as SHA-256, in families: each refresh
///   returns a new one and marks the old one used; presenting a used one again means it was
///   stolen, and revokes the whole family (and the access tokens it issued). Two tabs of one
///   session that refresh at the same moment are not a theft: for ``refreshReuseGrace`` seconds
///   after a refresh, the same token returns the same new pair (kept sealed by the master key
///   for that long), and only a use after that revokes the family.
/// - Everything refused is refused with the one ``SecurityError/unauthenticated``: which part was
///   wrong goes to the audit log, never to the caller.
///
/// ```swift
/// let tokens = try await sessions.login(username: "ada", password: "correct horse battery staple", address: "10.0.0.7")
/// let ada = try await sessions.principal(forBearer: tokens.accessToken)
/// let next = try await sessions.refresh(token: tokens.refreshToken)
/// try await sessions.logout(accessToken: next.accessToken, refreshToken: next.refreshToken)
/// ```
public final class SessionAuthority: Sendable {
    let database: SecurityDatabase
    let identities: IdentityStore
    let audit: AuditLog
    /// Brute-force lock-out; `nil` checks none (sessions used without threat detection).
    let threats: ThreatMonitor?
    let keys: SigningKeys
    /// How long an access token lives, in seconds.
    public let accessLifetime: TimeInterval
    /// How long a refresh token may wait to be used, in seconds.
    public let refreshLifetime: TimeInterval
    /// How long after a refresh its used token still returns the pair it bought, in seconds.
    public let refreshReuseGrace: TimeInterval
    /// Seals the pair a refresh bought for the grace window; without it the pair is kept in the
    /// clear, as the signing keys are.
    let keyring: DataKeyring?
    /// A hash to check passwords against when the user does not exist, so that an unknown name
    /// costs the same bcrypt work as a wrong password.
    private let decoyHash = Mutex<String?>(nil)

    /// - Parameter encryption: whose master key seals the token signing keys in the database;
    ///   without it they are stored in the clear.
    public init(database: SecurityDatabase, identities: IdentityStore, audit: AuditLog, threats: ThreatMonitor? = nil,
                encryption: FieldEncryption? = nil,
                accessLifetime: TimeInterval = 15 * 60, refreshLifetime: TimeInterval = 14 * 24 * 3600,
                refreshReuseGrace: TimeInterval = 10)
    {
        self.database = database
        self.identities = identities
        self.audit = audit
        self.threats = threats
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
        self.refreshReuseGrace = refreshReuseGrace
        keyring = encryption.flatMap { try? $0.keyring }
        keys = SigningKeys(database: database, accessLifetime: accessLifetime, keyring: keyring)
    }

    static let tables = [
        TableStep("sessions", sqlite: ["""
            CREATE TABLE refresh_tokens (
                token_hash TEXT PRIMARY KEY,
                family TEXT NOT NULL,
                user_id TEXT NOT NULL,
                access_jti TEXT NOT NULL,
                access_expires_at REAL NOT NULL,
                created_at REAL NOT NULL,
                expires_at REAL NOT NULL,
                used_at REAL,
                revoked_at REAL
            );
            CREATE INDEX refresh_tokens_family ON refresh_tokens(family);
            CREATE INDEX refresh_tokens_access ON refresh_tokens(access_jti);
            CREATE TABLE revoked_access_tokens (
                jti TEXT PRIMARY KEY,
                expires_at REAL NOT NULL
            );
            """], postgres: [
            """
            CREATE TABLE refresh_tokens (
                token_hash text PRIMARY KEY,
                family text NOT NULL,
                user_id text NOT NULL,
                access_jti text NOT NULL,
                access_expires_at double precision NOT NULL,
                created_at double precision NOT NULL,
                expires_at double precision NOT NULL,
                used_at double precision,
                revoked_at double precision,
                successor bytea,
                successor_master_kid text
            )
            """,
            "CREATE INDEX refresh_tokens_family ON refresh_tokens (family)",
            "CREATE INDEX refresh_tokens_access ON refresh_tokens (access_jti)",
            "CREATE TABLE revoked_access_tokens (jti text PRIMARY KEY, expires_at double precision NOT NULL)",
        ]),
        // The pair a refresh bought, sealed by the master key, kept for the grace window.
        TableStep("refresh grace", sqlite: ["""
            ALTER TABLE refresh_tokens ADD COLUMN successor BLOB;
            ALTER TABLE refresh_tokens ADD COLUMN successor_master_kid TEXT;
            """], postgres: []),
    ]

    // MARK: Signing in

    /// Checks `username` and `password` and opens a session. Unknown user, wrong password and
    /// disabled user all fail alike with ``SecurityError/unauthenticated`` after the same bcrypt
    /// work; a locked-out name or address fails with `throttled` before any.
    public func login(username: String, password: String, address: String?) async throws(SecurityError) -> SessionTokens {
        try threats?.checkLogin(username: username, address: address)
        // Names are at most 64 characters: a longer one cannot exist, and is not looked up.
        var record: (user: UserAccount, hash: String)?
        if username.count <= 64 { record = try identities.credentials(named: username) }
        // The decoy is made before the first check whoever signs in, so that making it does not
        // single out the first unknown name.
        let fallback = await decoy()
        let hash = record?.hash ?? fallback
        let matches = await PasswordWork.verify(password, hash: hash)
        guard matches, let user = record?.user, !user.disabled else {
            threats?.loginFailed(username: username, address: address)
            let reason = record == nil ? "unknown-user" : !matches ? "wrong-password" : "disabled"
            _ = try? audit.record(AuditEvent(action: "login-failed", actor: String(username.prefix(64)), ipAddress: address,
                                             details: ["reason": .string(reason)]))
            throw .unauthenticated
        }
        threats?.loginSucceeded(username: username, address: address)
        try pruneExpired()
        let tokens = try await open(for: user, family: SecretMaterial.identifier("fam"))
        try audit.record(AuditEvent(action: "login", actor: user.name, actorRole: user.role, ipAddress: address,
                                    details: ["userId": .string(user.id)]))
        return tokens
    }

    /// Exchanges a refresh token for a new pair. The old refresh token is used up; presenting it
    /// again within ``refreshReuseGrace`` seconds returns the same pair (two tabs refreshing at
    /// once), and after that revokes its whole family (audited as `refresh-reuse`).
    public func refresh(token: String, address: String? = nil) async throws(SecurityError) -> SessionTokens {
        let digest = SecretMaterial.digest(token)
        let now = Date()
        enum Found { case unused(UserAccount, family: String), used, refused }
        let found = try database.read { db -> Found in
            guard let row = try db.row("SELECT * FROM refresh_tokens WHERE token_hash = ?", [digest]) else {
                return .refused
            }
            if (row["used_at"] as Double?) != nil { return .used }
            guard (row["revoked_at"] as Double?) == nil, (row["expires_at"] as Double) > now.timeIntervalSince1970,
                  let user = try db.row("SELECT * FROM users WHERE id = ?", [row["user_id"] as String]).map(IdentityStore.account),
                  !user.disabled
            else { return .refused }
            return .unused(user, family: row["family"])
        }
        switch found {
        case .refused:
            throw .unauthenticated
        case .used:
            return try await reused(digest, address: address, now: now)
        case .unused(let user, let family):
            // The pair is made before the token is marked used, and both are written in one
            // transaction with the sealed copy the grace window returns: a second refresh that
            // loses the race finds the token used and its pair ready.
            let pair = try await newPair(for: user)
            let kept: (data: Data, masterKid: String?)
            if let keyring {
                let sealed = try keyring.sealSecret(Self.encoded(pair), label: Self.successorLabel(digest))
                kept = (sealed.sealed, sealed.masterKid)
            } else {
                kept = (Self.encoded(pair), nil)
            }
            let won = try database.write { db -> Bool in
                let changed = try db.execute("UPDATE refresh_tokens SET used_at = ?, successor = ?, successor_master_kid = ? WHERE token_hash = ? AND used_at IS NULL",
                                             [now.timeIntervalSince1970, kept.data, kept.masterKid, digest])
                guard changed == 1 else { return false }
                try insert(pair, family: family, in: db)
                return true
            }
            guard won else { return try await reused(digest, address: address, now: now) }
            return pair.tokens
        }
    }

    /// A used refresh token presented again: the pair it bought while the grace window lasts,
    /// else the family is revoked.
    private func reused(_ digest: String, address: String?, now: Date) async throws(SecurityError) -> SessionTokens {
        enum Outcome { case again(Data, masterKid: String?, userID: String), refused, revoked(family: String, userID: String, [(String, Date)]) }
        let grace = refreshReuseGrace
        let outcome = try database.write { db -> Outcome in
            guard let row = try db.row("SELECT * FROM refresh_tokens WHERE token_hash = ?", [digest]) else { return .refused }
            let family: String = row["family"], userID: String = row["user_id"]
            if (row["revoked_at"] as Double?) == nil, let used = row["used_at"] as Double?, now.timeIntervalSince1970 - used <= grace,
               let kept = row["successor"] as Data?
            {
                return .again(kept, masterKid: row["successor_master_kid"], userID: userID)
            }
            return .revoked(family: family, userID: userID, try Self.revokeFamily(family, in: db, now: now))
        }
        switch outcome {
        case .refused:
            throw .unauthenticated
        case .again(let kept, let masterKid, let userID):
            let opened = masterKid.map { masterKid in try? keyring?.openSecret(kept, masterKid: masterKid, label: Self.successorLabel(digest)) } ?? kept
            guard let opened, let pair = Self.decoded(opened),
                  let user = try identities.user(id: userID), !user.disabled
            else { throw .unauthenticated }
            return SessionTokens(accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresIn: pair.expiresIn, principal: user.principal)
        case .revoked(let family, let userID, let revoked):
            for (jti, expires) in revoked { identities.verified.revoke(jti: jti, expires: expires) }
            let name = (try? identities.user(id: userID))?.name ?? userID
            _ = try? audit.record(AuditEvent(action: "refresh-reuse", actor: name, ipAddress: address,
                                             details: ["family": .string(family), "revokedAccessTokens": .number(Double(revoked.count))]))
            throw .unauthenticated
        }
    }

    /// The authenticated data of a sealed successor pair: it opens only for the token it replaced.
    private static func successorLabel(_ digest: String) -> String { "refresh successor \(digest)" }

    private static func encoded(_ pair: IssuedPair) -> Data {
        let json: JSONValue = ["accessToken": .string(pair.tokens.accessToken), "refreshToken": .string(pair.tokens.refreshToken),
                               "expiresIn": .number(Double(pair.tokens.expiresIn))]
        return Data(json.serialized().utf8)
    }

    private static func decoded(_ data: Data) -> (accessToken: String, refreshToken: String, expiresIn: Int)? {
        guard let json = try? JSONValue(parsing: String(decoding: data, as: UTF8.self)),
              let access = json["accessToken"]?.stringValue, let refresh = json["refreshToken"]?.stringValue,
              let expiresIn = json["expiresIn"]?.numberValue
        else { return nil }
        return (access, refresh, Int(expiresIn))
    }

    /// Ends a session: the access token is revoked until it expires, and the refresh family it
    /// belongs to (or that of `refreshToken`) is revoked with every access token it issued.
    /// Revocations are stored, so they hold after a restart.
    public func logout(accessToken: String?, refreshToken: String? = nil, address: String? = nil) async throws(SecurityError) {
        let now = Date()
        var claims: AccessClaims?
        if let accessToken {
            if accessToken.hasPrefix(IdentityStore.apiTokenPrefix) {
                throw SecurityError(.invalid, "An API token does not sign out",
                                    advice: "Revoke API tokens with `facet tokens revoke ID`.")
            }
            claims = try await verifiedClaims(accessToken)
        }
        let refreshDigest = refreshToken.map(SecretMaterial.digest)
        let revoked = try database.write { db -> [(String, Date)] in
            var revoked: [(String, Date)] = []
            var families: Set<String> = []
            if let claims {
                try db.execute("INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [claims.jti.value, claims.exp.value.timeIntervalSince1970])
                revoked.append((claims.jti.value, claims.exp.value))
                if let family = try db.value("SELECT family FROM refresh_tokens WHERE access_jti = ?", [claims.jti.value], as: String.self) {
                    families.insert(family)
                }
            }
            if let refreshDigest, let row = try db.row("SELECT family, user_id FROM refresh_tokens WHERE token_hash = ?", [refreshDigest]),
               claims.map({ $0.sub.value == (row["user_id"] as String) }) ?? true
            {
                families.insert(row["family"])
            }
            for family in families { revoked += try Self.revokeFamily(family, in: db, now: now) }
            return revoked
        }
        for (jti, expires) in revoked { identities.verified.revoke(jti: jti, expires: expires) }
        try audit.record(AuditEvent(action: "logout", actor: claims?.name ?? "unknown", actorRole: claims.flatMap { Role(rawValue: $0.role) },
                                    ipAddress: address, details: ["revokedAccessTokens": .number(Double(revoked.count))]))
    }

    // MARK: Checking tokens

    /// Who `token` (an access JWT or an API token) is. Refused with
    /// ``SecurityError/unauthenticated``: `alg` other than HS256 (`none` included), a wrong
    /// signature, an unknown `kid`, an expired or not yet valid token, a revoked one, a disabled
    /// or removed user, a revoked API token.
    public func principal(forBearer token: String) async throws(SecurityError) -> Principal {
        let verified = identities.verified
        if let principal = verified.principal(for: token) { return principal }
        let generation = verified.currentGeneration()
        guard token.utf8.count <= 4096 else { throw .unauthenticated }
        if token.hasPrefix(IdentityStore.apiTokenPrefix) {
            guard let api = try identities.liveToken(secret: token) else { throw .unauthenticated }
            verified.remember(token, as: api.principal, jti: nil, expires: nil, checkedIn: generation)
            return api.principal
        }
        let claims = try await verifiedClaims(token)
        let jti = claims.jti.value
        let (user, revoked) = try database.read { db in
            (try db.row("SELECT * FROM users WHERE id = ?", [claims.sub.value]).map(IdentityStore.account),
             try db.row("SELECT 1 FROM revoked_access_tokens WHERE jti = ?", [jti]) != nil)
        }
        guard let user, !user.disabled, !revoked, !verified.isRevoked(jti: jti) else { throw .unauthenticated }
        // The role and name are the user's now, not those at sign-in: a demotion applies at once.
        verified.remember(token, as: user.principal, jti: jti, expires: claims.exp.value, checkedIn: generation)
        return user.principal
    }

    /// Adds a new signing key; tokens signed with the previous one stay valid until they expire.
    /// Audited as `key-rotation`. Returns the new key's `kid`.
    @discardableResult
    public func rotateSigningKey(by actor: Principal = .system()) async throws(SecurityError) -> String {
        let kid = try await keys.rotate()
        try audit.record(AuditEvent(action: "key-rotation", actor: actor.author, actorRole: actor.role,
                                    details: ["key": "access-token-signing", "kid": .string(kid)]))
        return kid
    }

    /// The claims of `token` once its header, signature and times are checked.
    func verifiedClaims(_ token: String) async throws(SecurityError) -> AccessClaims {
        do {
            let header = try DefaultJWTParser().parse(Array(token.utf8), as: AccessClaims.self).header
            // The algorithm is fixed, whatever the header says: this is what stops `alg: none`
            // and algorithm confusion.
            guard header.alg == "HS256", let kid = header.kid, let loaded = try await keys.verifying(kid: kid) else {
                throw SecurityError.unauthenticated
            }
            return try await loaded.collection.verify(token, as: AccessClaims.self)
        } catch let error as SecurityError where error.kind == .storage {
            throw error
        } catch {
            throw .unauthenticated
        }
    }

    // MARK: Issuing

    /// A new access token and refresh token for `user` in `family`.
    private func open(for user: UserAccount, family: String) async throws(SecurityError) -> SessionTokens {
        let pair = try await newPair(for: user)
        try database.write { db in try insert(pair, family: family, in: db) }
        return pair.tokens
    }

    /// A signed access token and a new refresh token for `user`, not yet stored.
    private func newPair(for user: UserAccount) async throws(SecurityError) -> IssuedPair {
        let now = Date()
        let claims = AccessClaims(user: user, jti: SecretMaterial.identifier("jti"), issuedAt: now,
                                  expires: now.addingTimeInterval(accessLifetime))
        let refreshToken = SecretMaterial.randomToken()
        let accessToken = try await sign(claims)
        return IssuedPair(tokens: SessionTokens(accessToken: accessToken, refreshToken: refreshToken, expiresIn: Int(accessLifetime),
                                                principal: user.principal),
                          claims: claims, issuedAt: now)
    }

    /// Stores `pair`'s refresh token (as its digest) in `family`.
    private func insert(_ pair: IssuedPair, family: String, in db: any RelationalTransaction) throws {
        try db.execute("""
            INSERT INTO refresh_tokens (token_hash, family, user_id, access_jti, access_expires_at, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [SecretMaterial.digest(pair.tokens.refreshToken), family, pair.claims.sub.value, pair.claims.jti.value,
                             pair.claims.exp.value.timeIntervalSince1970, pair.issuedAt.timeIntervalSince1970,
                             pair.issuedAt.addingTimeInterval(refreshLifetime).timeIntervalSince1970])
    }

    /// `claims` signed with the current key.
    func sign(_ claims: AccessClaims) async throws(SecurityError) -> String {
        let loaded = try await keys.current()
        do {
            return try await loaded.collection.sign(claims, kid: JWKIdentifier(string: loaded.current), header: ["typ": "JWT"])
        } catch {
            throw SecurityError(.storage, "Cannot sign the access token: \(error)")
        }
    }

    /// Revokes every refresh token of `family` and the access tokens they issued that have not
    /// expired; returns those access tokens.
    static func revokeFamily(_ family: String, in db: any RelationalTransaction, now: Date) throws -> [(String, Date)] {
        let stamp = now.timeIntervalSince1970
        try db.execute("UPDATE refresh_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL", [stamp, family])
        let live = try db.rows("SELECT access_jti, access_expires_at FROM refresh_tokens WHERE family = ? AND access_expires_at > ?", [family, stamp])
        var revoked: [(String, Date)] = []
        for row in live {
            let jti: String = row["access_jti"]
            let expires: Double = row["access_expires_at"]
            try db.execute("INSERT INTO revoked_access_tokens (jti, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", [jti, expires])
            revoked.append((jti, Date(timeIntervalSince1970: expires)))
        }
        return revoked
    }

    /// Revokes every session of the user `userID` (after a password reset: whoever knew the old
    /// password must not stay signed in).
    static func revokeSessions(ofUser userID: String, in db: any RelationalTransaction, now: Date) throws {
        let families = try db.values("SELECT DISTINCT family FROM refresh_tokens WHERE user_id = ? AND revoked_at IS NULL", [userID], as: String.self)
        for family in families { _ = try revokeFamily(family, in: db, now: now) }
    }

    /// Forgets revocations of tokens that have expired anyway, and refresh tokens long dead.
    private func pruneExpired() throws(SecurityError) {
        let now = Date().timeIntervalSince1970
        try database.write { db in
            try db.execute("UPDATE refresh_tokens SET successor = NULL, successor_master_kid = NULL WHERE successor IS NOT NULL AND used_at < ?", [now - refreshReuseGrace])
            try db.execute("DELETE FROM revoked_access_tokens WHERE expires_at < ?", [now - AccessClaims.clockSkew])
            try db.execute("DELETE FROM refresh_tokens WHERE expires_at < ?", [now - 30 * 24 * 3600])
        }
    }

    /// The decoy hash, made on first need at the cost real hashes have.
    private func decoy() async -> String {
        if let hash = decoyHash.withLock({ $0 }) { return hash }
        let hash = await PasswordWork.hash(SecretMaterial.randomToken(), cost: identities.passwordCost)
        decoyHash.withLock { $0 = $0 ?? hash }
        return hash
    }
}
