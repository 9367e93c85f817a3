/// What a password must be before Facet stores its hash: long enough, not one attackers try
/// first, not the user's own name.
///
/// Length beats complexity rules (NIST SP 800-63B): a passphrase of four words is stronger than
/// `P@ssw0rd!` and easier to remember, so Facet asks for length and refuses the known-weak ones
/// instead of asking for symbols.
///
/// ```swift
/// try PasswordRules().check("correct horse battery staple", userName: "ada")
/// ```
public struct PasswordRules: Sendable {
    /// The fewest characters a password may have.
    public var minimumLength: Int
    /// The most: bcrypt reads only the first 72 bytes, so a longer password would give a false
    /// sense of strength (and an attacker a cheap way to make each sign-in expensive).
    public var maximumBytes: Int

    public init(minimumLength: Int = 12, maximumBytes: Int = 72) {
        self.minimumLength = minimumLength
        self.maximumBytes = maximumBytes
    }

    /// Throws `invalid`, saying what is wrong and what to choose instead, unless `password` may
    /// be used by the user `userName`.
    public func check(_ password: String, userName: String) throws(SecurityError) {
        let advice = "Choose a passphrase of a few unrelated words, at least \(minimumLength) characters long."
        if password.count < minimumLength {
            throw SecurityError(.invalid, "The password is too short: \(password.count) characters, at least \(minimumLength) are needed",
                                advice: advice)
        }
        if password.utf8.count > maximumBytes {
            throw SecurityError(.invalid, "The password is too long: \(password.utf8.count) bytes, at most \(maximumBytes) are used",
                                advice: "Choose a passphrase of at most \(maximumBytes) bytes.")
        }
        let lowered = password.lowercased()
        if lowered == userName.lowercased() || Self.base(of: lowered) == userName.lowercased() {
            throw SecurityError(.invalid, "The password is the user name", advice: advice)
        }
        if CommonPasswords.list.contains(lowered) {
            throw SecurityError(.invalid, "The password is on the list of the most common passwords, which attackers try first",
                                advice: advice)
        }
        let base = Self.base(of: lowered)
        if base.count >= 4, CommonPasswords.list.contains(base) {
            throw SecurityError(.invalid, "The password is a common password (\"\(base)\") followed by digits or symbols, which attackers try first",
                                advice: advice)
        }
        if Set(password).count < 4 {
            throw SecurityError(.invalid, "The password repeats too few characters (\(Set(password).count) different ones)",
                                advice: advice)
        }
    }

    /// A random password that passes the rules: `length` letters and digits (about 5.8 bits
    /// each), for accounts created without one.
    public static func generate(length: Int = 24) -> String {
        SecretMaterial.password(length: max(length, 16))
    }

    /// `password` without the digits and punctuation at its end.
    static func base(of password: String) -> String {
        String(password.reversed().drop { !$0.isLetter }.reversed())
    }
}
