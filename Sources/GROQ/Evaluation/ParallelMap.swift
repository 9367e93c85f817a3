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

    /// How many chunks ``chunks(of:_:)`` splits `count` elements into: one per core when there
    /// are enough of them, else one. Callers preparing something per thread make this many.
    static func chunkCount(for count: Int) -> Int {
        count < minimumParallelCount ? 1 : cores
    }

    /// Applies `transform(expression, parent, context, element)` to every element. Each thread
    /// gets its own copy of `expression` (``Node/privateCopy()``) and of the parent scope frame,
    /// so threads share no reference-counted storage they would fight over, and its own
    /// evaluation context, so each counts its own checkpoints (``EvaluationContext/tick(_:)``).
    /// When one chunk stops (deadline, cancellation, error), the others stop at their next checkpoint.
    static func map(_ array: [JSONValue], _ expression: Node, _ parent: ScopeFrame?, _ context: EvaluationContext,
                    _ transform: (Node, ScopeFrame?, EvaluationContext, JSONValue) throws(GROQError) -> JSONValue) throws(GROQError) -> [JSONValue] {
        if chunkCount(for: array.count) == 1 {
            var result: [JSONValue] = []
            result.reserveCapacity(array.count)
            for item in array {
                try context.tick()
                result.append(try transform(expression, parent, context, item))
            }
            return result
        }
        let copies = (0..<chunkCount(for: array.count)).map { _ in (expression.privateCopy(), parent.map { ScopeFrame($0.scope) }, context.forAnotherThread()) }
        let results = UnsafeMutableBufferPointer<JSONValue>.allocate(capacity: array.count)
        results.initialize(repeating: .null)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        _ = try chunks(of: array.count) { (chunk, range) throws(GROQError) in
            let (expression, parent, context) = copies[chunk]
            for i in range {
                try context.tick()
                results[i] = try transform(expression, parent, context, array[i])
            }
        }
        return Array(results)
    }

    /// Runs `body` on consecutive ranges that cover `0..<count`: one range per core when `count`
    /// is large, else one range on the calling thread. Returns each range's result in range order;
    /// when ranges throw, the first range's error is thrown once all have ended.
    ///
    /// `body` gets the range's number (`0..<chunkCount(for: count)`) to pick what that thread may
    /// use alone.
    /// Evaluations that run in several chunks stop together: each checks the shared deadline and
    /// cancellation at its own checkpoints.
    static func chunks<Part>(of count: Int, _ body: (Int, Range<Int>) throws(GROQError) -> Part) throws(GROQError) -> [Part] {
        let chunks = chunkCount(for: count)
        if chunks == 1 { return [try body(0, 0..<count)] }
        let chunkSize = (count + chunks - 1) / chunks
        let parts = UnsafeMutableBufferPointer<Result<Part, GROQError>?>.allocate(capacity: chunks)
        parts.initialize(repeating: nil)
        defer {
            parts.deinitialize()
            parts.deallocate()
        }
        withoutActuallyEscaping(body) { body in
            let box = UncheckedBox(body: body, parts: parts)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let range = min(count, chunk * chunkSize)..<min(count, (chunk + 1) * chunkSize)
                box.parts[chunk] = Result { () throws(GROQError) in try box.body(chunk, range) }
            }
        }
        return try parts.map { (part) throws(GROQError) in try part!.get() }
    }

    /// Each chunk writes only its own slot, so sharing the buffer across threads is safe.
    private struct UncheckedBox<Part>: @unchecked Sendable {
        let body: (Int, Range<Int>) throws(GROQError) -> Part
        let parts: UnsafeMutableBufferPointer<Result<Part, GROQError>?>
    }
}
