import Crypto
import FacetStore
import Foundation
import GROQ
import Synchronization

/// The webhooks of a store: admins' hooks, and the work that delivers them.
///
/// Commits never wait for a hook. Each commit's transaction is in the dataset's log; the
/// dispatcher follows the log from each hook's cursor, and writes the deliveries a batch makes
/// together with the cursor past it (see ``WebhookRecords``). The sender then works through the
/// outbox, at most ``WebhookSettings/concurrencyPerHook`` at a time per hook, retrying 429, 5xx,
/// timeouts and refused connections with growing waits. Among servers sharing a database, only
/// the holder of the `webhooks` lease dispatches and sends.
///
/// ```swift
/// let webhooks = try Webhooks(store: store, records: records, secretKey: key)
/// let hook = try webhooks.create(dataset: "production", ["name": "Shop", "url": "https://shop.example/hook"], by: "ada")
/// Task { await webhooks.run() }
/// ```
public final class Webhooks: Sendable {
    public let store: DocumentStore
    public let settings: WebhookSettings
    let records: WebhookRecords
    let sender: WebhookSender
    /// Seals secrets at rest; derived from the master key.
    private let secretKey: SymmetricKey
    /// The documents whose deliveries are being sent now, per hook: the outbox hands out no
    /// other delivery of theirs until they are answered, so each document's changes arrive in
    /// order.
    private let inFlight = Mutex<[String: Set<String>]>([:])
    private let clock: @Sendable () -> Double
    /// Where the records are read and written: their calls block, and Swift's shared task
    /// threads (as few as the cores) must not wait on a database.
    private let lane = BlockingLane("facet.webhooks")
    /// When each hook's outbox is next worth a look, and whether the hooks changed here: an
    /// idle server then looks at the records once a second, not at every turn.
    private let wakeups = Mutex(Wakeups())
    /// Cuts the wait for the next turn short when there is work now.
    private let doorbell = Doorbell()

    struct Wakeups {
        var hooksChanged = true
        /// Hook id → the times from which its outbox may hold a due delivery.
        var due: [String: [Double]] = [:]

        /// Whether a look at `hook` is due at `now`; the times past are used up, later ones kept.
        mutating func take(_ hook: String, at now: Double) -> Bool {
            guard let times = due[hook], times.contains(where: { $0 <= now }) else { return false }
            let later = times.filter { $0 > now }
            due[hook] = later.isEmpty ? nil : later
            return true
        }
    }

    /// Asks for a look at `hook`'s outbox from `time` on.
    func wake(_ hook: String, at time: Double) {
        wakeups.withLock { $0.due[hook, default: []].append(time) }
        if time <= clock() { doorbell.ring() }
    }

