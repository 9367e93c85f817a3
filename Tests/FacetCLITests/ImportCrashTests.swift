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

/// `facet dataset import` killed with SIGKILL at random points: the dataset holds all of the
/// import or nothing of it, and what was committed before is intact.
extension StoreCommandTests {
    /// The generated file: `count` documents `imp-0`…, each a few hundred bytes.
    static func importFile(count: Int, beside data: String) throws -> String {
        var text = ""
        text.reserveCapacity(count * 200)
        for number in 0..<count {
            text += #"{"_id":"imp-\#(number)","_type":"item","n":\#(number),"label":"imported line \#(number) \#(String(repeating: "y", count: number % 97))"}"#
            text += "\n"
        }
        return try file(text, named: "import.ndjson", beside: data)
    }

    /// Starts `facet dataset import` on `file`.
    static func startImport(_ data: String, _ file: String, _ options: [String] = []) throws -> ChildProcess {
        let binary = try #require(QueryCommandTests.binary, "the facet executable was not found")
        return try ChildProcess(binary.path, ["dataset", "import", "--data", data] + options + [file],
                                environment: ProcessInfo.processInfo.environment.merging(["FACET_SCHEMA": "none"]) { $1 })
    }

    /// How many documents of each kind the dataset holds, or nil when it does not exist.
    static func importedCount(_ data: String) async throws -> Int? {
        let listed = try await run(["dataset", "list", "--data", data])
        guard lines(listed.stdout).contains(where: { $0.hasPrefix("production") }) else { return nil }
        let outcome = try await run(["query", "--data", data, #"count(*[_type == "item"])"#])
        #expect(outcome.status == 0, "the store does not open after the kill: \(outcome.stderr)")
        return Int(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// What the data directory's write-ahead logs hold, in bytes.
    static func writeAheadBytes(_ data: String) -> Int {
        let directory = data + "/datasets"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix("-wal") }.reduce(0) { total, file in
            total + (((try? FileManager.default.attributesOfItem(atPath: directory + "/" + file))?[.size] as? NSNumber)?.intValue ?? 0)
        }
    }

    @Test(.timeLimit(.minutes(20)))
    func anImportKilledAnywhereLeavesAllOrNothing() async throws {
        try await Self.killImportsAnywhere()
    }

    static func killImportsAnywhere() async throws {
        let documents = 20_000
        try await Self.withDataDirectory { data in
            let file = try Self.importFile(count: documents, beside: data)
            // A full run, to know how long an import takes on this machine.
            let started = Date()
            let full = try await Self.run(["dataset", "import", "--data", data, file], timeout: 300)
            let duration = Date().timeIntervalSince(started)
            try #require(full.status == 0, "the import failed: \(full.stderr)")
            #expect(try await Self.importedCount(data) == documents)

            var outcomes: [String] = []
            var walAtKill: [Int] = []
            // The most the log was seen to hold: a round whose trigger the log never reached (a
            // loaded machine checkpoints between polls) is followed by one aiming lower.
            var peakWAL = 0
            var round = -1
            while true {
                round += 1
                let aimingLower = round >= 4
                guard round < 4 || (walAtKill.allSatisfy { $0 == 0 } && round < 8) else { break }
                // Round 0 imports into a data directory with no dataset yet: a killed import must
                // not leave an empty `production` behind. The others import over committed work.
                let target = data + "-\(round)"
                defer { try? FileManager.default.removeItem(atPath: target) }
                var before: [String] = []
                if round > 0 {
                    try await Self.mutate(target, #"{"mutations": [{"create": {"_id": "kept-1", "_type": "note", "text": "acknowledged before"}}, {"create": {"_id": "imp-7", "_type": "item", "n": -7}}]}"#)
                    try await Self.mutate(target, #"{"patch": {"id": "kept-1", "set": {"edited": true}}}"#)
                    before = try await Self.state(target)
                }
                let process = try Self.startImport(target, file, round > 0 ? ["--replace"] : [])
                // Round 1 is killed at a random time (in the checking pass, likely); the others
                // once the import has written a random amount of its transaction to the
                // write-ahead log, so that the kill lands in the middle of writing it.
                let started = Date()
                let walTrigger = round == 1 ? Int.max
                    : aimingLower ? Int.random(in: (1 << 16)...max(1 << 16, peakWAL / 2))
                    : Int.random(in: (1 << 18)...(round == 3 ? 12 << 20 : 4 << 20))
                let deadline = started.addingTimeInterval(round == 1 ? Double.random(in: 0.05...0.6) * duration : 2 * duration + 30)
                var wal = 0, finished = false
                while Date() < deadline {
                    wal = Self.writeAheadBytes(target)
                    peakWAL = max(peakWAL, wal)
                    if wal >= walTrigger { break }
                    if !process.isRunning {
                        finished = true
                        break
                    }
                    try await Task.sleep(for: .milliseconds(2))
                }
                let delay = Date().timeIntervalSince(started)
                if !finished {
                    process.signal(SIGKILL)
                    let ending = try await process.ended(timeout: 30)
                    if !ending.bySignal { finished = true }
                }
                if round != 1 { walAtKill.append(finished ? 0 : wal) }
                let count = try await Self.importedCount(target)
                if round == 0 {
                    #expect(count == nil || count == documents, "round 0: \(String(describing: count)) documents after the kill")
                    if count == nil {
                        let listed = try await Self.run(["dataset", "list", "--data", target])
                        #expect(!listed.stdout.contains("production"), "a killed import created the dataset: \(listed.stdout)")
                    }
                } else {
                    let state = try await Self.state(target)
                    if count == documents {
                        #expect(state.count == documents + 1, "the import and kept-1")
                        #expect(state.contains { $0.contains(#""_id":"kept-1""#) && $0.contains(#""edited":true"#) })
                    } else {
                        #expect(state == before, "round \(round): \(String(describing: count)) imported documents after the kill, and the dataset changed")
                    }
                    // The store takes new writes after the kill.
                    try await Self.mutate(target, #"{"patch": {"id": "kept-1", "set": {"after": true}}}"#)
                }
                outcomes.append("round \(round): " + (finished ? "finished" : "killed") + " after \(String(format: "%.2f", delay)) s of "
                                + "\(String(format: "%.2f", duration)) s with \(wal) bytes in the log, \(count.map(String.init) ?? "no dataset") items")
            }
            #expect(walAtKill.contains { $0 > 0 }, "no kill landed while the import was writing: \(outcomes)")
            print("import crash test: " + outcomes.joined(separator: "; "))
        }
    }

    /// A failed import into the default dataset creates nothing; into an existing one, changes nothing.
    @Test func aFailedImportCreatesNothing() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let file = try Self.file(#"{"_id": "a", "_type": "item"}"# + "\n" + #"{"_id": "b", "_type": "item", "ref": {"_ref": "missing"}}"# + "\n",
                                         named: "bad.ndjson", beside: data)
                let failed = try await Self.run(["dataset", "import", "--data", data, file])
                #expect(failed.status != 0)
                #expect(failed.stderr.contains("nothing was imported"), "\(failed.stderr)")
                let listed = try await Self.run(["dataset", "list", "--data", data])
                #expect(!listed.stdout.contains("production"), "\(listed.stdout)")
                let files = (try? FileManager.default.contentsOfDirectory(atPath: data + "/datasets")) ?? []
                #expect(files.isEmpty, "\(files)")
            }
        }
    }

    /// The same on PostgreSQL: the failed import leaves no dataset behind in the database either.
    @Test func aFailedImportIntoPostgreSQLCreatesNothing() async throws {
        guard TestDatabase.url != nil else { return }
        try await withProcessTurn {
            let url = try TestDatabase.freshSchemaURL()
            defer { TestDatabase.dropSchema(of: url) }
            try await Self.withDataDirectory { data in
                let file = try Self.file(#"{"_id": "a", "_type": "item"}"# + "\n" + #"{"_id": "b", "_type": "item", "ref": {"_ref": "missing"}}"# + "\n",
                                         named: "bad.ndjson", beside: data)
                let failed = try await Self.run(["dataset", "import", "--data", data, "--database", url, file])
                #expect(failed.status != 0)
                #expect(failed.stderr.contains("nothing was imported"), "\(failed.stderr)")
                let listed = try await Self.run(["dataset", "list", "--data", data, "--database", url])
                #expect(listed.status == 0, "\(listed.stderr)")
                #expect(!listed.stdout.contains("production"), "\(listed.stdout)")
                // A good file then imports whole, and is listed.
                let good = try Self.file(#"{"_id": "a", "_type": "item"}"# + "\n", named: "good.ndjson", beside: data)
                #expect(try await Self.run(["dataset", "import", "--data", data, "--database", url, good]).status == 0)
                #expect(try await Self.run(["dataset", "list", "--data", data, "--database", url]).stdout.contains("production"))
            }
        }
    }
}
