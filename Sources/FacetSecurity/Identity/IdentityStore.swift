import Foundation
import FacetStore
import HummingbirdBcrypt

/// A person who signs in to the studio.
public struct UserAccount: Sendable, Equatable {
    public var id: String
    /// Unique, compared without regard to case.
    public var name: String
    public var role: Role
    /// The `staff` document this user is (a client advisor's own record), for rules such as
    /// "the clients assigned to me".
    public var staffID: String?
    /// A disabled user cannot sign in, and their tokens stop working.
    public var disabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    public var passwordChangedAt: Date

    /// The user as the permission policy sees them.
    public var principal: Principal {
        Principal(id: id, name: name, role: role, kind: .user, staffID: staffID)
    }
}

/// Users and API tokens, kept in the security database (never in a content dataset, so that no
/// GROQ query, export or listener can reach them).
///
/// Passwords are stored as bcrypt hashes (cost 12 by default: about a quarter of a second each,
/// which is what makes a stolen database expensive to crack); they are checked against
/// ``PasswordRules`` first. Every change is recorded in the audit log with who made it.
///
/// ```swift
/// let identities = IdentityStore(database: database)
/// if let password = try identities.ensureAdmin() { print("admin password: \(password)") }
/// try identities.addUser(name: "ada", role: .sales, staffID: "staff-ada", password: "correct horse battery staple", by: .system())
/// let robot = try identities.createToken(name: "importer", role: .marketing, by: .system())
/// print(robot.secret)   // shown once; only its SHA-256 is kept
/// ```
public final class IdentityStore: Sendable {
    let database: SecurityDatabase
    let audit: AuditLog
    /// bcrypt's cost (log2 of its rounds) for new hashes.
    public let passwordCost: UInt8
    public let rules: PasswordRules
    /// Tokens checked recently, shared with ``SessionAuthority`` so that a change here (disable,
    /// role, revoke) takes effect at once in this process.
    let verified: VerifiedTokens

    /// `audit` is where user and token changes are recorded; by default a log of `database`
    /// that writes no checkpoints.
    public init(database: SecurityDatabase, audit: AuditLog? = nil, passwordCost: UInt8 = 12, rules: PasswordRules = PasswordRules()) {
        self.database = database
        // Beside the database, so that every process using it sees the others' revocations.
        // Processes sharing a SQLite file count changes in a file beside it. Servers sharing
        // PostgreSQL are on other machines: there a checked token is trusted for one second, so
        // a change made on one server bites on the others within a second.
        self.verified = database.dialect == .sqlite
            ? VerifiedTokens(generationPath: database.path + "-access-generation")
            : VerifiedTokens(lifetime: 1)
        self.audit = audit ?? AuditLog(database: database)
        self.passwordCost = passwordCost
        self.rules = rules
    }

