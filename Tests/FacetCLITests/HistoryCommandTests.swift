import Dispatch
import Foundation
import GROQ
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `facet history`: transactions, states at a revision or a time, and restores, end to end.
extension StoreCommandTests {
    // MARK: history

    /// h-1: created by tx-a (n 1), patched by tx-b together with the creation of h-2 (n 2),
    /// patched by tx-c (n 3). Returns the three transactions' timestamps.
    static func setUpHistory(_ data: String) async throws -> [String] {
        try await mutate(data, #"{"create": {"_id": "h-1", "_type": "t", "_createdAt": "2026-01-01T00:00:00.000Z", "_updatedAt": "2026-01-01T00:00:00.000Z", "n": 1}}"#,
                         ["--transaction-id", "tx-a", "--author", "alice"])
        try await mutate(data, #"{"mutations": [{"patch": {"id": "h-1", "set": {"n": 2}}}, {"create": {"_id": "h-2", "_type": "t", "n": 0}}]}"#,
                         ["--transaction-id", "tx-b", "--author", "bob"])
        try await mutate(data, #"{"patch": {"id": "h-1", "inc": {"n": 1}}}"#, ["--transaction-id", "tx-c", "--author", "alice"])
        let log = try await history(data, "h-1")
        return log.map { $0["timestamp"]?.stringValue ?? "" }
    }

    @Test func historyListsEachTransactionOnOneLine() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let times = try await Self.setUpHistory(data)
                let outcome = try await Self.run(["history", "--data", data, "h-1"])
                #expect(outcome.status == 0)
                let log = try Self.lines(outcome.stdout).map { try Self.json($0) }
                try #require(log.count == 3)
                for entry in log {
                    #expect(Array(Self.keys(entry).prefix(5)) == ["id", "timestamp", "author", "documentIDs", "mutations"])
                    let time = try #require(entry["timestamp"]?.stringValue)
                    #expect(time.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "timestamp \(time)")
                }
                #expect(times == times.sorted() && Set(times).count == 3, "increasing timestamps: \(times)")
                #expect(log.map { $0["id"] ?? .null } == ["tx-a", "tx-b", "tx-c"])
                #expect(log.map { $0["author"] ?? .null } == ["alice", "bob", "alice"])
                #expect(log[0]["documentIDs"] == ["h-1"])
                #expect(Set(log[1]["documentIDs"]?.arrayValue ?? []) == ["h-1", "h-2"])
                #expect(log[2]["documentIDs"] == ["h-1"])
                #expect(log[0]["mutations"] == [["create": ["_id": "h-1", "_type": "t", "_createdAt": "2026-01-01T00:00:00.000Z", "_updatedAt": "2026-01-01T00:00:00.000Z", "n": 1]]])
                #expect(log[1]["mutations"]?[0] == ["patch": ["id": "h-1", "set": ["n": 2]]])
                #expect(log[2]["mutations"] == [["patch": ["id": "h-1", "inc": ["n": 1]]]])
                #expect(log[0]["revisions"] == ["h-1": ["previousRev": nil, "resultRev": "tx-a"]])
                #expect(log[2]["revisions"] == ["h-1": ["previousRev": "tx-b", "resultRev": "tx-c"]])

                #expect(try await Self.history(data, "h-2").map { $0["id"] ?? .null } == ["tx-b"])
                #expect(try await Self.history(data, "h-1", ["--reverse"]).map { $0["id"] ?? .null } == ["tx-c", "tx-b", "tx-a"])
                #expect(try await Self.history(data, "h-1", ["--reverse", "--limit", "1"]).map { $0["id"] ?? .null } == ["tx-c"])
                #expect(try await Self.history(data, "never-existed").isEmpty)

                // A deletion is a transaction of the document's history too.
                try await Self.mutate(data, #"{"delete": {"id": "h-2"}}"#, ["--transaction-id", "tx-d"])
                let h2 = try await Self.history(data, "h-2")
                #expect(h2.map { $0["id"] ?? .null } == ["tx-b", "tx-d"])
                #expect(h2.last?["revisions"] == ["h-2": ["previousRev": "tx-b", "resultRev": nil]])
            }
        }
    }

    @Test func historyShowsADocumentAtARevisionOrATime() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let times = try await Self.setUpHistory(data)
                try #require(times.count == 3)
                func version(_ n: Int, rev: String, updatedAt: String) -> String {
                    #"{"_id":"h-1","_type":"t","_createdAt":"2026-01-01T00:00:00.000Z","_updatedAt":"\#(updatedAt)","n":\#(n),"_rev":"\#(rev)"}"# + "\n"
                }
                let atA = try await Self.run(["history", "--data", data, "h-1", "--revision", "tx-a"])
                #expect(atA.status == 0, "\(atA.stderr)")
                #expect(atA.stdout == version(1, rev: "tx-a", updatedAt: Self.fixedTime))
                let atB = try await Self.run(["history", "--data", data, "h-1", "--revision", "tx-b"])
                #expect(atB.stdout == version(2, rev: "tx-b", updatedAt: times[1]))

                // --at: the state of the last transaction at or before that instant.
                for (index, time) in times.enumerated() {
                    let at = try await Self.run(["history", "--data", data, "h-1", "--at", time])
                    #expect(at.status == 0, "\(at.stderr)")
                    #expect(at.stdout == version(index + 1, rev: ["tx-a", "tx-b", "tx-c"][index], updatedAt: index == 0 ? Self.fixedTime : time), "at \(time)")
                }
                let later = try await Self.run(["history", "--data", data, "h-1", "--at", "2999-01-01T00:00:00Z"])
                #expect(later.stdout == version(3, rev: "tx-c", updatedAt: times[2]))
                // Another spelling of the same instant (an offset instead of Z).
                let offset = try await Self.run(["history", "--data", data, "h-1", "--at", "2999-01-01T01:00:00+01:00"])
                #expect(offset.stdout == later.stdout)

                let before = try await Self.run(["history", "--data", data, "h-1", "--at", "2000-01-01T00:00:00Z"])
                Self.expectFailure(before, "h-1 did not exist at 2000-01-01T00:00:00Z")
                let unknown = try await Self.run(["history", "--data", data, "h-1", "--revision", "tx-nope"])
                Self.expectFailure(unknown, #"Document "h-1" has no revision "tx-nope""#)
                let otherDocument = try await Self.run(["history", "--data", data, "h-2", "--revision", "tx-a"])
                Self.expectFailure(otherDocument, #"Document "h-2" has no revision "tx-a""#)
                let badTime = try await Self.run(["history", "--data", data, "h-1", "--at", "yesterday"])
                Self.expectFailure(badTime, #""yesterday" is not an ISO 8601 time"#)
            }
        }
    }

    @Test func historyRestoreMakesAnOldStateCurrentAsANewTransaction() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let times = try await Self.setUpHistory(data)
                try #require(times.count == 3)
                let restored = try await Self.run(["history", "--data", data, "h-1", "--revision", "tx-a", "--restore"])
                #expect(restored.status == 0, "\(restored.stderr)")
                let result = try Self.json(restored.stdout)
                let transaction = try #require(result["transactionId"]?.stringValue)
                #expect(!["tx-a", "tx-b", "tx-c"].contains(transaction))
                #expect(restored.stdout == #"{"transactionId":"\#(transaction)","results":[{"id":"h-1","operation":"update"}]}"# + "\n")

                let log = try await Self.history(data, "h-1")
                #expect(log.map { $0["id"] ?? .null } == ["tx-a", "tx-b", "tx-c", .string(transaction)], "the restore is appended; nothing is lost")
                let restoredAt = try #require(log.last?["timestamp"]?.stringValue)
                let now = try await Self.run(["doc", "--data", data, "h-1"])
                #expect(now.stdout == #"{"documents":[{"_id":"h-1","_type":"t","_createdAt":"2026-01-01T00:00:00.000Z","_updatedAt":"\#(restoredAt)","n":1,"_rev":"\#(transaction)"}],"omitted":[]}"# + "\n")
                #expect(log.last?["revisions"] == ["h-1": ["previousRev": "tx-c", "resultRev": .string(transaction)]])

                // --at --restore: back to the state after tx-b.
                let second = try await Self.run(["history", "--data", data, "h-1", "--at", times[1], "--restore"])
                #expect(second.status == 0, "\(second.stderr)")
                #expect(try await Self.doc(data, ["h-1"])["documents"]?[0]?["n"] == 2)
                #expect(try await Self.history(data, "h-1").count == 5)

                // Restoring a deleted document recreates it; a point where it was deleted is refused.
                try await Self.mutate(data, #"{"delete": {"id": "h-2"}}"#, ["--transaction-id", "tx-gone"])
                let gone = try await Self.run(["history", "--data", data, "h-2", "--revision", "tx-gone", "--restore"])
                Self.expectFailure(gone, #"Document "h-2" did not exist at revision tx-gone"#)
                let back = try await Self.run(["history", "--data", data, "h-2", "--revision", "tx-b", "--restore"])
                #expect(back.status == 0, "\(back.stderr)")
                #expect(try Self.json(back.stdout)["results"] == [["id": "h-2", "operation": "create"]])
                #expect(try await Self.doc(data, ["h-2"])["documents"]?[0]?["n"] == 0)
            }
        }
    }

    @Test func historyRejectsContradictoryOptions() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                _ = try await Self.setUpHistory(data)
                let before = try await Self.state(data)
                let both = try await Self.run(["history", "--data", data, "h-1", "--revision", "tx-a", "--at", "2026-01-01T00:00:00Z"])
                Self.expectFailure(both, "give --revision or --at, not both")
                let bothRestore = try await Self.run(["history", "--data", data, "h-1", "--revision", "tx-a", "--at", "2026-01-01T00:00:00Z", "--restore"])
                Self.expectFailure(bothRestore, "give --revision or --at, not both")
                let restoreAlone = try await Self.run(["history", "--data", data, "h-1", "--restore"])
                Self.expectFailure(restoreAlone, "--restore needs --revision or --at")
                #expect(try await Self.state(data) == before)
                #expect(try await Self.history(data, "h-1").count == 3)
            }
        }
    }
}
