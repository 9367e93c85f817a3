import Crypto
import FacetStore
import Foundation
import GRDB
import GROQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a key rotation did.
public struct KeyRotationReport: Sendable, Equatable {
    /// The master key before and after (the same when it comes from `FACET_MASTER_KEY` alone,
    /// which Facet cannot change; a new `FACET_MASTER_KEY` beside the old one in
    /// `FACET_MASTER_KEY_PREVIOUS` replaces it).
    public var previousMasterKeyID: String
    public var masterKeyID: String
    /// Subjects that got a new data key.
    public var subjects = 0
    /// Envelopes re-encrypted, in documents, history revisions and recorded mutations.
    public var envelopes = 0
    /// Stored rows rewritten.
    public var rows = 0
    /// Old data keys deleted at the end.
    public var retiredKeys = 0
    /// The datasets rewritten.
    public var datasets: [String] = []
    /// Token signing keys sealed again under the new master key.
    public var signingKeys = 0

    public var masterKeyRotated: Bool { previousMasterKeyID != masterKeyID }
}

/// Re-encrypts every envelope of a data directory under new keys, while servers keep running.
///
/// The steps, and why they are safe with a server writing at the same time:
/// 1. With a key file, a new master key is written to `master.key.next` first, so that a crash
///    at any point leaves a key file for whatever the database names.
/// 2. One transaction of the security database gives every subject a new data key (wrapped by the
///    new master key), marks the old ones retired, and bumps the key generation. Every process
///    checks the generation before it seals, so from this commit on, nothing new is sealed
///    with a retired key; retired keys still open what they sealed, in every process (a process
///    that meets a master key id it does not know reads the key files again).
/// 3. The key files are swapped: `master.key` becomes `master.key.old`, `master.key.next`
///    becomes `master.key`.
/// 4. Each dataset file is rewritten in small write transactions: documents, history revisions
///    and recorded mutations. Each batch reads and rewrites its rows under the dataset's write
///    lock, so a document a server commits meanwhile is never overwritten by an older state.
/// 5. The race: a server may have sealed a write with an old key just before step 2 and commit
///    it after step 4 passed its row. Such a write must commit within SQLite's busy timeout of
///    the moment it sealed, or fail; so after a grace period longer than that, a final sweep
///    re-encrypts what arrived meanwhile, and repeats until a sweep finds nothing.
/// 6. Only then are the retired keys deleted (recorded as destroyed by rotation), and the old
///    key file removed.
///
/// A master key from `FACET_MASTER_KEY` is replaced the same way, without files: every process
/// is started with the new key in `FACET_MASTER_KEY` and the old one in
/// `FACET_MASTER_KEY_PREVIOUS` (each follows whichever the database names), the rotation wraps
/// everything with the new one, and from then on the old one may be removed.
struct KeyRotation {
    let encryption: FieldEncryption
    let keyring: DataKeyring
    let grace: Double
    var directory: String { encryption.directory }

