import Crypto
import Foundation

/// The `sanity-webhook-signature` header, as Sanity signs webhooks and its `@sanity/webhook`
/// package checks them: `t=<milliseconds>,v1=<base64url(HMAC-SHA256(secret, "<t>.<body>"))>`,
/// without padding. The time is in the signed text, so a receiver can refuse old replays.
///
/// ```swift
/// let header = WebhookSignature.header(body: bytes, secret: "s3cret", at: Date())
/// WebhookSignature.isValid(header, body: bytes, secret: "s3cret")   // true
/// ```
public enum WebhookSignature {
    /// The header for `body` signed with `secret` at `date`.
    public static func header(body: some Collection<UInt8>, secret: String, at date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        return "t=\(milliseconds),v1=\(signature(body: body, secret: secret, timestamp: milliseconds))"
    }

    /// The `v1` part: the HMAC of `"<timestamp>.<body>"`, base64url without padding.
    public static func signature(body: some Collection<UInt8>, secret: String, timestamp: Int64) -> String {
        var message = Array("\(timestamp).".utf8)
        message.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return Data(code).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Whether `header` signs `body` with `secret`, as a receiver checks it.
    public static func isValid(_ header: String, body: some Collection<UInt8>, secret: String) -> Bool {
        var timestamp: Int64?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp else { return false }
        let expected = Array(signature(body: body, secret: secret, timestamp: timestamp).utf8)
        return signatures.contains { candidate in
            let given = Array(candidate.utf8)
            guard given.count == expected.count else { return false }
            return zip(given, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
