import Dispatch
import Foundation

/// Maps a large array on every core, keeping the order of the results.
///
/// Evaluation is pure (it reads immutable documents and writes only its own results), so the
/// elements of a projection over tens of thousands of documents can be computed in parallel.
/// Small arrays stay on the calling thread, where starting threads would cost more than it saves.
enum ParallelMap {
    static let minimumParallelCount = 8192
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Applies `transform(expression, parent, context, element)` to every element. Each thread
    /// gets its own copy of `expression` (``Node/privateCopy()``) and of the parent scope frame,
    /// so threads share no reference-counted storage they would fight over, and its own
    /// evaluation context, so each counts its own checkpoints (``EvaluationContext/tick(_:)``).
    /// When one chunk stops (deadline, cancellation, error), the others stop at their next checkpoint.
    static func map(_ array: [JSONValue], _ expression: Node, _ parent: ScopeFrame?, _ context: EvaluationContext,
                    _ transform: (Node, ScopeFrame?, EvaluationContext, JSONValue) throws(GROQError) -> JSONValue) throws(GROQError) -> [JSONValue] {
        if array.count < minimumParallelCount || cores == 1 {
            var result: [JSONValue] = []
            result.reserveCapacity(array.count)
            for item in array {
                try context.tick()
                result.append(try transform(expression, parent, context, item))
            }
            return result
        }
        let copies = (0..<cores).map { _ in (expression.privateCopy(), parent.map { ScopeFrame($0.scope) }, context.forAnotherThread()) }
        let chunks = cores
        let chunkSize = (array.count + chunks - 1) / chunks
        let results = UnsafeMutableBufferPointer<JSONValue>.allocate(capacity: array.count)
        results.initialize(repeating: .null)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        let failures = UnsafeMutableBufferPointer<GROQError?>.allocate(capacity: chunks)
        failures.initialize(repeating: nil)
        defer {
            failures.deinitialize()
            failures.deallocate()
        }
        withoutActuallyEscaping(transform) { transform in
            let box = UncheckedBox(transform: transform, copies: copies, results: results, failures: failures)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * chunkSize
                let end = min(array.count, start + chunkSize)
                guard start < end else { return }
                do throws(GROQError) {
                    let (expression, parent, context) = box.copies[chunk]
                    for i in start..<end {
                        try context.tick()
                        box.results[i] = try box.transform(expression, parent, context, array[i])
                    }
                } catch {
                    box.failures[chunk] = error
                }
            }
        }
        if let failure = failures.lazy.compactMap({ $0 }).first { throw failure }
        return Array(results)
    }

    /// Each chunk writes only its own slots, so sharing the buffers across threads is safe.
    private struct UncheckedBox: @unchecked Sendable {
        let transform: (Node, ScopeFrame?, EvaluationContext, JSONValue) throws(GROQError) -> JSONValue
        let copies: [(Node, ScopeFrame?, EvaluationContext)]
        let results: UnsafeMutableBufferPointer<JSONValue>
        let failures: UnsafeMutableBufferPointer<GROQError?>
    }
}