    func run() throws(SecurityError) -> KeyRotationReport {
        let previous = keyring.master
        var newMaster: MasterKey?
        if previous.source == .keyFile {
            try settleKeyFiles()
            let fresh = MasterKey.generate(source: .keyFile)
            let next = path(MasterKey.nextFileName)
            try? FileManager.default.removeItem(atPath: next)
            guard try MasterKey.writeNew(fresh, to: next) else {
                throw SecurityError(.conflict, "Another key rotation is writing \(next)", advice: "Wait for it to finish, then run `facet keys rotate` again if needed.")
            }
            newMaster = fresh
        } else {
            newMaster = keyring.environmentReplacement
        }
        let (retired, subjects) = try keyring.beginRotation(newMaster: newMaster)
        let started = Date()
        if newMaster?.source == .keyFile { try settleKeyFiles() }
        var report = KeyRotationReport(previousMasterKeyID: previous.kid, masterKeyID: keyring.master.kid, subjects: subjects)
        // Before the previous master key can go: the signing keys it sealed must open without it.
        report.signingKeys = try SigningKeys.reseal(database: keyring.database, keyring: keyring)
        let files = try datasetFiles()
        report.datasets = files.map(\.name)
        for file in files { try rewrite(file, retired: retired, into: &report) }
        let waited = Date().timeIntervalSince(started)
        if waited < grace { Thread.sleep(forTimeInterval: grace - waited) }
        var sweeps = 0
        while true {
            var sweep = report
            sweep.envelopes = 0
            for file in files { try rewrite(file, retired: retired, into: &sweep) }
            report.rows = sweep.rows
            report.envelopes += sweep.envelopes
            sweeps += 1
            if sweep.envelopes == 0 { break }
            guard sweeps < 10 else {
                throw SecurityError(.storage, "Writes sealed with retired keys keep arriving",
                                    advice: "Run `facet keys rotate` again; the old keys were kept, nothing is lost.")
            }
        }
        report.retiredKeys = try keyring.finishRotation(retired: retired)
        if newMaster?.source == .keyFile { try? FileManager.default.removeItem(atPath: path(MasterKey.previousFileName)) }
        return report
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Makes `master.key` hold the master key the database names, when a rotation wrote it to
    /// `master.key.next` (now, or before a crash); removes a `.next` file the database never adopted.
    private func settleKeyFiles() throws(SecurityError) {
        let next = path(MasterKey.nextFileName), current = path(MasterKey.fileName), old = path(MasterKey.previousFileName)
        guard let data = FileManager.default.contents(atPath: next) else { return }
        let candidate = try MasterKey.parse(String(decoding: data, as: UTF8.self), origin: "The key file \(next)", source: .keyFile)
        guard candidate.kid == keyring.master.kid else {
            try? FileManager.default.removeItem(atPath: next)
            return
        }
        // rename(2) replaces atomically; for a moment only `.next` names the key, and readers look there too.
        if FileManager.default.fileExists(atPath: current), rename(current, old) != 0 {
            throw SecurityError(.storage, "Cannot keep the previous key file as \(old): \(String(cString: strerror(errno)))")
        }
        guard rename(next, current) == 0 else {
            throw SecurityError(.storage, "Cannot install the new key file \(current): \(String(cString: strerror(errno)))",
                                advice: "The new key is in \(next); rename it to \(MasterKey.fileName) by hand.")
        }
    }

    private func datasetFiles() throws(SecurityError) -> [(name: String, path: String)] {
        let folder = path("datasets")
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { $0.hasSuffix(".sqlite") }.sorted().map { (String($0.dropLast(".sqlite".count)), folder + "/" + $0) }
    }

    // MARK: Rewriting a dataset file

    private static let batchSize = 200

    private func rewrite(_ file: (name: String, path: String), retired: Set<String>, into report: inout KeyRotationReport) throws(SecurityError) {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let queue: DatabaseQueue
        do { queue = try DatabaseQueue(path: file.path, configuration: configuration) } catch {
            throw SecurityError(.storage, "Cannot open the dataset file \(file.path): \(error)")
        }
        defer { try? queue.close() }
        let dataset = file.name
        // Documents, by id.
        try batches(queue, file: file.path, select: """
            SELECT id, body FROM documents WHERE id > ? AND instr(body, '\(FieldEnvelope.type)') > 0 ORDER BY id LIMIT \(Self.batchSize)
            """, start: ["".databaseValue], position: { [$0[0]] }, update: "UPDATE documents SET body = ? WHERE id = ?",
            key: { [$0[0]] }, into: &report) { (row) throws(SecurityError) in
            try reencryptDocument(row[1], dataset: dataset, retired: retired)
        }
        // History revisions, by (document, sequence).
        try batches(queue, file: file.path, select: """
            SELECT document_id, seq, body FROM revisions WHERE (document_id, seq) > (?, ?) AND instr(body, '\(FieldEnvelope.type)') > 0
            ORDER BY document_id, seq LIMIT \(Self.batchSize)
            """, start: ["".databaseValue, (-1).databaseValue], position: { [$0[0], $0[1]] }, update: "UPDATE revisions SET body = ? WHERE document_id = ? AND seq = ?",
            key: { [$0[0], $0[1]] }, into: &report) { (row) throws(SecurityError) in
            try reencryptDocument(row[2], dataset: dataset, retired: retired)
        }
        // Recorded mutations, by sequence.
        try batches(queue, file: file.path, select: """
            SELECT seq, mutations FROM transactions WHERE seq > ? AND instr(mutations, '\(FieldEnvelope.type)') > 0 ORDER BY seq LIMIT \(Self.batchSize)
            """, start: [(-1).databaseValue], position: { [$0[0]] }, update: "UPDATE transactions SET mutations = ? WHERE seq = ?",
            key: { [$0[0]] }, into: &report) { (row) throws(SecurityError) in
            try reencryptMutations(row[1], dataset: dataset, retired: retired)
        }
    }

    /// Walks the rows `select` returns, `batchSize` at a time from `start`, each batch in one
    /// immediate transaction; `transform` gives a row's new text and envelope count, or `nil`
    /// to leave it.
    private func batches(_ queue: DatabaseQueue, file: String, select: String, start: [DatabaseValue],
                         position: (Row) -> [DatabaseValue], update: String, key: (Row) -> [DatabaseValue],
                         into report: inout KeyRotationReport,
                         transform: (Row) throws(SecurityError) -> (text: String, envelopes: Int)?) throws(SecurityError)
    {
        var cursor = start
        while true {
            var changed = (rows: 0, envelopes: 0)
            var last: [DatabaseValue]?
            do {
                try queue.writeWithoutTransaction { db in
                    try db.inTransaction(.immediate) {
                        let rows = try Row.fetchAll(db, sql: select, arguments: StatementArguments(cursor))
                        try keyring.refresh()
                        for row in rows {
                            if let (text, envelopes) = try transform(row) {
                                try db.execute(sql: update, arguments: StatementArguments([text.databaseValue] + key(row)))
                                changed.rows += 1
                                changed.envelopes += envelopes
                            }
                        }
                        last = rows.last.map(position)
                        return .commit
                    }
                }
            } catch let error as SecurityError {
                throw error
            } catch {
                throw SecurityError(.storage, "Cannot rewrite \(file): \(error)", advice: "Run `facet keys rotate` again; the old keys were kept, nothing is lost.")
            }
            report.rows += changed.rows
            report.envelopes += changed.envelopes
            guard let last else { return }
            cursor = last
        }
    }

    /// The stored document `text` with its retired envelopes re-encrypted, or `nil` when none.
    private func reencryptDocument(_ text: String?, dataset: String, retired: Set<String>) throws(SecurityError) -> (text: String, envelopes: Int)? {
        guard let text, let document = try? JSONValue(parsing: text) else { return nil }
        var count = 0
        let result = try reencrypt(document: document, dataset: dataset, retired: retired, count: &count)
        return count == 0 ? nil : (result.serialized(), count)
    }

    private func reencrypt(document: JSONValue, dataset: String, retired: Set<String>, count: inout Int) throws(SecurityError) -> JSONValue {
        guard case .object(var object) = document, let id = object["_id"]?.stringValue else { return document }
        for name in object.keys {
            let site = FieldEnvelope.Site(dataset: dataset, documentID: id, path: name)
            if let value = object[name], let renewed = try reencrypt(value, at: site, retired: retired) {
                object[name] = renewed
                count += 1
            }
        }
        return .object(object)
    }

    private func reencryptMutations(_ text: String?, dataset: String, retired: Set<String>) throws(SecurityError) -> (text: String, envelopes: Int)? {
        guard let text, case .array(let mutations)? = try? JSONValue(parsing: text) else { return nil }
        var count = 0
        var result: [JSONValue] = []
        for mutation in mutations {
            do {
                result.append(try FieldEncryption.mapMutation(mutation, dataset: dataset, document: { (document) throws(StoreError) in
                    try encryption.storeErrors { () throws(SecurityError) in try reencrypt(document: document, dataset: dataset, retired: retired, count: &count) }
                }, value: { (site, _, value) throws(StoreError) in
                    guard let site else { return value }
                    return try encryption.storeErrors { () throws(SecurityError) in
                        guard let renewed = try reencrypt(value, at: site, retired: retired) else { return value }
                        count += 1
                        return renewed
                    }
                }))
            } catch {
                throw SecurityError(.storage, error.message, advice: error.advice)
            }
        }
        return count == 0 ? nil : (JSONValue.array(result).serialized(), count)
    }

    /// A new envelope for `value` when it is one sealed with a retired key; `nil` otherwise
    /// (including envelopes whose key was destroyed: nothing can open them any more).
    private func reencrypt(_ value: JSONValue, at site: FieldEnvelope.Site, retired: Set<String>) throws(SecurityError) -> JSONValue? {
        guard let envelope = FieldEnvelope(json: value), retired.contains(envelope.kid) else { return nil }
        guard let opened = try encryption.open(value, at: site, submitted: false) else { return nil }
        let key = try keyring.currentKey(for: SubjectKey(dataset: site.dataset, subject: site.subject), refreshing: false)
        return try FieldEnvelope.seal(opened, at: site, kid: key.kid, key: key.key).json
    }
}

extension FieldEncryption {
    /// Re-encrypts every envelope of the data directory (documents, history and recorded
    /// mutations of every dataset) under new data keys, and, when the master key is the key
    /// file, under a new master key; then deletes the old keys. Servers on the same directory
    /// keep running: from the moment the new keys are committed every process seals with them,
    /// and a write sealed just before is caught by a final sweep after `grace` seconds, so no
    /// row is left under a deleted key. Audited `key-rotation`.
    ///
    /// - Parameter grace: seconds to wait before the final sweep, longer than the time a write
    ///   sealed before the rotation may take to commit (SQLite's busy timeout, 10 s). Only a
    ///   directory no other process uses may pass 0.
    public func rotateKeys(grace: Double = 15, audit: AuditLog?, actor: String = "facet") throws(SecurityError) -> KeyRotationReport {
        // The rotation rewrites the envelopes of the data directory's SQLite files and then
        // deletes the old keys: keys shared with datasets in PostgreSQL would be deleted while
        // those datasets still need them, so nothing is started there.
        guard database.dialect == .sqlite else {
            throw SecurityError(.invalid, "facet keys rotate does not yet rewrite datasets kept in PostgreSQL; nothing was changed",
                                advice: "Keep the master key and data keys as they are; rotation of a PostgreSQL deployment is planned.")
        }
        let report = try KeyRotation(encryption: self, keyring: keyring, grace: grace).run()
        try audit?.record(AuditEvent(action: "key-rotation", actor: actor, details: [
            "previousMasterKey": .string(report.previousMasterKeyID), "masterKey": .string(report.masterKeyID),
            "subjects": .number(Double(report.subjects)), "envelopes": .number(Double(report.envelopes)),
            "rows": .number(Double(report.rows)), "retiredKeys": .number(Double(report.retiredKeys)),
            "datasets": .array(report.datasets.map(JSONValue.string)),
        ]))
        // Checkpoints signed with the previous master key cannot be checked once it is gone:
        // one signed with the new key anchors everything up to the rotation.
        if report.masterKeyRotated { try audit?.checkpoint() }
        return report
    }

    /// How the keys stand, for `facet keys status`.
    public func keyStatus() throws(SecurityError) -> KeyStatus {
        let keyring = try keyring
        let counts = try keyring.counts()
        let master = keyring.master
        return KeyStatus(masterKeyID: master.kid, masterKeySource: master.source, dataKeys: counts.active, retiredKeys: counts.retired,
                         destroyedKeys: counts.destroyed)
    }
}

/// The keys of a data directory at a glance.
public struct KeyStatus: Sendable, Equatable {
    public var masterKeyID: String
    public var masterKeySource: MasterKey.Source
    /// Data keys in use.
    public var dataKeys: Int
    /// Data keys a rotation in progress (or interrupted) is replacing.
    public var retiredKeys: Int
    /// Data keys destroyed by an erasure or a finished rotation.
    public var destroyedKeys: Int
}
