import Crypto
import Foundation

/// Signs asset URLs so that a page can show an image without sending credentials (`<img src>`
/// sends no `Authorization` header): `?exp=<unix seconds>&sig=<HMAC-SHA256 of the path and
/// expiry>`. A signature covers one asset's path until it expires, for any transform of it.
///
/// ```swift
/// let signer = AssetURLSigner(key: secret)
/// let url = signer.signed("/images/production/abc-800x600.jpg", expires: now + 3600)
/// signer.verdict(path: "/images/production/abc-800x600.jpg", query: parameters, now: now)   // .valid
/// ```
public struct AssetURLSigner: Sendable {
    private let key: SymmetricKey

    /// What a URL's signature says.
    public enum Verdict: Sendable, Equatable {
        /// The URL carries no signature: the caller must sign in.
        case unsigned
        case valid
        case expired
        case invalid
    }

    public init(key: [UInt8]) {
        self.key = SymmetricKey(data: key)
    }

    /// A signer with a key of its own, for a server without a master key (unsecured, in tests).
    public static func random() -> AssetURLSigner {
        AssetURLSigner(key: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    func signature(path: String, expires: Int) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(path)\n\(expires)".utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// `path` with `exp` and `sig` appended.
    public func signed(_ path: String, expires: Int) -> String {
        "\(path)?exp=\(expires)&sig=\(signature(path: path, expires: expires))"
    }

    /// Judges the `exp` and `sig` among a request's query parameters against its path.
    public func verdict(path: String, query: [(String, String)], now: Date = Date()) -> Verdict {
        let expires = query.first { $0.0 == "exp" }?.1
        let given = query.first { $0.0 == "sig" }?.1
        guard expires != nil || given != nil else { return .unsigned }
        guard let expires, let seconds = Int(expires), let given else { return .invalid }
        let expected = signature(path: path, expires: seconds)
        // Compared in constant time: a signature must not be found byte by byte from timings.
        guard expected.utf8.count == given.utf8.count,
              zip(expected.utf8, given.utf8).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0
        else { return .invalid }
        return Double(seconds) >= now.timeIntervalSince1970 ? .valid : .expired
    }
}