    public init(store: DocumentStore, records: any RelationalDatabase, secretKey: [UInt8], settings: WebhookSettings = WebhookSettings(),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws(WebhookError)
    {
        self.store = store
        self.settings = settings
        self.records = try WebhookRecords(database: records)
        self.secretKey = SymmetricKey(data: secretKey)
        self.sender = WebhookSender(settings: settings)
        self.clock = clock
    }

    // MARK: Managing hooks

    public func list(dataset: String) throws(WebhookError) -> [Webhook] {
        try records.hooks(dataset: dataset).map(\.hook)
    }

    public func hook(id: String, dataset: String) throws(WebhookError) -> Webhook {
        try records.hook(id: id, dataset: dataset).hook
    }

    /// Makes a hook from `body` (see ``Webhook``); it is sent the changes committed from now on.
    public func create(dataset: String, _ body: JSONValue, by author: String?) throws(WebhookError) -> Webhook {
        guard let object = body.objectValue, object["name"] != nil, object["url"] != nil else {
            throw WebhookError(.invalid, "A webhook needs a \"name\" and a \"url\"", advice: "Send {\"name\": \"Shop\", \"url\": \"https://shop.example/hook\"}.")
        }
        let change = try WebhookChange(body, over: Webhook.new(dataset: dataset, createdBy: author))
        let head = try head(of: dataset)
        try records.insert(.init(hook: change.hook, sealedSecret: try seal(change.secret ?? nil), cursor: head))
        wakeups.withLock { $0.hooksChanged = true }
        return change.hook
    }

    /// Changes the fields of the hook that `body` gives. A hook enabled again starts from the
    /// changes committed from then on: what happened while it was off is not sent.
    public func update(id: String, dataset: String, _ body: JSONValue) throws(WebhookError) -> Webhook {
        let stored = try records.hook(id: id, dataset: dataset)
        var change = try WebhookChange(body, over: stored.hook)
        change.hook.updatedAt = Timestamp.string(Date(timeIntervalSince1970: clock()))
        let sealed = try change.secret.map { secret throws(WebhookError) in try seal(secret) } ?? stored.sealedSecret
        let cursor = change.hook.enabled && !stored.hook.enabled ? try head(of: dataset) : nil
        try records.update(change.hook, sealedSecret: sealed, cursor: cursor)
        wakeups.withLock { $0.hooksChanged = true }
        wake(id, at: clock())
        return change.hook
    }

    public func delete(id: String, dataset: String) throws(WebhookError) {
        _ = try records.hook(id: id, dataset: dataset)
        try records.delete(id: id)
        wakeups.withLock { $0.hooksChanged = true }
    }

    public func deliveries(hook id: String, dataset: String, state: WebhookDelivery.State? = nil, limit: Int = 100) throws(WebhookError) -> [WebhookDelivery] {
        _ = try records.hook(id: id, dataset: dataset)
        return try records.deliveries(hook: id, state: state, limit: limit)
    }

    public func attempts(hook id: String, dataset: String, delivery: String? = nil, limit: Int = 100) throws(WebhookError) -> [WebhookAttempt] {
        _ = try records.hook(id: id, dataset: dataset)
        return try records.attempts(hook: id, delivery: delivery, limit: limit)
    }

    /// Queues a delivery again, due now, with a fresh allowance of attempts.
    public func redeliver(hook id: String, dataset: String, delivery: String) throws(WebhookError) -> WebhookDelivery {
        _ = try records.hook(id: id, dataset: dataset)
        guard try records.redeliver(id: delivery, hook: id, now: clock()), let queued = try records.delivery(id: delivery, hook: id) else {
            throw WebhookError(.notFound, "No delivery \(delivery) of webhook \(id)",
                               advice: "List its deliveries at /v1/hooks/\(dataset)/\(id)/deliveries.")
        }
        wake(id, at: clock())
        return queued
    }

    /// The sequence number of the dataset's last transaction: where a new hook starts.
    private func head(of dataset: String) throws(WebhookError) -> Int64 {
        do { return try store.dataset(dataset, create: false).snapshot.sequence } catch {
            if error.kind == .notFound {
                throw WebhookError(.notFound, "There is no dataset \(dataset)", advice: "Create the dataset first, or name one that exists.")
            }
            throw WebhookError.records(error, doing: "Cannot open dataset \(dataset)")
        }
    }

    // MARK: Secrets

    private func seal(_ secret: String?) throws(WebhookError) -> String? {
        guard let secret else { return nil }
        do { return try AES.GCM.seal(Array(secret.utf8), using: secretKey).combined!.base64EncodedString() } catch {
            throw WebhookError(.storage, "Cannot seal the hook's secret: \(error)")
        }
    }

    func open(_ sealed: String?) throws(WebhookError) -> String? {
        guard let sealed else { return nil }
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let opened = try? AES.GCM.open(box, using: secretKey)
        else {
            throw WebhookError(.storage, "The hook's secret cannot be opened with this server's master key",
                               advice: "Set the secret again (PATCH the hook with \"secret\"): it was sealed with another master key.")
        }
        return String(decoding: opened, as: UTF8.self)
    }
}

// MARK: - The work

extension Webhooks {
    /// Dispatches and sends until the task is cancelled, on the holder of `lease` only (every
    /// turn when `lease` is `nil`).
    public func run(lease: HeldLease? = nil) async {
        let keeping = lease.map { lease in Task { await lease.keep() } }
        defer { keeping?.cancel() }
        // Touched only on the queue, one turn at a time.
        nonisolated(unsafe) var lastPrune = 0.0
        nonisolated(unsafe) var lastFullLook = 0.0
        nonisolated(unsafe) var seen: [String: Int64] = [:]
        nonisolated(unsafe) var hooks: [WebhookRecords.StoredHook] = []
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                if lease?.isHeld ?? true {
                    let claimed = await offTheTaskThreads { () -> [(WebhookDelivery, WebhookRecords.StoredHook)] in
                        let now = self.clock()
                        // Once a second everything is looked at again: the hooks (another server
                        // may have changed them), each dataset's log (another server's commits
                        // reach this one's snapshot later) and every outbox. In between, only
                        // what moved on here.
                        let fullLook = now - lastFullLook >= 1
                        if fullLook { lastFullLook = now }
                        let changed = self.wakeups.withLock { wakeups in
                            defer { wakeups.hooksChanged = false }
                            return wakeups.hooksChanged
                        }
                        if fullLook || changed {
                            guard let read = try? self.records.hooks(dataset: nil) else { return [] }
                            hooks = read
                        }
                        for (dataset, hooks) in Dictionary(grouping: hooks, by: \.hook.dataset) {
                            let head = (try? self.store.dataset(dataset, create: false))?.snapshot.sequence ?? 0
                            guard fullLook || changed || seen[dataset] != head else { continue }
                            seen[dataset] = head
                            // The cursors are read afresh: the list above may be a second old, and a
                            // cursor moved since would make every enqueue refuse (as it must).
                            let fresh = (try? self.records.hooks(dataset: dataset)) ?? hooks
                            for (hook, count) in (try? self.dispatch(dataset: dataset, hooks: fresh)) ?? [:] where count > 0 {
                                self.wake(hook, at: now)
                            }
                        }
                        if now - lastPrune > 3600 {
                            lastPrune = now
                            try? self.records.prune(before: now - Double(self.settings.keepDays) * 86_400)
                        }
                        var claimed: [(WebhookDelivery, WebhookRecords.StoredHook)] = []
                        for hook in hooks where hook.hook.enabled {
                            let id = hook.hook.id
                            let due = self.wakeups.withLock { $0.take(id, at: now) } || fullLook
                            guard due, let (deliveries, more) = try? self.claim(hook: id) else { continue }
                            // Slots filled: there may be more behind them, looked for when one frees.
                            if more { self.wake(id, at: now) }
                            claimed += deliveries.map { ($0, hook) }
                        }
                        return claimed
                    }
                    for (delivery, hook) in claimed { group.addTask { await self.send(delivery, hook: hook) } }
                }
                await doorbell.wait(upTo: settings.pollInterval)
            }
            group.cancelAll()
        }
    }

    /// Runs `body` on this instance's own queue.
    private func offTheTaskThreads<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await lane.run(body)
    }

    /// Reads the transactions after the hooks' cursors (at most `batch`), and queues what each
    /// hook makes of them with its cursor moved past them. Returns how many deliveries it queued.
    @discardableResult
    public func dispatch(dataset name: String, batch: Int = 200) throws(WebhookError) -> Int {
        try dispatch(dataset: name, hooks: records.hooks(dataset: name), batch: batch).values.reduce(0, +)
    }

    /// The deliveries queued, by hook.
    func dispatch(dataset name: String, hooks: [WebhookRecords.StoredHook], batch: Int = 200) throws(WebhookError) -> [String: Int] {
        let active = hooks.filter(\.hook.enabled)
        guard let from = active.map(\.cursor).min() else { return [:] }
        let dataset: Dataset
        let transactions: [CommittedTransaction]
        let before: [[JSONValue?]]
        do {
            dataset = try store.dataset(name, create: false)
            transactions = try dataset.transactions(after: from, limit: batch)
            guard !transactions.isEmpty else { return [:] }
            before = try dataset.previousStates(of: transactions)
        } catch {
            throw WebhookError.records(error, doing: "Cannot read the log of dataset \(name)")
        }
        let now = clock()
        var queued: [String: Int] = [:]
        for stored in active {
            let match: WebhookMatch
            do { match = try WebhookMatch(hook: stored.hook) } catch { continue }
            var deliveries: [WebhookDelivery] = []
            var last = stored.cursor
            for (transaction, states) in zip(transactions, before) where transaction.sequence > stored.cursor {
                last = transaction.sequence
                for (effect, previous) in zip(transaction.effects, states) {
                    guard let operation = Webhook.Operation(before: previous, after: effect.document) else { continue }
                    do {
                        guard let body = try match.body(documentID: effect.documentID, before: previous, after: effect.document) else { continue }
                        deliveries.append(WebhookDelivery(hookID: stored.hook.id, transaction: transaction, documentID: effect.documentID,
                                                          operation: operation, body: body.serialized(), now: now))
                    } catch {
                        deliveries.append(WebhookDelivery(hookID: stored.hook.id, transaction: transaction, documentID: effect.documentID,
                                                          operation: operation, body: "", now: now, state: .failed, lastError: error.message))
                    }
                }
            }
            guard last > stored.cursor else { continue }
            if try records.enqueue(deliveries, hook: stored.hook.id, from: stored.cursor, to: last) { queued[stored.hook.id] = deliveries.count }
        }
        return queued
    }

    /// Takes due deliveries of `hook` off the outbox, as many as its free slots, one per
    /// document; `more` when they filled the slots, so that others may be waiting.
    func claim(hook: String) throws(WebhookError) -> (deliveries: [WebhookDelivery], more: Bool) {
        let busy = inFlight.withLock { $0[hook] ?? [] }
        let free = settings.concurrencyPerHook - busy.count
        guard free > 0 else { return ([], false) }
        var documents = Set<String>()
        let due = try records.due(hook: hook, now: clock(), limit: free, busy: busy).filter { documents.insert($0.documentID).inserted }
        inFlight.withLock { flights in for delivery in due { flights[hook, default: []].insert(delivery.documentID) } }
        return (due, due.count == free)
    }

    /// Sends one delivery and records the attempt and what it leaves the delivery as.
    func send(_ delivery: WebhookDelivery, hook stored: WebhookRecords.StoredHook) async {
        var delivery = delivery
        let started = clock()
        let outcome: WebhookSender.Outcome
        do throws(WebhookError) {
            let secret = try open(stored.sealedSecret)
            outcome = await sender.send(delivery, hook: stored.hook, secret: secret, dataset: stored.hook.dataset)
        } catch {
            outcome = .init(status: nil, error: error.message, response: nil, retry: false, latency: 0)
        }
        delivery.attempts += 1
        let attempt = WebhookAttempt(deliveryID: delivery.id, hookID: stored.hook.id, number: delivery.attempts, at: started,
                                     status: outcome.status, latencyMilliseconds: outcome.latency * 1000, error: outcome.error,
                                     response: outcome.response)
        if let status = outcome.status, (200..<300).contains(status) {
            delivery.state = .delivered
            delivery.lastError = nil
        } else {
            delivery.lastError = outcome.error ?? outcome.status.map { "The receiver answered \($0)" }
            if outcome.retry && delivery.attempts < settings.maxAttempts {
                let wait = outcome.retryAfter.map { min($0, settings.maxRetry) } ?? settings.retryDelay(after: delivery.attempts)
                delivery.nextAttempt = clock() + Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18
            } else {
                delivery.state = .failed
            }
        }
        // A record that cannot be written leaves the delivery pending: it is sent again, which
        // its idempotency key lets the receiver recognise.
        let finished = delivery
        await offTheTaskThreads { try? self.records.record(attempt, delivery: finished) }
        _ = inFlight.withLock { $0[stored.hook.id]?.remove(delivery.documentID) }
        // The next look: at once when a slot freed (another delivery, perhaps of this document,
        // may be waiting), and when the retry is due.
        wake(stored.hook.id, at: clock())
        if finished.state == .pending { wake(stored.hook.id, at: finished.nextAttempt) }
    }
}
