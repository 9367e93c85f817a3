import DequeModule
import GROQ
import Synchronization

/// A committed transaction with the states its documents had before it, as handed to listeners.
struct CommitNotice: Sendable {
    let transaction: CommittedTransaction
    let previous: [String: JSONValue]
    /// About what holding it costs a listener's buffer, in bytes.
    let bytes: Int

    init(transaction: CommittedTransaction, previous: [String: JSONValue]) {
        self.transaction = transaction
        self.previous = previous
        var bytes = 0
        for effect in transaction.effects { bytes += effect.document.map(DocumentLimits.serializedSize) ?? 0 }
        for document in previous.values { bytes += DocumentLimits.serializedSize(of: document) }
        for mutation in transaction.mutations { bytes += DocumentLimits.serializedSize(of: mutation) }
        self.bytes = bytes
    }
}

/// Fans committed transactions out to subscriptions, in commit order.
///
/// Publishing only appends to each subscription's buffer, bounded in transactions and in bytes; matching documents against a
/// subscription's filter happens on the subscriber's side, so the cost of a listener (and of a
/// slow one) stays off the writer's path.
final class ListenerHub: Sendable {
    private let subscriptions = Mutex<[ObjectIdentifier: ListenerSubscription]>([:])

    func publish(_ notice: CommitNotice) {
        let current = subscriptions.withLock { Array($0.values) }
        for subscription in current { subscription.enqueue(notice) }
    }

    func add(_ subscription: ListenerSubscription) {
        subscriptions.withLock { $0[ObjectIdentifier(subscription)] = subscription }
    }

    func remove(_ subscription: ListenerSubscription) {
        _ = subscriptions.withLock { $0.removeValue(forKey: ObjectIdentifier(subscription)) }
    }

    var count: Int { subscriptions.withLock { $0.count } }

    /// Ends every subscription, as when the dataset closes.
    func closeAll() {
        let current = subscriptions.withLock { Array($0.values) }
        for subscription in current { subscription.cancel() }
    }
}

/// A live subscription to a dataset's changes: an `AsyncSequence` of ``ListenerEvent``s that
/// starts with `welcome`, then one `mutation` per matching document change, in commit order.
///
/// ```swift
/// let subscription = try dataset.listen("*[_type == 'customer']")
/// for await event in subscription {
///     if case .mutation(let change) = event { print(change.documentId, change.transition) }
/// }
/// ```
public final class ListenerSubscription: AsyncSequence, Sendable {
    public typealias Element = ListenerEvent

    private enum Item: Sendable {
        case notice(CommitNotice)
        /// The listener was dropped, for this reason.
        case reconnect(String)
    }

    private struct State: ~Copyable {
        var buffer = Deque<Item>()
        /// What the notices in `buffer` hold, in bytes (``CommitNotice/bytes``).
        var bytes = 0
        var waiter: CheckedContinuation<Item?, Never>?
        var finished = false
        var overflowed = false
    }

    /// A name for the subscription, sent in the welcome event.
    public let listenerName: String
    private let filter: GROQQuery
    private let params: [String: JSONValue]
    private let options: ListenOptions
    private let state = Mutex(State())
    private let onCancel: @Sendable (ListenerSubscription) -> Void

    init(filter: GROQQuery, params: [String: JSONValue], options: ListenOptions, onCancel: @escaping @Sendable (ListenerSubscription) -> Void) {
        self.listenerName = DocumentID.generate()
        self.filter = filter
        self.params = params
        self.options = options
        self.onCancel = onCancel
    }

    func enqueue(_ notice: CommitNotice) {
        let waiter: CheckedContinuation<Item?, Never>? = state.withLock { state in
            guard !state.finished, !state.overflowed else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            // A listener that stops reading is dropped before it holds more than its bounds; the
            // reconnect goes first, as what was buffered is of no use to it any more.
            // One transaction larger than the byte bound is still taken into an empty buffer,
            // so that a listener that reads is never dropped for a single large commit.
            let tooMany = state.buffer.count >= options.bufferLimit
            if tooMany || (!state.buffer.isEmpty && state.bytes + notice.bytes > options.bufferBytes) {
                state.buffer.removeAll()
                state.bytes = 0
                state.buffer.append(.reconnect(tooMany ? "\(options.bufferLimit) transactions" : "\(options.bufferBytes) bytes"))
                state.overflowed = true
            } else {
                state.buffer.append(.notice(notice))
                state.bytes += notice.bytes
            }
            return nil
        }
        waiter?.resume(returning: .notice(notice))
    }

