import Dispatch
import Foundation
import GROQ
import TestSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A bare HTTP/1.1 client on a socket, for what HummingbirdTesting's clients cannot do: read a
/// response that never ends (server-sent events) event by event, hang up in the middle of one,
/// and send a request while the server shuts down.
///
/// Every read waits at most a given time, so a test fails instead of hanging. One task uses a
/// connection at a time (it is handed from a test closure to the test, never shared).
final class RawHTTPConnection: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The status line and headers (names lowercased).
    struct Head {
        let status: Int
        let headers: [String: String]
    }

    private var descriptor: Int32
    /// Reads wait in `poll` on a thread of their own: on the shared global queue, a few
    /// connections waiting at once would hold every thread it has and stall the others.
    private let reader = DispatchQueue(label: "raw-http-connection")
    /// Bytes read from the socket and not parsed yet.
    private var raw: [UInt8] = []
    /// The body decoded so far (chunked transfer encoding undone) and not consumed yet.
    private var body: [UInt8] = []
    private var headRead = false
    private var chunked = false
    /// What is left of a body of known length (`Content-Length`); `nil` for chunked bodies and
    /// bodies that end with the connection.
    private var remainingLength: Int?
    private var remainingInChunk = 0
    private var bodyEnded = false
    private var closedByServer = false

    /// Connects to the server on this machine, trying IPv4 then IPv6 loopback.
    init(port: Int) throws {
        descriptor = -1
        for family in [AF_INET, AF_INET6] {
            if let connected = Self.open(family: family, port: port) {
                descriptor = connected
                return
            }
        }
        throw Failure(description: "cannot connect to port \(port)")
    }

    deinit { hangUp() }

    private static func open(family: Int32, port: Int) -> Int32? {
        #if os(Linux)
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(family, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { return nil }
        let result: Int32
        if family == AF_INET {
            var address = LoopbackPort.address(port)
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            address.sin6_addr = in6addr_loopback
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard result == 0 else {
            _ = close(fd)
            return nil
        }
        return fd
    }

    /// Sends `GET path` with `headers`.
    func get(_ path: String, headers: [String: String] = [:]) throws {
        try request("GET", path, headers: headers)
    }

    /// Sends `method path` with `headers` and, for any method but GET, `body`, announced as
    /// `contentLength` bytes (its own length unless given).
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "", contentLength: Int? = nil) throws {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if method != "GET" { text += "Content-Length: \(contentLength ?? body.utf8.count)\r\n" }
        text += "\r\n" + body
        let bytes = Array(text.utf8)
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)
        #else
        let flags: Int32 = 0
        #endif
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, flags) }
            guard count > 0 else { throw Failure(description: "cannot send the request: errno \(errno)") }
            sent += count
        }
    }

    /// Hangs up, as a browser tab that closes.
    func hangUp() {
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
    }

    /// Reads more bytes from the socket; `false` when the server closed the connection.
    private func receive(timeout: Duration) async throws -> Bool {
        guard !closedByServer else { return false }
        let fd = descriptor, reader = reader
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let (count, bytes): (Int, [UInt8]) = await withCheckedContinuation { continuation in
            reader.async {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, milliseconds) > 0 else {
                    continuation.resume(returning: (-2, []))
                    return
                }
                var buffer = [UInt8](repeating: 0, count: 65_536)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                continuation.resume(returning: (count, count > 0 ? Array(buffer[..<count]) : []))
            }
        }
        if count == -2 { throw Failure(description: "nothing arrived within \(timeout)") }
        guard count > 0 else {
            closedByServer = true
            return false
        }
        raw += bytes
        decodeBody()
        return true
    }

    /// Whether the server closes the connection (within `timeout`) once what it sent is read.
    func isClosedByServer(timeout: Duration) async throws -> Bool {
        while try await receive(timeout: timeout) {}
        return closedByServer
    }

    /// Reads the status line and headers.
    /// The default bounds are for a machine running the whole suite at once: an answer comes in
    /// milliseconds, and the bound only decides how long a starved run waits before failing.
    static let patience: Duration = .seconds(30)

    func head(timeout: Duration = patience) async throws -> Head {
        while true {
            if let end = Self.find([13, 10, 13, 10], in: raw) {
                let lines = String(decoding: raw[..<end], as: UTF8.self).components(separatedBy: "\r\n")
                raw.removeFirst(end + 4)
                let parts = lines[0].split(separator: " ")
                guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                chunked = headers["transfer-encoding"]?.lowercased() == "chunked"
                remainingLength = chunked ? nil : headers["content-length"].flatMap { Int($0) }
                headRead = true
                decodeBody()
                return Head(status: status, headers: headers)
            }
            guard try await receive(timeout: timeout) else { throw Failure(description: "the connection closed before the response head") }
        }
    }

    /// The whole body, once the response has ended (by its length, its last chunk, or the close).
    func wholeBody(timeout: Duration = patience) async throws -> [UInt8] {
        while !bodyEnded {
            guard try await receive(timeout: timeout) else { break }
        }
        defer { body.removeAll() }
        return body
    }

    /// The next server-sent event, or comment; `nil` when the stream ended.
    func nextEvent(timeout: Duration = patience) async throws -> ReceivedEvent? {
        while true {
            if let end = Self.find([10, 10], in: body) {
                let block = String(decoding: body[..<end], as: UTF8.self)
                body.removeFirst(end + 2)
                return ReceivedEvent(block)
            }
            if bodyEnded { return nil }
            guard try await receive(timeout: timeout) else { return nil }
        }
    }

    /// Moves what arrived from `raw` to `body`, undoing chunked transfer encoding.
    private func decodeBody() {
        guard !bodyEnded, headRead else { return }
        guard chunked else {
            let count = min(raw.count, remainingLength ?? raw.count)
            body += raw[..<count]
            raw.removeFirst(count)
            if let remaining = remainingLength {
                remainingLength = remaining - count
                bodyEnded = remaining == count
            }
            return
        }
        while !raw.isEmpty {
            if remainingInChunk > 0 {
                let count = min(remainingInChunk, raw.count)
                body += raw[..<count]
                raw.removeFirst(count)
                remainingInChunk -= count
                if remainingInChunk == 0 { remainingInChunk = -2 }  // the CRLF after the data
                continue
            }
            if remainingInChunk == -2 {
                guard raw.count >= 2 else { return }
                raw.removeFirst(2)
                remainingInChunk = 0
                continue
            }
            guard let end = Self.find([13, 10], in: raw) else { return }
            let size = Int(String(decoding: raw[..<end], as: UTF8.self).split(separator: ";")[0], radix: 16) ?? 0
            raw.removeFirst(end + 2)
            if size == 0 {
                bodyEnded = true
                return
            }
            remainingInChunk = size
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}

/// One block of a `text/event-stream`: an event (name, id, data) or a comment.
struct ReceivedEvent: CustomStringConvertible {
    var name: String?
    var id: String?
    var dataText: String?
    var comment: String?

    init(_ block: String) {
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                comment = String(line.dropFirst()).trimmingCharacters(in: .whitespaces)
                continue
            }
            let field = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let value = field.count > 1 ? String(field[1].hasPrefix(" ") ? field[1].dropFirst() : field[1]) : ""
            switch field[0] {
            case "event": name = value
            case "id": id = value
            case "data": dataText = (dataText.map { $0 + "\n" } ?? "") + value
            default: break
            }
        }
    }

    /// The data parsed as JSON.
    var data: JSONValue? { dataText.flatMap { try? JSONValue(parsing: $0) } }

    var description: String {
        if let comment, name == nil { return ":\(comment)" }
        return "\(name ?? "message")\(id.map { " #\($0)" } ?? "") \(dataText ?? "")"
    }
}
