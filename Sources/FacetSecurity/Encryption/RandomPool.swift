import Crypto
import Foundation
import Synchronization

/// Random bytes for nonces and new keys, read from the kernel's generator 4 KiB at a time.
///
/// The standard generator (and swift-crypto's keys and nonces, which use it) makes one system
/// call per 8 bytes: a sealed field took two, a new data key seven, and a seed of 100,000
/// documents spent a tenth of its sealing in them. Bytes handed out are wiped from the pool, and
/// no two callers are ever given the same bytes.
///
/// ```swift
/// let nonce = try RandomPool.shared.nonce()
/// let key = SymmetricKey(data: RandomPool.shared.bytes(32))
/// ```
final class RandomPool: Sendable {
    static let shared = RandomPool()
    private static let refill = 4_096
    private let pool = Mutex<(bytes: [UInt8], next: Int)>(([], 0))
    /// `/dev/urandom`, opened once; `nil` where it cannot be (the standard generator is then used).
    private let device: FileHandle? = FileHandle(forReadingAtPath: "/dev/urandom")

    /// `count` random bytes.
    func bytes(_ count: Int) -> [UInt8] {
        guard count <= Self.refill else { return fresh(count) }
        return pool.withLock { pool in
            if pool.next + count > pool.bytes.count {
                pool.bytes = fresh(Self.refill)
                pool.next = 0
            }
            let range = pool.next..<pool.next + count
            defer {
                for index in range { pool.bytes[index] = 0 }
                pool.next += count
            }
            return Array(pool.bytes[range])
        }
    }

    /// A new 12-byte AES-GCM nonce.
    func nonce() throws -> AES.GCM.Nonce {
        try AES.GCM.Nonce(data: bytes(12))
    }

    /// `count` bytes straight from the kernel's generator.
    private func fresh(_ count: Int) -> [UInt8] {
        if let device, let data = try? device.read(upToCount: count), data.count == count {
            return Array(data)
        }
        // The standard generator stops the process rather than return predictable bytes.
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in generator.next() }
    }
}
