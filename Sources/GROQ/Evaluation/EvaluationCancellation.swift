import Synchronization

/// A switch another thread flips to stop an evaluation that is under way.
///
/// Give one to ``EvaluationOptions/cancellation`` and call ``cancel()`` when the answer is no
/// longer wanted (the client went away, the server is shutting down). The evaluation notices at
/// its next checkpoint, a few thousand elements of work later at most, and throws a
/// ``GROQError`` of kind ``GROQError/Kind/cancelled``.
///
/// ```swift
/// let cancellation = EvaluationCancellation()
/// let options = EvaluationOptions(deadline: .now + .seconds(10), cancellation: cancellation)
/// // elsewhere, when the caller gives up:
/// cancellation.cancel()
/// ```
///
/// Reading the flag is a relaxed atomic load of a line nobody writes until it is flipped, so the
/// evaluator's loops can afford to look at it.
public final class EvaluationCancellation: Sendable {
    private let flag = Atomic<Bool>(false)

    public init() {}

    /// Asks the evaluation to stop; calling it again does nothing more.
    public func cancel() {
        flag.store(true, ordering: .relaxed)
    }

    /// Whether ``cancel()`` has been called.
    public var isCancelled: Bool {
        flag.load(ordering: .relaxed)
    }
}
