import Crypto
import FacetStore
import Foundation
import GRDB
import GROQ
import Testing
import TestSupport
@testable import FacetSecurity

/// A security directory whose audit log writes signed checkpoints, with a master key from the
/// environment, as a server started with `FACET_MASTER_KEY` has.
final class AnchoredDirectory: @unchecked Sendable {
    let directory: SecurityDirectory
    let encryption: FieldEncryption
    let checkpoints: AuditCheckpoints
    let audit: AuditLog
    static let masterKey = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }

    init(cadence: AuditCheckpoints.Cadence = AuditCheckpoints.Cadence(every: 1, interval: 3600), directory: SecurityDirectory? = nil) throws {
        self.directory = try directory ?? SecurityDirectory()
        let environment = ["FACET_MASTER_KEY": Self.masterKey]
        encryption = try FieldEncryption(database: self.directory.database, environment: environment)
        checkpoints = AuditCheckpoints(directory: self.directory.path, encryption: encryption, cadence: cadence, environment: environment)
        audit = AuditLog(database: self.directory.database, checkpoints: checkpoints)
    }

    /// The log checked against its own checkpoint file, read first as the documentation asks.
    func verify() throws -> AuditVerification {
        try audit.verify(against: try checkpoints.read())
    }

    var lines: [String] {
        get throws { try String(contentsOfFile: checkpoints.path, encoding: .utf8).split(separator: "\n").map(String.init) }
    }

    /// Replaces the checkpoint file's lines, as an intruder would.
    func rewrite(_ lines: [String]) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: checkpoints.path, atomically: true, encoding: .utf8)
    }
}

@Suite("audit checkpoints", .ownThread())
struct AuditCheckpointTests {
    @Test func aLogWithCheckpointsVerifies() throws {
        let anchored = try AnchoredDirectory(cadence: AuditCheckpoints.Cadence(every: 2, interval: 3600))
        try AuditLogTests.recordFive(anchored.audit)
        // The first entry is anchored at once (no checkpoint yet), then every second entry.
        let reading = try anchored.checkpoints.read()
        #expect(reading.verified.map(\.sequence) == [1, 3, 5])
        #expect(reading.problems.isEmpty)
        #expect(try anchored.audit.checkpoint() == nil, "the head is anchored already")
        #expect(try anchored.verify() == .intact(count: 5))
        // Every checkpoint records the hash the log holds at its sequence, and the master key's id.
        let entries = try anchored.audit.entries(after: 0, limit: 10)
        for checkpoint in reading.verified {
            #expect(checkpoint.hash == entries[Int(checkpoint.sequence) - 1].hash)
            #expect(checkpoint.kid == (try anchored.encryption.masterKeyID))
        }
    }

