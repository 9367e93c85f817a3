import Dispatch
import Foundation
import GROQ
import TestSupport
import Testing

/// `facet audit verify | list` end to end: entries written by real commands (`facet users`),
/// then the file edited behind Facet's back with the `sqlite3` tool, as an intruder would.
@Suite("facet audit")
struct AuditCommandTests {
    typealias Run = StoreCommandTests

    /// The `sqlite3` command-line tool, found on the PATH.
    static let sqlite3: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/sqlite3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `sql` on the data directory's security database with the `sqlite3` tool.
    static func tamper(_ data: String, _ sql: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let tool = try #require(sqlite3, "the sqlite3 tool is needed to edit the file behind Facet's back", sourceLocation: sourceLocation)
        let ending = try await ChildProcess(tool, [data + "/security.sqlite", sql]).ended(timeout: 60)
        #expect(ending.status == 0, "sqlite3 failed on: \(sql)", sourceLocation: sourceLocation)
    }

    /// A user added and given two other roles: at least three entries (user-change, role-change ×2).
    static func seed(_ data: String) async throws {
        let added = try await Run.run(["users", "add", "--data", data, "ada", "--role", "sales", "--password-stdin"],
                                      input: "plum-velvet-orchard-1987")
        try #require(added.status == 0, "users add failed: \(added.stderr)")
        for role in ["manager", "support"] {
            let changed = try await Run.run(["users", "set-role", "--data", data, "ada", role])
            try #require(changed.status == 0, "users set-role failed: \(changed.stderr)")
        }
    }

    static func list(_ data: String, _ options: [String] = []) async throws -> [JSONValue] {
        let outcome = try await Run.run(["audit", "list", "--data", data, "--json"] + options)
        #expect(outcome.status == 0, "audit list failed: \(outcome.stderr)")
        return try Run.lines(outcome.stdout).map { try Run.json($0) }
    }

    @Test func verifyPassesThenNamesTheEditedEntry() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                try await Self.seed(data)
                let entries = try await Self.list(data, ["--limit", "1000"])
                let roleChanges = entries.filter { $0["action"] == "role-change" }
                try #require(roleChanges.count == 2)
                #expect(entries.allSatisfy { $0["_type"] == "auditLog" && $0["hash"]?.stringValue?.count == 64 })
                #expect(entries.map { $0["sequence"]?.numberValue ?? 0 } == (1...entries.count).map(Double.init))

                let intact = try await Run.run(["audit", "verify", "--data", data])
                #expect(intact.status == 0, "\(intact.stderr)")
                #expect(intact.stdout.hasPrefix("Audit log intact: \(entries.count) entries verified.\n"), "\(intact.stdout)")

