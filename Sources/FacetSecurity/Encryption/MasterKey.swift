import Crypto
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The key-encryption key: it wraps every data key, and is never stored beside them.
///
/// It comes from `FACET_MASTER_KEY` (the base64 of 32 random bytes, e.g.
/// `head -c 32 /dev/urandom | base64`) or, when that is not set, from the key file `master.key`
/// in the data directory, created with mode 0600 on first start. Its id (``kid``) is the first 16
/// hex digits of its SHA-256, so the security database can say which master key wraps each
/// data key without holding anything secret.
public struct MasterKey: Sendable {
    /// Where the key came from.
    public enum Source: String, Sendable {
        /// The `FACET_MASTER_KEY` environment variable.
        case environment
        /// The key file in the data directory.
        case keyFile = "key file"
    }

    /// The key file's name in the data directory.
    public static let fileName = "master.key"
    /// A key written by a rotation in progress, before it becomes ``fileName``.
    static let nextFileName = "master.key.next"
    /// The previous key, kept until a rotation has rewritten everything.
    static let previousFileName = "master.key.old"

    public let kid: String
    public let source: Source
    let key: SymmetricKey

    init(key: SymmetricKey, source: Source) {
        self.key = key
        self.source = source
        kid = Self.kid(of: key)
    }

    /// A new random key.
    static func generate(source: Source) -> MasterKey {
        MasterKey(key: SymmetricKey(size: .bits256), source: source)
    }

    static func kid(of key: SymmetricKey) -> String {
        SecretMaterial.hex(key.withUnsafeBytes { SHA256.hash(data: $0) }.prefix(8))
    }

    var base64: String { key.withUnsafeBytes { Data($0).base64EncodedString() } }

    /// A key for `purpose` derived from this one with HKDF: a second secret that needs no
    /// keeping of its own, and changes when this key is rotated.
    func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("facet \(purpose)".utf8), outputByteCount: 32)
    }

    /// The key from `FACET_MASTER_KEY`, or `nil` when the variable is not set.
    static func fromEnvironment(_ environment: [String: String]) throws(SecurityError) -> MasterKey? {
        guard let text = environment["FACET_MASTER_KEY"] else { return nil }
        return try parse(text, origin: "FACET_MASTER_KEY", source: .environment)
    }

    /// The variable that holds the previous master key while `FACET_MASTER_KEY` is replaced.
    public static let previousVariable = "FACET_MASTER_KEY_PREVIOUS"

    /// The key from ``previousVariable``: the one `FACET_MASTER_KEY` held before, which opens
    /// what it wrapped until `facet keys rotate` has wrapped everything again with the new one.
    static func previousFromEnvironment(_ environment: [String: String]) throws(SecurityError) -> MasterKey? {
        guard let text = environment[previousVariable] else { return nil }
        guard environment["FACET_MASTER_KEY"] != nil else {
            throw SecurityError(.invalid, "\(previousVariable) is set without FACET_MASTER_KEY",
                                advice: "Set FACET_MASTER_KEY to the new key beside it, or unset \(previousVariable).")
        }
        return try parse(text, origin: previousVariable, source: .environment)
    }

    /// Parses the base64 of 32 bytes (surrounding white space allowed).
    static func parse(_ text: String, origin: String, source: Source) throws(SecurityError) -> MasterKey {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Data(base64Encoded: trimmed) else {
            throw SecurityError(.invalid, "\(origin) is not base64",
                                advice: "Give the base64 of 32 random bytes, e.g. the output of `head -c 32 /dev/urandom | base64`.")
        }
        guard bytes.count == 32 else {
            throw SecurityError(.invalid, "\(origin) holds \(bytes.count) bytes; a master key is 32 bytes (AES-256)",
                                advice: "Give the base64 of 32 random bytes, e.g. the output of `head -c 32 /dev/urandom | base64`.")
        }
        return MasterKey(key: SymmetricKey(data: bytes), source: source)
    }

    /// The keys found in the key files of `directory`: the current file first, then one a
    /// rotation is writing, then the previous one.
    static func keyFiles(in directory: String) throws(SecurityError) -> [MasterKey] {
        var found: [MasterKey] = []
        for name in [fileName, nextFileName, previousFileName] {
            let path = (directory as NSString).appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            try checkPrivate(path)
            found.append(try parse(String(decoding: data, as: UTF8.self), origin: "The key file \(path)", source: .keyFile))
        }
        return found
    }

    /// Refuses a key file other users may read: whoever reads it reads every sealed field.
    static func checkPrivate(_ path: String) throws(SecurityError) {
        var info = stat()
        guard stat(path, &info) == 0 else { return }
        if info.st_mode & 0o077 != 0 {
            throw SecurityError(.storage, "The key file \(path) may be read by other users (mode \(String(info.st_mode & 0o777, radix: 8)))",
                                advice: "Run `chmod 600 \(path)`; whoever can read it can read every encrypted field.")
        }
    }

    /// Writes `key` to a new file at `path`, readable by its owner only from the moment it
    /// exists. Returns `false` when the file exists already (another process made it first).
    static func writeNew(_ key: MasterKey, to path: String) throws(SecurityError) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        if descriptor < 0 {
            if errno == EEXIST { return false }
            throw SecurityError(.storage, "Cannot create the key file \(path): \(String(cString: strerror(errno)))",
                                advice: "Check that the data directory is writable, or set FACET_MASTER_KEY.")
        }
        defer { close(descriptor) }
        let bytes = Array((key.base64 + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw SecurityError(.storage, "Cannot write the key file \(path): \(String(cString: strerror(errno)))",
                                advice: "Check the free space of the data directory.")
        }
        return true
    }
}
