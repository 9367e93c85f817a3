import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads that open connections to a loopback port as fast as they can, each sending one HTTP
/// request and reading its status line: how a test keeps a server's accept queue full at the
/// moment the server stops.
public final class ConnectionStorm: Sendable {
    private let stopped = Atomic<Bool>(false)
    private let answered = Mutex<[Int: Int]>([:])
    private let running = Atomic<Int>(0)

    /// Starts `threads` threads against `127.0.0.1:port`.
    public init(port: Int, threads: Int = 4, path: String = "/health") {
        for _ in 0..<threads {
            running.add(1, ordering: .relaxed)
            let thread = Thread { [self] in
                while !stopped.load(ordering: .relaxed) {
                    if let status = Self.ask(port: port, path: path) { answered.withLock { $0[status, default: 0] += 1 } }
                }
                running.subtract(1, ordering: .relaxed)
            }
            thread.start()
        }
    }

    /// How many answers of each status came back so far.
    public var statuses: [Int: Int] { answered.withLock { $0 } }

    /// Stops the threads and waits (up to 10 s) for them to end, holding no thread meanwhile.
    public func stop() async throws {
        stopped.store(true, ordering: .relaxed)
        let deadline = Date().addingTimeInterval(10)
        while running.load(ordering: .relaxed) > 0, Date() < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// One connection: the status of its answer, or nil when it was refused or dropped.
    private static func ask(port: Int, path: String) -> Int? {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = LoopbackPort.address(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            Thread.sleep(forTimeInterval: 0.001)
            return nil
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 12, let line = String(bytes: buffer[0..<count], encoding: .utf8) else { return nil }
        return Int(line.dropFirst(9).prefix(3))
    }
}
