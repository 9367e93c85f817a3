import Foundation
import GROQ
import Testing
@testable import FacetStore

@Suite("Listeners")
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

    @Test func eventsArriveInCommitOrderWithTransitions() async throws {
        let fixture = try StoreFixture()
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

    @Test func aSlowListenerIsDroppedWithReconnectAndDoesNotSlowWriters() async throws {
        let fixture = try StoreFixture()
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
    @Test func aListenerThatNeverReadsIsBoundedInBytesAndDropped() async throws {
        let fixture = try StoreFixture()
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

    @Test func cancellingEndsTheSequence() async throws {
        let fixture = try StoreFixture()
        let dataset = try fixture.dataset
        let subscription = try dataset.listen("*")
        let reader = Task { () -> Int in
            var count = 0
            for await _ in subscription { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(50))
        try dataset.mutate([.create(["_id": "a", "_type": "x"])])
        try await Task.sleep(for: .milliseconds(50))
        subscription.cancel()
        #expect(await reader.value == 2)
        #expect(dataset.listenerCount == 0)
        #expect(storeError { _ = try dataset.listen("*[") }?.type == "queryParseError")
    }
}
