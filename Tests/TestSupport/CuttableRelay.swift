import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP relay on a loopback port to another one, which a test can cut and restore: how a test
/// takes the database away from a server (every connection dropped, new ones refused) without
/// stopping the database that other tests share.
public final class CuttableRelay: @unchecked Sendable {
    /// The port to connect to instead of the target's.
    public let port: Int
    private let target: Int
    private let listener: Int32
    private let lock = NSLock()
    private var isCut = false
    private var isStopped = false
    private var live: Set<Int32> = []

    public init(to target: Int) throws {
        self.target = target
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = LoopbackPort.address(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(listener, generic, length) == 0 && getsockname(listener, generic, &length) == 0
            }
        }
        guard bound, Glibc.listen(listener, 64) == 0 else {
            close(listener)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot listen on a loopback port"])
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        start()
    }

    private func start() {
        Thread { [self] in acceptLoop() }.start()
    }

    /// Drops every relayed connection and refuses new ones until ``restore()``.
    public func cut() {
        let sockets = lock.withLock {
            isCut = true
            return live
        }
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    /// Relays new connections again.
    public func restore() {
        lock.withLock { isCut = false }
    }

    /// Stops listening and drops everything.
    public func stop() {
        lock.withLock { isStopped = true }
        cut()
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            let (stopped, cut) = lock.withLock { (isStopped, isCut) }
            if stopped {
                if client >= 0 { close(client) }
                return
            }
            guard client >= 0 else { continue }
            if cut {
                close(client)
                continue
            }
            let upstream = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = LoopbackPort.address(target)
            let connected = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(upstream, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            guard connected else {
                close(client)
                close(upstream)
                continue
            }
            lock.withLock {
                live.insert(client)
                live.insert(upstream)
            }
            let directions = Countdown(2)
            for (from, to) in [(client, upstream), (upstream, client)] {
                let thread = Thread { [self] in
                    pump(from: from, to: to)
                    shutdown(from, Int32(SHUT_RDWR))
                    shutdown(to, Int32(SHUT_RDWR))
                    if directions.countDown() {
                        lock.withLock {
                            live.remove(client)
                            live.remove(upstream)
                        }
                        close(client)
                        close(upstream)
                    }
                }
                thread.start()
            }
        }
    }

    private func pump(from: Int32, to: Int32) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(from, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            var sent = 0
            while sent < count {
                let written = buffer[sent..<count].withUnsafeBytes { send(to, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { return }
                sent += written
            }
        }
    }
}

/// A count shared by threads; the thread that takes it to zero is told so.
private final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int

    init(_ count: Int) { left = count }

    /// Counts one down; `true` for the last.
    func countDown() -> Bool {
        lock.withLock {
            left -= 1
            return left == 0
        }
    }
}
