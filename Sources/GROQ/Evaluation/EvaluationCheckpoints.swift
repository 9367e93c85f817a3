import Synchronization

/// Where a long evaluation stops when its deadline passes or it is cancelled.
///
/// Every loop of the evaluator (filters, maps, flat maps, `order()` and `score()`, parallel
/// chunks, functions that walk arrays, `in` over an array) counts the elements it handles with
/// ``EvaluationContext/tick(_:)``. Reading the clock costs tens of nanoseconds, more than a
/// filter spends on a document, so the clock is read once per ``checkInterval`` elements, not per
/// element: a decrement and a branch is all a loop pays per element. The count is per
/// evaluation thread, not per loop, so that nested loops too small to reach the interval on their
/// own (three nested loops of 500) still add up to checkpoints.
extension EvaluationContext {
    /// Elements of work between two looks at the clock: about a millisecond of filtering.
    static let checkInterval = 1024

    /// Counts `work` elements of work and stops the evaluation if it is time to.
    @inline(__always)
    func tick(_ work: Int = 1) throws(GROQError) {
        ticksUntilCheck &-= work
        if ticksUntilCheck <= 0 { try checkpoint() }
    }

    @inline(never)
    private func checkpoint() throws(GROQError) {
        ticksUntilCheck = Self.checkInterval
        try checkStop()
    }

    /// Throws if the deadline has passed or the evaluation was cancelled. It reads only constants,
    /// the clock and an atomic flag, so any thread may call it (``PathProjection`` does, from
    /// every core, once per block of documents).
    func checkStop() throws(GROQError) {
        if let cancellation, cancellation.isCancelled {
            throw GROQError(.cancelled, "the query was cancelled before it finished", at: nil, in: source)
        }
        if let deadline, ContinuousClock.now >= deadline {
            throw GROQError(.timeout, "the query ran past its time limit and was stopped", at: nil, in: source)
        }
    }

    /// The starting count: checkpoints only where there is something to check.
    static func initialTicks(deadline: ContinuousClock.Instant?, cancellation: EvaluationCancellation?) -> Int {
        deadline == nil && cancellation == nil ? Int.max : checkInterval
    }
}

/// The array elements one evaluation may still build (``GROQLimits/maxElements``), shared by
/// the threads of a parallel loop.
///
/// Elements are counted where arrays are built (filters, maps, flat maps, splats, slices,
/// `order()` and `score()`), once per array or per appended run, not per element, so the atomic
/// is touched rarely. A nested sub-query counts its rows in every outer row that builds them,
/// which is what bounds the memory of `*[]{"x": *[_id != ^._id]}` long before its deadline.
final class ElementBudget: Sendable {
    private let remaining: Atomic<Int>
    let limit: Int

    init(_ limit: Int) {
        self.limit = limit
        remaining = Atomic(limit)
    }

    /// Spends `count` elements; `false` once the budget is overdrawn.
    func spend(_ count: Int) -> Bool {
        guard count > 0 else { return true }
        return remaining.subtract(count, ordering: .relaxed).newValue >= 0
    }
}

extension EvaluationContext {
    /// Counts `count` elements about to be put in an array (and as many elements of work), and
    /// stops the evaluation once it has built more than its limit allows.
    @inline(__always)
    func build(_ count: Int) throws(GROQError) {
        guard elements.spend(count) else { throw tooManyElements() }
        try tick(count)
    }

    @inline(never)
    private func tooManyElements() -> GROQError {
        GROQError(.evaluation, """
            the query builds more than \(elements.limit) array elements (its sub-queries' rows counted in every row \
            that builds them) and was stopped. Slice it ([0...100]), narrow the filters, or move a sub-query that does \
            not depend on its row out of the projection
            """, at: nil, in: source)
    }
}