    /// Ends the subscription: the sequence finishes after what is buffered is dropped.
    public func cancel() {
        let waiter: CheckedContinuation<Item?, Never>? = state.withLock { state in
            state.finished = true
            state.buffer.removeAll()
            state.bytes = 0
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
        onCancel(self)
    }

    /// How many committed transactions wait to be read.
    public var backlog: Int { state.withLock { $0.buffer.count } }

    /// Whether the subscription was dropped for falling too far behind (its sequence then ends
    /// with `reconnect`).
    public var isDropped: Bool { state.withLock { $0.overflowed } }

    /// What the transactions waiting to be read hold, in bytes; never more than
    /// ``ListenOptions/bufferBytes``, or one transaction when that alone is larger.
    public var backlogBytes: Int { state.withLock { $0.bytes } }

    private func nextItem() async -> Item? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
                let ready: Item?? = state.withLock { state in
                    if let first = state.buffer.popFirst() {
                        if case .notice(let notice) = first { state.bytes -= notice.bytes }
                        return .some(first)
                    }
                    if state.finished { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            self.cancel()
        }
    }

    private func matches(_ document: JSONValue?) -> Bool {
        guard let document else { return false }
        guard let result = try? filter.evaluate(in: InMemoryDataset([document]), params: params) else { return false }
        switch result {
        case .null: return false
        case .array(let items): return !items.isEmpty
        case .bool(let value): return value
        default: return true
        }
    }

    /// The events one committed transaction produces for this subscription.
    private func events(for notice: CommitNotice) -> [ListenerEvent] {
        let transaction = notice.transaction
        var changes: [(CommittedTransaction.Effect, Transition, JSONValue?)] = []
        let visibility = options.visibility
        for var effect in transaction.effects {
            var previous = notice.previous[effect.documentID]
            if let visibility {
                previous = previous.flatMap(visibility.present)
                effect.document = effect.document.flatMap(visibility.present)
            }
            let before = matches(previous), after = matches(effect.document)
            let transition: Transition
            switch (before, after) {
            case (false, true): transition = .appear
            case (true, true): transition = .update
            case (true, false): transition = .disappear
            case (false, false): continue
            }
            changes.append((effect, transition, previous))
        }
        return changes.enumerated().map { index, change in
            let (effect, transition, previous) = change
            return .mutation(MutationEvent(
                documentId: effect.documentID,
                eventId: "\(transaction.id)#\(effect.documentID)",
                transactionId: transaction.id,
                transition: transition,
                identity: transaction.author,
                previousRev: effect.previousRevision,
                resultRev: effect.document == nil ? nil : effect.resultRevision,
                timestamp: transaction.timestamp,
                result: options.includeResult ? effect.document : nil,
                previous: options.includePreviousRevision ? previous : nil,
                mutations: options.includeMutations && visibility == nil ? transaction.mutations : nil,
                effects: options.includeEffects ? .some(MendozaPatch.effect(from: previous, to: effect.document)) : .none,
                transactionCurrentEvent: index + 1,
                transactionTotalEvents: changes.count))
        }
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: ListenerSubscription
        var welcomed = false
        var pending: [ListenerEvent] = []
        var ended = false

        public mutating func next() async -> ListenerEvent? {
            if !welcomed {
                welcomed = true
                return .welcome(listenerName: subscription.listenerName)
            }
            while pending.isEmpty {
                guard !ended, let item = await subscription.nextItem() else { return nil }
                switch item {
                case .notice(let notice):
                    pending = subscription.events(for: notice)
                case .reconnect(let bound):
                    ended = true
                    subscription.cancel()
                    return .reconnect(reason: "The listener fell more than \(bound) behind")
                }
            }
            return pending.removeFirst()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(subscription: self)
    }
}
