import Dispatch
import Foundation
import Synchronization
import Testing
import TestSupport
@testable import FacetSecurity

/// Random bytes handed out from a pool: never the same twice, of the size asked, from any thread.
@Suite("Random bytes from a pool", .ownThread())
struct RandomPoolTests {
    @Test func noTwoCallersAreGivenTheSameBytes() {
        let pool = RandomPool()
        let nonces = Mutex<[[UInt8]]>([])
        // Two threads at once, across many refills of the pool.
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            var mine: [[UInt8]] = []
            for _ in 0..<5_000 { mine.append(pool.bytes(12)) }
            nonces.withLock { $0.append(contentsOf: mine) }
        }
        let all = nonces.withLock { $0 }
        #expect(all.count == 10_000)
        #expect(all.allSatisfy { $0.count == 12 })
        #expect(Set(all).count == 10_000)
        // Random bytes, not a counter or zeros: each byte value turns up about equally often.
        var counts = [Int](repeating: 0, count: 256)
        for nonce in all { for byte in nonce { counts[Int(byte)] += 1 } }
        #expect(counts.min()! > 300 && counts.max()! < 650, "120,000 bytes over 256 values: about 469 each")
    }

    @Test func largeAndOddSizesAreServed() throws {
        let pool = RandomPool()
        #expect(pool.bytes(0).isEmpty)
        #expect(pool.bytes(1).count == 1)
        let large = pool.bytes(10_000)
        #expect(large.count == 10_000)
        #expect(Set(large).count > 200)
        let keys = (0..<300).map { _ in pool.bytes(32) }
        #expect(Set(keys).count == 300)
        #expect(try pool.nonce().withUnsafeBytes { $0.count } == 12)
    }
}