    @Test func truncatingTheTailIsDetectedAndTheFirstMissingEntryNamed() throws {
        let anchored = try AnchoredDirectory()
        try AuditLogTests.recordFive(anchored.audit)
        // Deleted with SQL on the real file: what is left is still a chain.
        try anchored.directory.tamper("DELETE FROM audit_log WHERE seq > 3")
        #expect(try anchored.audit.verify() == .intact(count: 3), "the chain alone cannot tell")
        guard case .broken(let fault) = try anchored.verify() else {
            Issue.record("expected the truncation to be found")
            return
        }
        #expect(fault.sequence == 4)
        #expect(fault.reason == .truncated)
        #expect(fault.detail.contains("the log ends at entry 3"))
        #expect(fault.detail.contains("entries 4 to 5 were removed"))

        // With the last checkpoint at 4 and the log cut back to 2, entry 3 is the first missing.
        let sparse = try AnchoredDirectory(cadence: AuditCheckpoints.Cadence(every: 3, interval: 3600))
        try AuditLogTests.recordFive(sparse.audit)
        #expect(try sparse.checkpoints.read().latest?.sequence == 4)
        try sparse.directory.tamper("DELETE FROM audit_log WHERE seq > 2")
        #expect(try sparse.verify() == .broken(AuditFault(
            sequence: 3, reason: .truncated,
            detail: "the log ends at entry 2, but the checkpoint written \(try #require(sparse.checkpoints.read().latest).time) anchors "
                + "entry 4: entries 3 to 4 were removed, and any written after")))
    }

    @Test func aRecomputedChainDiffersFromItsCheckpoints() throws {
        let anchored = try AnchoredDirectory(cadence: AuditCheckpoints.Cadence(every: 2, interval: 3600))
        try AuditLogTests.recordFive(anchored.audit)
        // The intruder rewrites entry 4 and recomputes every hash from there: a valid chain.
        let entries = try anchored.audit.entries(after: 0, limit: 10)
        var previous = entries[2].hash
        for sequence: Int64 in 4...5 {
            var text = try anchored.directory.storedEntry(sequence)
            if sequence == 4 { text = text.replacingOccurrences(of: "robot", with: "ghost") }
            let hash = AuditLog.chainHash(previous: previous, canonical: text)
            try anchored.directory.tamper("UPDATE audit_log SET entry = ?, previous_hash = ?, hash = ? WHERE seq = ?", [text, previous, hash, sequence])
            previous = hash
        }
        #expect(try anchored.audit.verify() == .intact(count: 5), "the chain alone cannot tell")
        guard case .broken(let fault) = try anchored.verify() else {
            Issue.record("expected the rewrite to be found")
            return
        }
        #expect(fault.sequence == 5)
        #expect(fault.reason == .checkpointMismatch)
        #expect(fault.detail.contains("after entry 3, the last one a checkpoint confirms"))
    }

    @Test func forgedCheckpointsAreRefused() throws {
        let anchored = try AnchoredDirectory()
        try AuditLogTests.recordFive(anchored.audit)
        let lines = try anchored.lines
        #expect(lines.count == 5)
        let last = try #require(AuditCheckpoint(json: try JSONValue(parsing: lines[4])))

        // An altered hash under the old signature.
        var altered = last
        altered.hash = String(repeating: "0", count: 64)
        try anchored.rewrite(Array(lines.dropLast()) + [altered.json.serialized()])
        guard case .broken(let fault) = try anchored.verify() else {
            Issue.record("expected the forged checkpoint to be refused")
            return
        }
        #expect(fault.reason == .forgedCheckpoint)
        #expect(fault.sequence == 5)
        #expect(fault.detail.contains("line 5"))
        #expect(fault.detail.contains("forged or altered"))

        // A checkpoint claiming entries that never existed, with a made-up signature: refused,
        // not taken for a truncation.
        var invented = last
        invented.sequence = 100
        invented.signature = String(repeating: "a", count: 64)
        try anchored.rewrite(lines + [invented.json.serialized()])
        let reading = try anchored.checkpoints.read()
        #expect(reading.latest?.sequence == 5)
        #expect(reading.problems.map(\.kind) == [.badSignature])
        #expect(try anchored.verify() == .broken(AuditFault(sequence: 100, reason: .forgedCheckpoint, detail: reading.problems[0].detail)))

        // Signed by a key derived from another master key: the signature is someone else's.
        let otherKey = AuditCheckpointKey(master: MasterKey.generate(source: .environment))
        var foreign = AuditCheckpoint(sequence: 100, hash: last.hash, time: Date(), key: otherKey)
        foreign.kid = last.kid
        try anchored.rewrite(lines + [foreign.json.serialized()])
        #expect(try anchored.checkpoints.read().problems.map(\.kind) == [.badSignature])

        // A line that is not a checkpoint at all.
        try anchored.rewrite(lines + [#"{"sequence": 100}"#])
        #expect(try anchored.checkpoints.read().problems.map(\.kind) == [.unreadable])
        guard case .broken(let unreadable) = try anchored.verify() else {
            Issue.record("expected the unreadable line to be refused")
            return
        }
        #expect(unreadable.reason == .forgedCheckpoint)
        #expect(unreadable.sequence == 0)
    }

    @Test func aCheckpointOfAnotherMasterKeyIsNotedNotTrusted() throws {
        let anchored = try AnchoredDirectory()
        try AuditLogTests.recordFive(anchored.audit)
        let rotatedOut = AuditCheckpoint(sequence: 100, hash: String(repeating: "0", count: 64), time: Date(),
                                         key: AuditCheckpointKey(master: MasterKey.generate(source: .keyFile)))
        try anchored.rewrite(try anchored.lines + [rotatedOut.json.serialized()])
        let reading = try anchored.checkpoints.read()
        #expect(reading.problems.map(\.kind) == [.unknownKey])
        #expect(!reading.isForged)
        #expect(reading.problems[0].detail.contains("master key \(rotatedOut.kid), which is not at hand"))
        #expect(reading.latest?.sequence == 5)
        #expect(try anchored.audit.verify(against: reading) == .intact(count: 5))
    }

    @Test func aTornLastLineIsACrashNotTampering() throws {
        let anchored = try AnchoredDirectory()
        try AuditLogTests.recordFive(anchored.audit)
        // A write cut short by a crash: part of a line, no newline.
        let handle = try #require(FileHandle(forWritingAtPath: anchored.checkpoints.path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"hash":"3f9a"#.utf8))
        try handle.close()
        let reading = try anchored.checkpoints.read()
        #expect(reading.problems.map(\.kind) == [.incomplete])
        #expect(reading.problems[0].detail.contains("the last line of \(anchored.checkpoints.path) (line 6) is cut short"))
        #expect(reading.problems[0].detail.contains("no sign of tampering"))
        #expect(!reading.isForged)
        #expect(try anchored.verify() == .intact(count: 5))

        // The next checkpoint goes on a line of its own; the fragment stays a cut-short line.
        try anchored.audit.record(AuditEvent(action: "login", actor: "ada"))
        #expect(try anchored.lines.count == 7)
        let after = try anchored.checkpoints.read()
        #expect(after.verified.map(\.sequence) == [1, 2, 3, 4, 5, 6])
        #expect(after.problems.map(\.kind) == [.incomplete])
        #expect(after.problems[0].line == 6)
        #expect(try anchored.verify() == .intact(count: 6))
    }

    @Test func theCadenceBoundsTheWritesAndSurvivesARestart() throws {
        let anchored = try AnchoredDirectory(cadence: AuditCheckpoints.Cadence(every: 100, interval: 3600))
        for index in 0..<250 { try anchored.audit.record(AuditEvent(action: "login", actor: "user-\(index)")) }
        #expect(try anchored.checkpoints.read().verified.map(\.sequence) == [1, 101, 201])
        // Another process on the same directory carries on from the file's last checkpoint.
        let again = try AnchoredDirectory(cadence: AuditCheckpoints.Cadence(every: 100, interval: 3600), directory: anchored.directory)
        for index in 0..<60 { try again.audit.record(AuditEvent(action: "login", actor: "late-\(index)")) }
        #expect(try again.checkpoints.read().verified.map(\.sequence) == [1, 101, 201, 301])
        #expect(try again.audit.checkpoint()?.sequence == 310)
        #expect(try again.verify() == .intact(count: 310))
    }

    @Test func aSavedAnswerOfTheEndpointReadsLikeTheFile() throws {
        let anchored = try AnchoredDirectory()
        try AuditLogTests.recordFive(anchored.audit)
        let saved = anchored.directory.path + "/saved.json"
        let answer: JSONValue = ["checkpoints": .array(try anchored.checkpoints.read().checkpoints.map(\.json)), "problems": []]
        try answer.serialized().write(toFile: saved, atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: anchored.checkpoints.path)
        try anchored.directory.tamper("DELETE FROM audit_log WHERE seq = 5")
        let copy = try AuditCheckpoints.read(path: saved, directory: anchored.directory.path, environment: ["FACET_MASTER_KEY": AnchoredDirectory.masterKey])
        #expect(copy.verified.count == 5)
        #expect(try anchored.audit.verify(against: copy) == .broken(AuditFault(
            sequence: 5, reason: .truncated,
            detail: "the log ends at entry 4, but the checkpoint written \(try #require(copy.latest).time) anchors entry 5: "
                + "entry 5 was removed, and any written after")))
        // Without the master key, nothing can be checked, and nothing is trusted.
        let keyless = try AuditCheckpoints.read(path: saved, directory: anchored.directory.path, environment: [:])
        #expect(keyless.verified.isEmpty)
        #expect(keyless.problems.map(\.kind) == [.unknownKey])
    }

    @Test func theSecuritySystemAnchorsItsLogAndARotationSignsAgain() throws {
        let fixture = try EncryptionFixture()
        defer { fixture.remove() }
        let checkpoints = try #require(fixture.security.audit.checkpoints)
        #expect(checkpoints.path == fixture.directory + "/audit-checkpoints.ndjson")
        // Users and tokens are audited through the same, anchored log.
        _ = try fixture.security.identities.addUser(name: "ada", role: .sales, staffID: nil, password: "plum-velvet-orchard-1987", by: .system())
        let before = try checkpoints.read()
        #expect(before.verified.first?.sequence == 1)
        let previousKid = try fixture.security.encryption.masterKeyID
        let report = try fixture.security.encryption.rotateKeys(grace: 0, audit: fixture.security.audit)
        #expect(report.masterKeyRotated)
        let after = try checkpoints.read()
        let latest = try #require(after.latest)
        #expect(latest.kid == report.masterKeyID && latest.kid != previousKid)
        #expect(latest.sequence == (try fixture.security.audit.lastSequence()))
        #expect(try fixture.security.audit.verify(against: after).isIntact)
    }
}