    /// Names are unique whatever their case: SQLite by the column's collation, PostgreSQL by an
    /// index on the lowered name (names are ASCII, see ``checkName(_:of:)``).
    static let tables = [
        TableStep("identities", sqlite: ["""
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                role TEXT NOT NULL,
                staff_id TEXT,
                password_hash TEXT NOT NULL,
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at REAL NOT NULL,
                updated_at REAL NOT NULL,
                password_changed_at REAL NOT NULL
            );
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL COLLATE NOCASE,
                role TEXT NOT NULL,
                token_hash TEXT NOT NULL UNIQUE,
                created_at REAL NOT NULL,
                last_used_at REAL,
                revoked_at REAL
            );
            -- A name names one live token; revoked ones keep theirs for the record.
            CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens(name COLLATE NOCASE) WHERE revoked_at IS NULL;
            """], postgres: [
            """
            CREATE TABLE users (
                id text PRIMARY KEY,
                name text NOT NULL,
                role text NOT NULL,
                staff_id text,
                password_hash text NOT NULL,
                disabled bigint NOT NULL DEFAULT 0,
                created_at double precision NOT NULL,
                updated_at double precision NOT NULL,
                password_changed_at double precision NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX users_name ON users (lower(name))",
            """
            CREATE TABLE api_tokens (
                id text PRIMARY KEY,
                name text NOT NULL,
                role text NOT NULL,
                token_hash text NOT NULL UNIQUE,
                created_at double precision NOT NULL,
                last_used_at double precision,
                revoked_at double precision
            )
            """,
            "CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (lower(name)) WHERE revoked_at IS NULL",
        ]),
    ]

    // MARK: Users

    /// Creates a user. The password must pass ``rules``.
    @discardableResult
    public func addUser(name: String, role: Role, staffID: String? = nil, password: String, by actor: Principal) throws(SecurityError) -> UserAccount {
        try Self.checkName(name, of: "user")
        if let staffID, staffID.trimmingCharacters(in: .whitespaces).isEmpty {
            throw SecurityError(.invalid, "The staff id is empty", advice: "Give the _id of the user's staff document, or leave --staff out.")
        }
        try rules.check(password, userName: name)
        let hash = Bcrypt.hash(password, cost: passwordCost)
        let now = Date()
        let user = UserAccount(id: SecretMaterial.identifier("usr"), name: name, role: role, staffID: staffID, disabled: false,
                               createdAt: now, updatedAt: now, passwordChangedAt: now)
        try database.write { db in
            if try db.row("SELECT 1 FROM users WHERE lower(name) = lower(?)", [name]) != nil {
                throw SecurityError(.conflict, "A user named \"\(name)\" already exists",
                                    advice: "Choose another name, or change the existing user (set-role, reset-password, enable).")
            }
            try db.execute("""
                INSERT INTO users (id, name, role, staff_id, password_hash, disabled, created_at, updated_at, password_changed_at)
                VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)
                """, [user.id, name, role.rawValue, staffID, hash, now.timeIntervalSince1970,
                                 now.timeIntervalSince1970, now.timeIntervalSince1970])
        }
        try audit.record(AuditEvent(action: "user-change", actor: actor.author, actorRole: actor.role,
                                    details: ["change": "created", "user": .string(name), "userId": .string(user.id),
                                              "role": .string(role.rawValue)]))
        return user
    }

    /// Every user, by name.
    public func users() throws(SecurityError) -> [UserAccount] {
        try database.read { db in try db.rows("SELECT * FROM users ORDER BY lower(name), name").map(Self.account) }
    }

    /// The user called `name` (any case); `notFound` when there is none.
    public func user(named name: String) throws(SecurityError) -> UserAccount {
        guard let user = try database.read({ db in
            try db.row("SELECT * FROM users WHERE lower(name) = lower(?)", [name]).map(Self.account)
        }) else {
            throw SecurityError(.notFound, "No user named \"\(name)\"", advice: "List the users with `facet users list`.")
        }
        return user
    }

    /// The user with `id`, or `nil`.
    public func user(id: String) throws(SecurityError) -> UserAccount? {
        try database.read { db in try db.row("SELECT * FROM users WHERE id = ?", [id]).map(Self.account) }
    }

    /// Gives the user `name` the role `role`; audited as `role-change`. Their tokens carry the
    /// new role from their next request.
    @discardableResult
    public func setRole(_ role: Role, forUser name: String, by actor: Principal) throws(SecurityError) -> UserAccount {
        let before = try user(named: name)
        let after = try update(before) { db in
            try db.execute("UPDATE users SET role = ?, updated_at = ? WHERE id = ?", [role.rawValue, Date().timeIntervalSince1970, before.id])
        }
        try audit.record(AuditEvent(action: "role-change", actor: actor.author, actorRole: actor.role,
                                    details: ["user": .string(before.name), "userId": .string(before.id),
                                              "from": .string(before.role.rawValue), "to": .string(role.rawValue)]))
        return after
    }

    /// Disables (or enables again) the user `name`; audited as `user-change`. A disabled user
    /// cannot sign in, and the tokens they hold are refused.
    @discardableResult
    public func setDisabled(_ disabled: Bool, user name: String, by actor: Principal) throws(SecurityError) -> UserAccount {
        let before = try user(named: name)
        let after = try update(before) { db in
            try db.execute("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", [disabled, Date().timeIntervalSince1970, before.id])
        }
        try audit.record(AuditEvent(action: "user-change", actor: actor.author, actorRole: actor.role,
                                    details: ["change": .string(disabled ? "disabled" : "enabled"), "user": .string(before.name),
                                              "userId": .string(before.id)]))
        return after
    }

    /// Sets a new password for the user `name` and ends their sessions; audited as `user-change`.
    @discardableResult
    public func resetPassword(user name: String, to password: String, by actor: Principal) throws(SecurityError) -> UserAccount {
        let before = try user(named: name)
        try rules.check(password, userName: before.name)
        let hash = Bcrypt.hash(password, cost: passwordCost)
        let after = try update(before) { db in
            let now = Date().timeIntervalSince1970
            try db.execute("UPDATE users SET password_hash = ?, updated_at = ?, password_changed_at = ? WHERE id = ?", [hash, now, now, before.id])
            try SessionAuthority.revokeSessions(ofUser: before.id, in: db, now: Date(timeIntervalSince1970: now))
        }
        try audit.record(AuditEvent(action: "user-change", actor: actor.author, actorRole: actor.role,
                                    details: ["change": "password-reset", "user": .string(before.name), "userId": .string(before.id)]))
        return after
    }

    /// On first start (no users yet) creates the user `admin` with the admin role. Its password is
    /// `FACET_ADMIN_PASSWORD` from `environment` when set (it must pass ``rules``), otherwise
    /// generated and returned, for the caller to show once. Returns `nil` when nothing was
    /// generated.
    @discardableResult
    public func ensureAdmin(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecurityError) -> String? {
        let count = try database.read { db in try db.value("SELECT count(*) FROM users", as: Int.self) ?? 0 }
        guard count == 0 else { return nil }
        let given = environment["FACET_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        let password = given ?? SecretMaterial.password()
        do {
            try addUser(name: "admin", role: .admin, password: password, by: .system())
        } catch let error where error.kind == .invalid && given != nil {
            throw SecurityError(.invalid, "FACET_ADMIN_PASSWORD is refused: \(error.message)",
                                advice: (error.advice.map { $0 + " " } ?? "") + "Or unset it to have a password generated.")
        } catch let error where error.kind == .conflict {
            // Another process created the first user at the same moment.
            return nil
        }
        return given == nil ? password : nil
    }

    /// The user called `name` and their password hash, for signing in.
    func credentials(named name: String) throws(SecurityError) -> (user: UserAccount, hash: String)? {
        try database.read { db in
            try db.row("SELECT * FROM users WHERE lower(name) = lower(?)", [name]).map { (Self.account($0), $0["password_hash"]) }
        }
    }

    private func update(_ user: UserAccount, _ change: (any RelationalTransaction) throws -> Void) throws(SecurityError) -> UserAccount {
        let updated = try database.write { db in
            try change(db)
            return try db.row("SELECT * FROM users WHERE id = ?", [user.id]).map(Self.account)
        }
        verified.forget(principalID: user.id)
        guard let updated else { throw SecurityError(.notFound, "The user \"\(user.name)\" was removed meanwhile") }
        return updated
    }

    static func account(_ row: SQLRow) -> UserAccount {
        UserAccount(id: row["id"], name: row["name"], role: Role(rawValue: row["role"]) ?? .support, staffID: row["staff_id"],
                    disabled: row["disabled"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
                    passwordChangedAt: Date(timeIntervalSince1970: row["password_changed_at"]))
    }

    /// User and token names: what a shell, a log line and a URL take without quoting.
    static func checkName(_ name: String, of what: String) throws(SecurityError) {
        let allowed = name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._@-".unicodeScalars.contains($0) }
        guard (1...64).contains(name.count), allowed, name.first.map({ $0.isLetter || $0.isNumber }) ?? false else {
            throw SecurityError(.invalid, "Invalid \(what) name \"\(name)\"",
                                advice: "Use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit.")
        }
    }
}
