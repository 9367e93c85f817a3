import Foundation
import GROQ
import Synchronization
import Testing
import TestSupport
@testable import FacetStore

@Suite("Listeners", .ownThread())
struct ListenerTests {
    /// Reads `count` events after the welcome, failing instead of hanging when they do not come.
    private func events(_ subscription: ListenerSubscription, count: Int) async throws -> [ListenerEvent] {
        try await withThrowingTaskGroup(of: [ListenerEvent].self) { group in
            group.addTask {
                var received: [ListenerEvent] = []
                for await event in subscription {
                    received.append(event)
                    if received.count == count + 1 { break }
                }
                return received
            }
            group.addTask {
                try await Task.sleep(for: .seconds(20))
                subscription.cancel()
                return []
            }
            let first = try await group.next() ?? []
            group.cancelAll()
            return first
        }
    }

    /// History read back after an event gives the events the live subscription gave, member for
    /// member: the same transitions (into and out of the filter, deletions), previous states,
    /// numbering and payloads, over documents created, changed and deleted in many transactions.
    @Test(arguments: StorageKind.available, [false, true])
    func replayedEventsAreTheLiveEvents(_ storage: StorageKind, withPrevious: Bool) async throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let filter = try GROQQuery("*[_type == 'customer' && tier == 'gold']")
        let options = withPrevious ? ListenOptions(includeResult: false, includePreviousRevision: true, includeMutations: false) : ListenOptions()
        let subscription = try dataset.listen("*[_type == 'customer' && tier == 'gold']", options: options)
        var generator = SystemRandomNumberGenerator()
        for round in 0..<60 {
            var batch: [Mutation] = []
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let id = "c-\(Int.random(in: 0..<6, using: &generator))"
                let tier = ["gold", "silver"].randomElement(using: &generator)!
                batch.append(Int.random(in: 0..<5, using: &generator) == 0
                    ? .delete(.ids([id]))
                    : .createOrReplace(["_id": .string(id), "_type": "customer", "tier": .string(tier), "round": .number(Double(round))]))
            }
            _ = try? dataset.mutate(batch)
        }
        try dataset.mutate([.createOrReplace(["_id": "c-last", "_type": "customer", "tier": "gold"])])

        // Live: everything up to the last document's appearance.
        var live: [MutationEvent] = []
        for await event in subscription {
            guard case .mutation(let change) = event else { continue }
            live.append(change)
            if change.documentId == "c-last" { break }
        }
        subscription.cancel()
        let first = try #require(live.first)
        let replay = try dataset.listenerEvents(after: first.eventId, query: filter, options: options)
        guard case .resumed(let batches, let transactionIDs) = replay else { Issue.record("\(replay)"); return }
        // The first transaction is given whole; every later one as it was sent live. History
        // keeps a transaction's effects in its own order, and the listen endpoint orders and
        // numbers each transaction's events by document id anyway: compare them so.
        func normalized(_ events: [MutationEvent]) -> [MutationEvent] {
            events.map { event in
                var event = event
                event.transactionCurrentEvent = 0
                return event
            }.sorted { ($0.transactionId, $0.documentId) < ($1.transactionId, $1.documentId) }
        }
        let replayed = normalized(batches.flatMap { $0 }), sent = normalized(live)
        #expect(replayed.count == sent.count)
        if let index = replayed.indices.first(where: { $0 < sent.count && replayed[$0] != sent[$0] }) {
            Issue.record("event \(index) differs: replayed \(replayed[index].eventId) \(replayed[index].transition), live \(sent[index].eventId) \(sent[index].transition)")
        }
        #expect(Set(batches.map { $0[0].transactionId }) == Set(live.map(\.transactionId)), "one batch per transaction with events")
        #expect(transactionIDs.isSuperset(of: Set(live.map(\.transactionId))))

        guard case .unavailable(let reason) = try dataset.listenerEvents(after: "nonsense", query: filter) else { Issue.record("accepted"); return }
        #expect(reason.contains("is not a mutation event id"))
        guard case .unavailable = try dataset.listenerEvents(after: first.eventId, query: filter, limit: 1) else { Issue.record("no limit"); return }
    }

    @Test(arguments: StorageKind.available)
    func eventsArriveInCommitOrderWithTransitions(_ storage: StorageKind) async throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        try dataset.mutate([.create(["_id": "c-0", "_type": "customer", "tier": "gold"])])
        let subscription = try dataset.listen("*[_type == 'customer' && tier == $tier]", params: ["tier": "gold"],
                                              options: ListenOptions(includePreviousRevision: true))
        let first = try dataset.mutate([.create(["_id": "c-1", "_type": "customer", "tier": "gold"]), .create(["_id": "o-1", "_type": "order"])],
                                       options: TransactionOptions(author: "ada"))
        try dataset.mutate(mutations(#"[{"patch": {"id": "c-1", "set": {"name": "Ada"}}}]"#))
        try dataset.mutate(mutations(#"[{"patch": {"id": "c-1", "set": {"tier": "silver"}}}]"#))
        try dataset.mutate(mutations(#"[{"patch": {"id": "c-1", "set": {"tier": "gold"}}}]"#))
        try dataset.mutate(mutations(#"[{"delete": {"id": ["c-1", "c-0"]}}]"#))
        let received = try await events(subscription, count: 6)
        guard case .welcome(let name) = received.first else { Issue.record("no welcome"); return }
        #expect(name == subscription.listenerName)
        let changes: [MutationEvent] = received.dropFirst().compactMap { if case .mutation(let e) = $0 { return e } else { return nil } }
        #expect(changes.map(\.documentId) == ["c-1", "c-1", "c-1", "c-1", "c-1", "c-0"])
        #expect(changes.map(\.transition) == [.appear, .update, .disappear, .appear, .disappear, .disappear])
        #expect(changes[0].transactionId == first.transactionId)
        #expect(changes[0].identity == "ada")
        #expect(changes[0].previousRev == nil && changes[0].resultRev == first.transactionId)
        #expect(changes[0].result?["tier"] == "gold")
        #expect(changes[1].previous?["name"] == nil && changes[1].result?["name"] == "Ada")
        #expect(changes[1].previousRev == first.transactionId)
        #expect(changes[4].result == nil && changes[4].resultRev == nil)
        #expect(changes[4].transactionTotalEvents == 2 && changes[5].transactionCurrentEvent == 2)
        #expect(changes[0].json["eventId"] == .string("\(first.transactionId)#c-1"))
        #expect(changes[0].json["mutations"]?[0]?["create"]?["_id"] == "c-1")
    }

    @Test(arguments: StorageKind.available)
    func aSlowListenerIsDroppedWithReconnectAndDoesNotSlowWriters(_ storage: StorageKind) async throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let slow = try dataset.listen("*", options: ListenOptions(bufferLimit: 10))
        let fast = try dataset.listen("*[_type == 'tick']")
        for index in 0..<50 { try dataset.mutate([.createOrReplace(["_id": "t", "_type": "tick", "n": .number(Double(index))])]) }
        #expect(slow.backlog == 1, "the overflowed buffer holds only the reconnect marker")
        let received = try await events(slow, count: 1)
        #expect(received.last == .reconnect(reason: "The listener fell more than 10 transactions behind"))
        #expect(dataset.listenerCount == 1, "the dropped listener is gone; the other stays")
        let fastEvents = try await events(fast, count: 50)
        let numbers = fastEvents.compactMap { event -> Double? in
            if case .mutation(let change) = event { return change.result?["n"]?.numberValue } else { return nil }
        }
        #expect(numbers == (0..<50).map(Double.init))
    }

    /// A listener that never reads, while documents of a megabyte are written: what it holds
    /// stays under its byte bound, and it is dropped; one that reads gets every change in order.
    @Test(arguments: StorageKind.available)
    func aListenerThatNeverReadsIsBoundedInBytesAndDropped(_ storage: StorageKind) async throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let bound = 8 * 1024 * 1024
        let stalled = try dataset.listen("*", options: ListenOptions(bufferBytes: bound))
        let reading = try dataset.listen("*[_type == 'blob']", options: ListenOptions(includeMutations: false, bufferBytes: bound))
        let reader = Task { () -> [Double] in
            var numbers: [Double] = []
            for await event in reading {
                if case .mutation(let change) = event, let n = change.result?["n"]?.numberValue {
                    numbers.append(n)
                    if numbers.count == 40 { break }
                }
            }
            return numbers
        }
        let megabyte = String(repeating: "x", count: 1_024 * 1_024)
        var largestBacklog = 0
        for index in 0..<40 {
            try dataset.mutate([.createOrReplace(["_id": .string("b-\(index % 3)"), "_type": "blob", "n": .number(Double(index)),
                                                  "payload": .string(megabyte)])])
            largestBacklog = max(largestBacklog, stalled.backlogBytes)
            // The reader keeps up, as a client that reads does.
            while reading.backlogBytes > 3 * megabyte.utf8.count { try await Task.sleep(for: .milliseconds(5)) }
        }
        #expect(largestBacklog <= bound, "the stalled listener held \(largestBacklog) bytes")
        #expect(stalled.isDropped)
        #expect(stalled.backlog == 1 && stalled.backlogBytes == 0, "only the reconnect marker is left")
        var iterator = stalled.makeAsyncIterator()
        #expect(await iterator.next() == .welcome(listenerName: stalled.listenerName))
        #expect(await iterator.next() == .reconnect(reason: "The listener fell more than \(bound) bytes behind"))
        #expect(await reader.value == (0..<40).map(Double.init), "the reading listener got every change, in order")
        #expect(!reading.isDropped)
    }

    @Test(arguments: StorageKind.available)
    func cancellingEndsTheSequence(_ storage: StorageKind) async throws {
        let fixture = try StoreFixture(storage)
        let dataset = try fixture.dataset
        let subscription = try dataset.listen("*")
        final class Heard: Sendable { let count = Mutex(0) }
        let heardSoFar = Heard()
        // A child task: it runs where the test runs, not on threads other suites may keep busy.
        func read() async -> Int {
            var count = 0
            for await _ in subscription {
                count += 1
                heardSoFar.count.withLock { $0 = count }
            }
            return count
        }
        async let reader = read()
        // Each step waits for the reader to have heard the one before, however slowly a loaded
        // machine runs it: the welcome, then the mutation, then the end.
        func heard(_ count: Int) async throws -> Bool {
            let deadline = ContinuousClock.now + .seconds(30)
            while heardSoFar.count.withLock({ $0 }) < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            return heardSoFar.count.withLock { $0 } >= count
        }
        #expect(try await heard(1))
        try dataset.mutate([.create(["_id": "a", "_type": "x"])])
        #expect(try await heard(2))
        subscription.cancel()
        #expect(await reader == 2)
        #expect(dataset.listenerCount == 0)
        #expect(storeError { _ = try dataset.listen("*[") }?.type == "queryParseError")
    }
}
