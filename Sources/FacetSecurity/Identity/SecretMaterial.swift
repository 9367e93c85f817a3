import Crypto
import Foundation

/// Random secrets and their digests: API tokens, refresh tokens, signing keys, generated
/// passwords, ids.
enum SecretMaterial {
    /// `count` bytes from the system's cryptographically secure generator.
    static func randomBytes(_ count: Int) -> [UInt8] {
        SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }

    /// A random string of `bytes` bytes of entropy, base64url without padding (safe in URLs,
    /// headers and shells).
    static func randomToken(bytes: Int = 32) -> String {
        base64URL(randomBytes(bytes))
    }

    /// A random id with a readable prefix, e.g. `usr_3f9a…`.
    static func identifier(_ prefix: String) -> String {
        prefix + "_" + SecretMaterial.hex(randomBytes(12))
    }

    /// A password of `length` characters from letters and digits that are hard to confuse
    /// (no 0/O, 1/l/I), for accounts created without one.
    static func password(length: Int = 24) -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }

    /// SHA-256 of `text`, hex: how high-entropy tokens are stored (a slow hash adds nothing when
    /// the secret has 256 bits; a fast one keeps every request cheap).
    static func digest(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Lower-case hexadecimal, two digits a byte. Digests are written this way on every request
    /// and every audited transaction, so it avoids `String(format:)`, which costs a microsecond a byte.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