                // Rewrite history: the first role change now says ada was made an admin.
                let target = Int(try #require(roleChanges.first?["sequence"]?.numberValue))
                try await Self.tamper(data, "UPDATE audit_log SET entry = replace(entry, '\"manager\"', '\"admin\"') WHERE seq = \(target)")
                let broken = try await Run.run(["audit", "verify", "--data", data])
                #expect(broken.status == 1)
                #expect(broken.stdout.hasPrefix("Audit log broken at entry \(target) (hash-mismatch)"), "\(broken.stdout)")
                #expect(broken.stderr.contains("tampered"))

                let json = try await Run.run(["audit", "verify", "--data", data, "--json"])
                #expect(json.status == 1)
                let answer = try Run.json(json.stdout)
                #expect(answer["intact"] == false)
                #expect(answer["sequence"] == .number(Double(target)))
                #expect(answer["reason"] == "hash-mismatch")
            }
        }
    }

    @Test func verifyNamesDeletedAndReorderedEntries() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                try await Self.seed(data)
                let count = try await Self.list(data, ["--limit", "1000"]).count
                try #require(count >= 3)
                // Swap the last two entries.
                try await Self.tamper(data, "UPDATE audit_log SET seq = -1 WHERE seq = \(count); UPDATE audit_log SET seq = \(count) WHERE seq = \(count - 1); UPDATE audit_log SET seq = \(count - 1) WHERE seq = -1")
                let reordered = try await Run.run(["audit", "verify", "--data", data])
                #expect(reordered.status == 1)
                #expect(reordered.stdout.hasPrefix("Audit log broken at entry \(count - 1) (sequence-mismatch)"), "\(reordered.stdout)")

                // Deleting an earlier entry moves the first break there.
                try await Self.tamper(data, "DELETE FROM audit_log WHERE seq = 2")
                let deleted = try await Run.run(["audit", "verify", "--data", data])
                #expect(deleted.status == 1)
                #expect(deleted.stdout.hasPrefix("Audit log broken at entry 2 (missing-sequence): entry 2 is missing"), "\(deleted.stdout)")
            }
        }
    }

    @Test func verifyNamesTheFirstEntryRemovedFromTheEnd() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                try await Self.seed(data)
                let count = try await Self.list(data, ["--limit", "1000"]).count
                let anchored = try await Run.run(["audit", "checkpoint", "--data", data])
                #expect(anchored.status == 0, "\(anchored.stderr)")
                #expect(anchored.stdout.contains("Checkpoint written to \(data)/audit-checkpoints.ndjson: entry \(count)"), "\(anchored.stdout)")
                let again = try await Run.run(["audit", "checkpoint", "--data", data])
                #expect(again.stdout.contains("anchored already"), "\(again.stdout)")
                let intact = try await Run.run(["audit", "verify", "--data", data])
                #expect(intact.status == 0, "\(intact.stderr)")
                #expect(intact.stdout.contains("Anchored: the latest checkpoint (entry \(count), written "), "\(intact.stdout)")
                // A copy of the checkpoints kept elsewhere, as an operator keeps them.
                let copy = data + ".checkpoints"
                defer { try? FileManager.default.removeItem(atPath: copy) }
                try FileManager.default.copyItem(atPath: data + "/audit-checkpoints.ndjson", toPath: copy)

                // The intruder removes the last two entries, which leaves a valid, shorter chain.
                try await Self.tamper(data, "DELETE FROM audit_log WHERE seq > \(count - 2)")
                let truncated = try await Run.run(["audit", "verify", "--data", data])
                #expect(truncated.status == 1)
                #expect(truncated.stdout.hasPrefix("Audit log broken at entry \(count - 1) (truncated): the log ends at entry \(count - 2)"),
                        "\(truncated.stdout)")
                #expect(truncated.stderr.contains("removed from entry \(count - 1) on"), "\(truncated.stderr)")
                let json = try Run.json(try await Run.run(["audit", "verify", "--data", data, "--json"]).stdout)
                #expect(json["reason"] == "truncated")
                #expect(json["sequence"] == .number(Double(count - 1)))
                #expect(json["checkpoints"]?["latest"]?["sequence"] == .number(Double(count)))

                // Removing the checkpoint file too hides it from the directory, not from the copy.
                try FileManager.default.removeItem(atPath: data + "/audit-checkpoints.ndjson")
                let unanchored = try await Run.run(["audit", "verify", "--data", data])
                #expect(unanchored.status == 0)
                #expect(unanchored.stderr.contains("No checkpoints in"), "\(unanchored.stderr)")
                let checked = try await Run.run(["audit", "verify", "--data", data, "--checkpoints", copy])
                #expect(checked.status == 1)
                #expect(checked.stdout.hasPrefix("Audit log broken at entry \(count - 1) (truncated)"), "\(checked.stdout)")

                // A forged copy is refused rather than trusted.
                let forged = try String(contentsOfFile: copy, encoding: .utf8).replacingOccurrences(of: "\"sequence\":\(count)", with: "\"sequence\":\(count - 2)")
                try forged.write(toFile: copy, atomically: true, encoding: .utf8)
                let refused = try await Run.run(["audit", "verify", "--data", data, "--checkpoints", copy])
                #expect(refused.status == 1)
                #expect(refused.stdout.contains("(forged-checkpoint)"), "\(refused.stdout)")
                #expect(refused.stderr.contains("tampered with"), "\(refused.stderr)")
                let missing = try await Run.run(["audit", "verify", "--data", data, "--checkpoints", copy + ".nowhere"])
                #expect(missing.status != 0)
                #expect(missing.stderr.contains("no such file"), "\(missing.stderr)")
            }
        }
    }

    @Test func listPagesAndPrintsLines() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                try await Self.seed(data)
                let all = try await Self.list(data, ["--limit", "1000"])
                let newest = try await Self.list(data, ["--limit", "2"])
                #expect(newest == Array(all.suffix(2)))
                let page = try await Self.list(data, ["--after", "1", "--limit", "1"])
                #expect(page.map { $0["_id"] } == ["audit.000000000002"])
                let roleChanges = try await Self.list(data, ["--action", "role-change"])
                #expect(roleChanges.count == 2)

                let text = try await Run.run(["audit", "list", "--data", data, "--action", "role-change"])
                #expect(text.status == 0)
                let lines = Run.lines(text.stdout)
                #expect(lines.count == 2)
                #expect(lines.allSatisfy { $0.contains("  role-change  ") })
            }
        }
    }

    @Test func eventsListLockOuts() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                try await Self.seed(data)
                // Six wrong passwords through the real sign-in path are beyond the command line's
                // reach; the lock-out's event is recorded as the server records it.
                try await Self.tamper(data, """
                    INSERT INTO security_event (time, kind, score, reason, address, identity, path, user_agent, action)
                    VALUES (strftime('%s','now') - 10, 'injection', 80, 'sql/union-select in query parameter $q', '192.0.2.8', NULL, '/v1/data/query/production', 'curl/8.5', 'flagged'),
                           (strftime('%s','now'), 'lockout', 75, '5 failed sign-ins', '192.0.2.9', 'ada', '/v1/auth/login', NULL, 'locked-out')
                    """)
                let all = try await Run.run(["audit", "events", "--data", data, "--json"])
                #expect(all.status == 0, "\(all.stderr)")
                let events = try Run.lines(all.stdout).map { try Run.json($0) }
                #expect(events.map { $0["kind"] ?? .null } == ["lockout", "injection"])
                #expect(events.first?["identity"] == "ada")
                let lockouts = try await Run.run(["audit", "events", "--data", data, "--kind", "lockout"])
                #expect(Run.lines(lockouts.stdout).count == 1)
                #expect(lockouts.stdout.contains("lockout  score 75  locked-out  192.0.2.9 ada  /v1/auth/login  5 failed sign-ins"))
                let bad = try await Run.run(["audit", "events", "--data", data, "--kind", "ufo"])
                #expect(bad.status != 0)
                #expect(bad.stderr.contains("--kind ufo"))
            }
        }
    }

    @Test func aDirectoryWithoutALogIsAnErrorNotANewLog() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let outcome = try await Run.run(["audit", "verify", "--data", data])
                #expect(outcome.status != 0)
                #expect(outcome.stderr.contains("No audit log in \(data)"))
                #expect(!FileManager.default.fileExists(atPath: data + "/security.sqlite"))
            }
        }
    }
}
