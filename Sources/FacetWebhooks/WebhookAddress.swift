import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a hook may send: an `http` or `https` URL whose host is not on this machine or its
/// private network, unless the server's settings allow it.
///
/// A hook that could reach `127.0.0.1:5432` or `169.254.169.254` would let anyone who can
/// write a hook make the server talk to what sits behind its firewall. The host is checked
/// when the hook is written (a literal address) and again before every delivery (what the name
/// resolves to then), so a name that later resolves inward is refused too.
public enum WebhookAddress {
    /// `text` as a hook's URL, or why it cannot be one.
    static func checkedURL(_ text: String) throws(WebhookError) -> String {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else {
            throw WebhookError(.invalid, "\"url\" \(text) is not an http or https URL", field: "url",
                               advice: "Write the receiver's full address, such as https://shop.example/hooks/facet.")
        }
        guard components.user == nil, components.password == nil else {
            throw WebhookError(.invalid, "\"url\" carries a user name or password", field: "url",
                               advice: "Send credentials in a header (\"headers\": {\"authorization\": …}) or sign with a secret.")
        }
        guard components.fragment == nil else {
            throw WebhookError(.invalid, "\"url\" has a #fragment, which is never sent", field: "url")
        }
        return text
    }

    /// Why a delivery to `host` is refused (it resolves to a loopback, private, link-local or
    /// otherwise internal address), or `nil` when it may go; `nil` too when private addresses
    /// are allowed. A name that does not resolve is left to the connection to report.
    public static func refusal(host: String, allowPrivate: Bool) async -> String? {
        guard !allowPrivate else { return nil }
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let addresses = await withCheckedContinuation { (continuation: CheckedContinuation<[[UInt8]], Never>) in
            // getaddrinfo blocks: off Swift's shared threads.
            DispatchQueue.global().async { continuation.resume(returning: resolve(bare)) }
        }
        for address in addresses {
            if let kind = internalKind(address) {
                return "\(host) is \(kind) (\(render(address))): hooks may not send inside this machine or its network "
                    + "unless the server's webhooks.allowPrivateAddresses setting is true"
            }
        }
        return nil
    }

    /// The IPv4 (4 bytes) and IPv6 (16 bytes) addresses `host` resolves to.
    static func resolve(_ host: String) -> [[UInt8]] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [[UInt8]] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if let socket = entry.pointee.ai_addr {
                if entry.pointee.ai_family == AF_INET {
                    socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin_addr
                        addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                } else if entry.pointee.ai_family == AF_INET6 {
                    socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin6_addr
                        addresses.append(withUnsafeBytes(of: &address) { Array($0) })
                    }
                }
            }
            cursor = entry.pointee.ai_next
        }
        return addresses
    }

    /// What kind of internal address `bytes` is, or `nil` for a public one.
    static func internalKind(_ bytes: [UInt8]) -> String? {
        if bytes.count == 16 {
            if bytes.prefix(10).allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
                return internalKind(Array(bytes.suffix(4)))
            }
            if bytes.prefix(15).allSatisfy({ $0 == 0 }) { return bytes[15] == 1 ? "a loopback address" : "the unspecified address" }
            if bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 { return "a link-local address" }
            if bytes[0] & 0xFE == 0xFC { return "a private address" }
            if bytes[0] == 0xFF { return "a multicast address" }
            return nil
        }
        guard bytes.count == 4 else { return "not an address" }
        switch (bytes[0], bytes[1]) {
        case (127, _): return "a loopback address"
        case (0, _): return "the unspecified address"
        case (10, _), (172, 16...31), (192, 168): return "a private address"
        case (100, 64...127): return "a shared (carrier-grade NAT) address"
        case (169, 254): return "a link-local address"
        case (224...255, _): return "a multicast or reserved address"
        default: return nil
        }
    }

    static func render(_ bytes: [UInt8]) -> String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        return stride(from: 0, to: bytes.count, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
            .joined(separator: ":")
    }
}
