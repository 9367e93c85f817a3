import Dispatch
import Foundation
import GROQ
import Synchronization

/// Work on every document of a load or a commit, spread over every core.
///
/// ```swift
/// try EveryCore.transform(&documents) { (_, document) throws(StoreError) in try sealing.unseal(document, dataset: name) }
/// ```
public enum EveryCore {
    /// How many cores the work is shared between.
    public static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Replaces each of `documents` with `transform(index, document)`, in contiguous chunks, one
    /// per core (one chunk under 256 documents, where threads cost more than they save). When
    /// transforms fail, the failure of the earliest document is thrown, whichever core met it.
    ///
    /// Each document is moved out of the array into `transform`, so a transform that edits it
    /// (opening its sealed fields) edits it in place instead of copying it first. A slot whose
    /// transform failed is left `null`.
    public static func transform(_ documents: inout [JSONValue],
                          _ transform: @Sendable (Int, consuming JSONValue) throws(StoreError) -> JSONValue) throws(StoreError)
    {
        let count = documents.count
        let chunks = count < 256 ? 1 : cores
        let chunkSize = (count + chunks - 1) / max(1, chunks)
        let failures = Mutex<[(index: Int, error: StoreError)]>([])
        documents.withUnsafeMutableBufferPointer { buffer in
            let slots = UncheckedSlots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                for index in (chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize) {
                    let slot = slots.buffer.baseAddress! + index
                    let document = slot.move()
                    do throws(StoreError) {
                        slot.initialize(to: try transform(index, consume document))
                    } catch {
                        slot.initialize(to: .null)
                        failures.withLock { $0.append((index, error)) }
                        return
                    }
                }
            }
        }
        if let failure = failures.withLock({ $0.min { $0.index < $1.index } }) { throw failure.error }
    }

    /// `body` of contiguous chunks of `0..<count`, one per core (one chunk when `count` is under
    /// `serialBelow`), in order.
    public static func chunks<Part: Sendable>(of count: Int, serialBelow: Int = 256,
                                              _ body: @Sendable (Range<Int>) -> Part) -> [Part]
    {
        let chunks = count < serialBelow ? 1 : min(cores, count)
        guard chunks > 1 else { return [body(0..<count)] }
        let chunkSize = (count + chunks - 1) / chunks
        let parts = Mutex<[Int: Part]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let part = body((chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize))
            parts.withLock { $0[chunk] = part }
        }
        return parts.withLock { parts in (0..<chunks).compactMap { parts[$0] } }
    }

    /// `first` and `second` at the same time, each on a core of its own when there are two: for
    /// independent pieces of work of similar size that do not spread over the cores themselves
    /// (fitting two models). An error of `first` is thrown before one of `second`.
    public static func both<First: Sendable, Second: Sendable>(_ first: @Sendable () throws -> First,
                                                               _ second: @Sendable () throws -> Second) throws -> (First, Second)
    {
        guard cores > 1 else { return (try first(), try second()) }
        let results = Mutex<(first: Result<First, any Error>?, second: Result<Second, any Error>?)>((nil, nil))
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 {
                let outcome = Result { try first() }
                results.withLock { $0.first = outcome }
            } else {
                let outcome = Result { try second() }
                results.withLock { $0.second = outcome }
            }
        }
        let (one, two) = results.withLock { ($0.first, $0.second) }
        guard let one, let two else { throw CancellationError() }
        return (try one.get(), try two.get())
    }

    /// Each chunk writes only its own slots, so sharing the buffer across threads is safe.
    private struct UncheckedSlots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<JSONValue>
    }
}
