import Foundation

/// What every part of one query evaluation shares: the documents, the parameters, the clock,
/// the deadline.
///
/// `@unchecked Sendable` because of ``ticksUntilCheck``, the one mutable member: only the thread
/// evaluating with this context touches it. A parallel loop gives each of its threads a context
/// of its own (``forAnotherThread()``) that shares everything else.
final class EvaluationContext: @unchecked Sendable {
    /// Unowned: ``GROQQuery/evaluate(in:params:options:)`` keeps the source alive while it runs,
    /// and `->` reaches it once per document, from every core at once.
    unowned(unsafe) let dataset: any DocumentSource
    let params: [String: JSONValue]
    let now: GROQDateTime
    let identity: String?
    let before: JSONValue?
    let after: JSONValue?
    let source: String
    /// Values of the query's loop-invariant sub-queries, filled as they are first needed.
    let invariants: InvariantValues
    /// When the evaluation must stop (``EvaluationOptions/deadline``).
    let deadline: ContinuousClock.Instant?
    /// The switch that stops it early (``EvaluationOptions/cancellation``).
    let cancellation: EvaluationCancellation?
    /// Elements of work left before the next checkpoint (``tick(_:)``).
    var ticksUntilCheck: Int
    /// The elements the evaluation may still build, shared by every thread of it.
    let elements: ElementBudget
    /// Where the steps are recorded when the query is explained.
    let profile: QueryProfile?

    init(dataset: any DocumentSource, params: [String: JSONValue], now: GROQDateTime, identity: String?,
         before: JSONValue?, after: JSONValue?, source: String, invariantSlots: Int = 0,
         deadline: ContinuousClock.Instant? = nil, cancellation: EvaluationCancellation? = nil,
         maxElements: Int = GROQLimits.standard.maxElements, profile: QueryProfile? = nil) {
        self.profile = profile
        self.invariants = InvariantValues(slots: invariantSlots)
        self.elements = ElementBudget(maxElements)
        self.dataset = dataset
        self.params = params
        self.now = now
        self.identity = identity
        self.before = before
        self.after = after
        self.source = source
        self.deadline = deadline
        self.cancellation = cancellation
        self.ticksUntilCheck = Self.initialTicks(deadline: deadline, cancellation: cancellation)
    }

    private init(sharing other: EvaluationContext) {
        self.profile = other.profile
        self.invariants = other.invariants
        self.elements = other.elements
        self.dataset = other.dataset
        self.params = other.params
        self.now = other.now
        self.identity = other.identity
        self.before = other.before
        self.after = other.after
        self.source = other.source
        self.deadline = other.deadline
        self.cancellation = other.cancellation
        self.ticksUntilCheck = Self.initialTicks(deadline: other.deadline, cancellation: other.cancellation)
    }

    /// The same evaluation for another thread: everything shared but the checkpoint count.
    func forAnotherThread() -> EvaluationContext {
        EvaluationContext(sharing: self)
    }
}

/// A scope: the value `@` refers to and the chain of enclosing scopes that `^` walks.
///
/// Scopes are values; only a scope that becomes a parent is boxed, once per loop rather than
/// once per element, so filtering a dataset allocates nothing per document.
struct Scope: Sendable {
    let value: Value
    let parent: ScopeFrame?
    /// A hidden scope (the element of a `map`) is skipped when nested scopes look for their parent.
    let isHidden: Bool
    /// Unowned: the context outlives every scope of its evaluation (``GROQQuery/evaluate(in:params:options:)``
    /// keeps it alive), and skipping reference counting here saves two atomic operations per
    /// element of every loop.
    unowned(unsafe) let context: EvaluationContext

    /// The parent that scopes nested in this one get.
    @inline(__always)
    func frameForChildren() -> ScopeFrame? {
        isHidden ? parent : ScopeFrame(self)
    }

    @inline(__always)
    func nested(_ value: Value, parent frame: ScopeFrame?, hidden: Bool = false) -> Scope {
        Scope(value: value, parent: frame, isHidden: hidden, context: context)
    }
}

final class ScopeFrame: Sendable {
    let scope: Scope
    init(_ scope: Scope) { self.scope = scope }
}

/// The cached values of loop-invariant sub-queries for one evaluation. Locked, because parallel
/// loops may reach the same sub-query at once (both compute it; either result is the same).
final class InvariantValues: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()

    init(slots: Int) { values = Array(repeating: nil, count: slots) }

    func value(_ slot: Int) -> Value? {
        lock.lock()
        defer { lock.unlock() }
        return values[slot]
    }

    func store(_ value: Value, _ slot: Int) {
        lock.lock()
        defer { lock.unlock() }
        values[slot] = value
    }
}
