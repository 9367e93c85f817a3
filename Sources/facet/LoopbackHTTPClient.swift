import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1, for benchmarks that
/// time single requests on threads of their own, away from the server's threads and from
/// Swift's task pool.
///
/// ```swift
/// let client = try LoopbackHTTPClient(port: 3333)
/// let status = try client.get("/health")
/// ```
final class LoopbackHTTPClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    private let port: Int
    private var descriptor: Int32 = -1
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        self.port = port
        try open()
    }

    deinit { hangUp() }

    func hangUp() {
        if descriptor >= 0 { _ = close(descriptor) }
        descriptor = -1
    }

    /// Sends `GET path` and reads the whole answer; returns its status. A connection the server
    /// closed is opened again once.
    func get(_ path: String, headers: [String: String] = [:]) throws -> Int {
        try request("GET", path, headers: headers).status
    }

    /// Sends `method path` with `body` and reads the whole answer: its status and body. A
    /// connection the server closed is opened again once.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: String = "") throws -> (status: Int, body: [UInt8]) {
        do { return try exchange(method, path, headers, body) } catch {
            hangUp()
            try open()
            return try exchange(method, path, headers, body)
        }
    }

    /// Sends `GET path` for an answer that never ends (server-sent events); read it with
    /// ``await(_:)``.
    func startStream(_ path: String) throws {
        try write("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: facet-bench\r\nAccept: text/event-stream\r\n\r\n")
    }

    /// Reads the stream until `text` arrives, and drops what came up to its end.
    func await(_ text: String) throws {
        let needle = Array(text.utf8)
        while true {
            if let found = Self.find(needle, in: buffer) {
                buffer.removeFirst(found + needle.count)
                return
            }
            try receive()
        }
    }

    private func open() throws {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            _ = close(fd)
            throw Failure(description: "cannot connect to 127.0.0.1:\(port): errno \(errno)")
        }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        descriptor = fd
        buffer = []
    }

    private func write(_ text: String) throws {
        guard descriptor >= 0 else { throw Failure(description: "not connected") }
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Self.noSignal) }
            guard count > 0 else { throw Failure(description: "send: errno \(errno)") }
            sent += count
        }
    }

    private func exchange(_ method: String, _ path: String, _ headers: [String: String], _ body: String) throws -> (status: Int, body: [UInt8]) {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: facet-bench\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if method != "GET" { text += "Content-Length: \(body.utf8.count)\r\n" }
        try write(text + "\r\n" + body)
        // The head, then a body of Content-Length bytes (Facet's JSON answers all have one).
        var headEnd: Int?
        while headEnd == nil {
            headEnd = Self.find([13, 10, 13, 10], in: buffer)
            if headEnd == nil { try receive() }
        }
        let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(lines[0])") }
        let length = lines.dropFirst().compactMap { line -> Int? in
            let pair = line.split(separator: ":", maxSplits: 1)
            guard pair.count == 2, pair[0].lowercased() == "content-length" else { return nil }
            return Int(pair[1].trimmingCharacters(in: .whitespaces))
        }.first ?? 0
        let end = headEnd! + 4 + length
        while buffer.count < end { try receive() }
        let answer = Array(buffer[(headEnd! + 4)..<end])
        buffer.removeFirst(end)
        if lines.contains(where: { $0.lowercased() == "connection: close" }) { hangUp() }
        return (status, answer)
    }

    private func receive() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { throw Failure(description: "the server closed the connection") }
        buffer += chunk[..<count]
    }

    #if os(Linux)
    private static let noSignal = Int32(MSG_NOSIGNAL)
    #else
    private static let noSignal: Int32 = 0
    #endif

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
            if Array(haystack[start..<(start + needle.count)]) == needle { return start }
        }
        return nil
    }
}
