import Crypto
import FacetStore
import Foundation
import Synchronization

/// The data keys: one random AES-256 key per subject (a document's published id) in a dataset,
/// stored in the security database wrapped by the master key, unwrapped on demand and kept in
/// memory.
///
/// Other processes on the same data directory (a server while `facet keys rotate` or `facet gdpr
/// erase` runs) change keys under this one: every change bumps a generation number in the
/// database, and a process that sees a new generation drops what it cached. Keys it has never
/// seen are looked up by id, so envelopes written by another process always open.
final class DataKeyring: Sendable {
    let database: SecurityDatabase
    let directory: String

    private struct State {
        var master: MasterKey
        /// The keys the environment gives (`FACET_MASTER_KEY`, and the previous one while it is
        /// replaced): a process follows whichever of them the database names.
        var environmentKeys: [MasterKey] = []
        var generation: Int64
        /// The keys opened last, and which is current for each subject.
        var open: OpenDataKeys
        var destroyed: Set<String> = []
        var checked = ContinuousClock.now

        init(master: MasterKey, environmentKeys: [MasterKey], generation: Int64, capacity: Int) {
            self.master = master
            self.environmentKeys = environmentKeys
            self.generation = generation
            open = OpenDataKeys(capacity: capacity)
        }
    }

    /// How many open keys are kept by default: well above what one transaction or one batch
    /// of a dataset being read uses at once (a few thousand).
    static let openKeyCapacity = 32_768

    /// How many open keys there are.
    var openKeyCount: Int { state.withLock { $0.open.count } }

    /// How long a reader trusts what it cached before it looks for key changes again. Writers
    /// always look (a value must never be sealed with a retired key); a reader may, for this
    /// long, still open a value whose key another process destroyed a moment ago.
    static let readerStaleness: Duration = .milliseconds(100)

    private let state: Mutex<State>

    /// Opens the keys of `database`, with the master key from `environment` or the key file in
    /// `directory` (created when this is the directory's first start).
    init(database: SecurityDatabase, directory: String, environment: [String: String],
         openKeyCapacity: Int = DataKeyring.openKeyCapacity) throws(SecurityError)
    {
        self.database = database
        self.directory = directory
        let recorded = try database.read { db in
            try db.row("SELECT master_kid, generation FROM encryption_state WHERE id = 1")
                .map { (kid: $0[0] as String, generation: $0[1] as Int64) }
        }
        let keyCount = try database.read { db in try db.value("SELECT count(*) FROM data_keys", as: Int.self) ?? 0 }
        var master: MasterKey
        var environmentKeys: [MasterKey] = []
        let previousKey = try MasterKey.previousFromEnvironment(environment)
        if let fromEnvironment = try MasterKey.fromEnvironment(environment) {
            environmentKeys = [fromEnvironment] + [previousKey].compactMap { $0 }
            // Until a rotation has wrapped everything with the new key, the keys are wrapped with
            // the previous one, and so are the ones this process makes.
            master = environmentKeys.first { $0.kid == recorded?.kid } ?? fromEnvironment
        } else {
            let files = try MasterKey.keyFiles(in: directory)
            if let recorded, let match = files.first(where: { $0.kid == recorded.kid }) {
                master = match
            } else if let first = files.first {
                master = first
            } else if recorded != nil, keyCount > 0 {
                throw SecurityError(.storage, "The master key file \(directory)/\(MasterKey.fileName) is missing",
                                    advice: "Restore it from your backup, or set FACET_MASTER_KEY to the key the data keys were made with; without it no encrypted field can be read.")
            } else {
                let fresh = MasterKey.generate(source: .keyFile)
                let path = (directory as NSString).appendingPathComponent(MasterKey.fileName)
                if try MasterKey.writeNew(fresh, to: path) {
                    master = fresh
                } else {
                    // Another process created it a moment ago.
                    guard let made = try MasterKey.keyFiles(in: directory).first else {
                        throw SecurityError(.storage, "The key file \(path) is unreadable", advice: "Check its owner and mode (0600).")
                    }
                    master = made
                }
            }
        }
        if let recorded, recorded.kid != master.kid, keyCount > 0 {
            throw SecurityError(.invalid, "The master key (\(master.source.rawValue), kid \(master.kid)) is not the one this data directory's keys are wrapped with (kid \(recorded.kid))",
                                advice: master.source == .environment
                                    ? "Set FACET_MASTER_KEY to the key this directory was encrypted with, or unset it to use the key file. To replace that key, set the new one in FACET_MASTER_KEY and the old one in \(MasterKey.previousVariable), then run `facet keys rotate`."
                                    : "Restore the key file \(MasterKey.fileName) from your backup, or set FACET_MASTER_KEY.")
        }
        let chosen = master
        let generation = try database.write { db -> Int64 in
            try db.execute("""
                INSERT INTO encryption_state (id, master_kid, generation) VALUES (1, ?, 0)
                ON CONFLICT(id) DO UPDATE SET master_kid = excluded.master_kid
                    WHERE NOT EXISTS (SELECT 1 FROM data_keys)
                """, [chosen.kid])
            return try db.value("SELECT generation FROM encryption_state WHERE id = 1", as: Int64.self) ?? 0
        }
        state = Mutex(State(master: master, environmentKeys: environmentKeys, generation: generation, capacity: max(1, openKeyCapacity)))
    }

    /// The key `FACET_MASTER_KEY` gives when the keys are still wrapped with another one (the
    /// previous key, in ``MasterKey/previousVariable``): what a rotation moves them to.
    var environmentReplacement: MasterKey? {
        state.withLock { state in state.environmentKeys.first.flatMap { $0.kid == state.master.kid ? nil : $0 } }
    }

    /// The master key in use.
    var master: MasterKey { state.withLock { $0.master } }

    // MARK: Reading keys

    /// ``refresh()``, unless this process looked less than ``readerStaleness`` ago: what a read
    /// does, so that loading a dataset does not query the database once per document.
    func refreshForReading() throws(SecurityError) {
        let now = ContinuousClock.now
        let recent = state.withLock { now - $0.checked < Self.readerStaleness }
        if !recent { try refresh() }
    }

    /// Drops cached keys when another process (or this one) changed them since the last look.
    func refresh() throws(SecurityError) {
        let recorded: (kid: String, generation: Int64)?
        do {
            recorded = try database.records.read { db in
                try db.row("SELECT master_kid, generation FROM encryption_state WHERE id = 1")
                    .map { (kid: $0[0] as String, generation: $0[1] as Int64) }
            }
        } catch {
            throw SecurityDatabase.failure(error, doing: "Cannot read the encryption state")
        }
        guard let recorded else { return }
        let stale = state.withLock { state -> String? in
            state.checked = ContinuousClock.now
            guard state.generation != recorded.generation else { return nil }
            state.generation = recorded.generation
            state.open.forgetAll()
            state.destroyed.removeAll()
            return state.master.kid == recorded.kid ? nil : recorded.kid
        }
        if let kid = stale { _ = try masterKey(kid: kid) }
    }

    /// The master key `kid`: the one in use, or (after another process rotated it) the one the
    /// key files now hold.
    ///
    /// With `adopting` false the key is only looked up: opening a secret sealed with the previous
    /// key (during a rotation) must not make it the key new data keys are wrapped with.
    private func masterKey(kid: String, adopting: Bool = true) throws(SecurityError) -> MasterKey {
        let (current, environmentKeys) = state.withLock { ($0.master, $0.environmentKeys) }
        if current.kid == kid { return current }
        if let found = environmentKeys.first(where: { $0.kid == kid }) {
            if adopting { state.withLock { $0.master = found } }
            return found
        }
        if current.source == .keyFile, let found = try MasterKey.keyFiles(in: directory).first(where: { $0.kid == kid }) {
            if adopting { state.withLock { $0.master = found } }
            return found
        }
        throw SecurityError(.storage, "The data keys are wrapped with master key \(kid), which this process does not have (it has \(current.kid) from the \(current.source.rawValue))",
                            advice: current.source == .environment
                                ? "The master key was rotated: set FACET_MASTER_KEY to the new key (and \(MasterKey.previousVariable) to the old one while servers move over) and restart."
                                : "Restore the key file \(MasterKey.fileName) from your backup.")
    }

    /// The data key `kid`; `nil` when it was destroyed (erased, or retired by a rotation).
    func key(kid: String) throws(SecurityError) -> SymmetricKey? {
        // A key already open (or known destroyed) is one look under the lock: history and
        // imports open documents one at a time, an envelope each.
        let cached: SymmetricKey?? = state.withLock { state in
            if let key = state.open.key(kid: kid) { return .some(key) }
            return state.destroyed.contains(kid) ? .some(nil) : nil
        }
        if let cached { return cached }
        return try openKeys([kid], keepingOpen: true)[kid]
    }

    /// The data keys `kids`, by id, each read and unwrapped at most once; a destroyed key is
    /// absent. With `keepingOpen` false the keys read are not kept: a dataset being loaded
    /// opens each client's key for that client's documents alone, and keeping them would only
    /// push out the keys in use.
    ///
    /// Many keys cost a few statements and are unwrapped on every core, with the lock taken
    /// twice in all: a batch of a dataset being loaded asks for a key per client, and asking for
    /// each in turn had every core queueing for the lock and the database.
    func openKeys(_ kids: Set<String>, keepingOpen: Bool = false) throws(SecurityError) -> [String: SymmetricKey] {
        var keys: [String: SymmetricKey] = [:]
        var missing: [String] = []
        state.withLock { state in
            for kid in kids {
                if let key = state.open.key(kid: kid) {
                    keys[kid] = key
                } else if !state.destroyed.contains(kid) {
                    missing.append(kid)
                }
            }
        }
        guard !missing.isEmpty else { return keys }
        // Each core reads and unwraps a share of the keys (reading them by id costs as much as
        // unwrapping them), each share a run of neighbouring ids: the table is ordered by id.
        missing.sort()
        let parts = EveryCore.chunks(of: missing.count, serialBelow: 64) { [missing] range in
            Result { () throws(SecurityError) -> [(kid: String, key: SymmetricKey)] in
                var masters: [String: MasterKey] = [:]
                var opened: [(kid: String, key: SymmetricKey)] = []
                for wrapped in try wrappedKeys(missing[range]) {
                    let master: MasterKey
                    if let known = masters[wrapped.masterKid] { master = known } else { master = try masterKey(kid: wrapped.masterKid) }
                    masters[wrapped.masterKid] = master
                    opened.append((wrapped.kid, try Self.unwrap(wrapped, master: master)))
                }
                return opened
            }
        }
        var unwrapped: [(kid: String, key: SymmetricKey)] = []
        for part in parts { unwrapped += try part.get() }
        for (kid, key) in unwrapped { keys[kid] = key }
        if unwrapped.count < missing.count {
            // Destroyed, or never made here (the value was sealed elsewhere or its id altered).
            let absent = missing.filter { keys[$0] == nil }
            let destroyed = try destroyedKeys(absent)
            if let unknown = absent.first(where: { !destroyed.contains($0) }) {
                throw SecurityError(.storage, "No data key \"\(unknown)\" exists in this data directory",
                                    advice: "The value was encrypted elsewhere or its key id was altered; restore the document from history or a backup.")
            }
            state.withLock { $0.destroyed.formUnion(destroyed) }
        }
        if keepingOpen {
            state.withLock { state in
                for (kid, key) in unwrapped { state.open.remember(key, kid: kid) }
            }
        }
        return keys
    }

    /// The stored keys among `kids`, read by id through one prepared statement.
    private func wrappedKeys(_ kids: ArraySlice<String>) throws(SecurityError) -> [WrappedKey] {
        try database.read { db in
            var found: [WrappedKey] = []
            found.reserveCapacity(kids.count)
            for kid in kids {
                if let row = try db.row("SELECT kid, wrapped, master_kid, dataset, subject FROM data_keys WHERE kid = ?", [kid]) {
                    found.append(WrappedKey(kid: row[0], wrapped: row[1], masterKid: row[2], subject: SubjectKey(dataset: row[3], subject: row[4])))
                }
            }
            return found
        }
    }

    /// Those of `kids` that were destroyed.
    private func destroyedKeys(_ kids: [String]) throws(SecurityError) -> Set<String> {
        try database.read { db in
            var destroyed = Set<String>()
            for start in stride(from: 0, to: kids.count, by: Self.idsPerStatement) {
                let part = kids[start..<min(kids.count, start + Self.idsPerStatement)]
                destroyed.formUnion(try db.values("SELECT kid FROM destroyed_keys WHERE kid IN (\(Self.placeholders(part.count)))", Array(part), as: String.self))
            }
            return destroyed
        }
    }

    /// How many ids one statement looks up: well under SQLite's limit on parameters.
    private static let idsPerStatement = 500
    /// How many new keys one statement inserts (six parameters each).
    private static let keysPerInsert = 80

    private static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }

    /// Makes sure each of `subjects` has a current key, creating the missing ones in one
    /// transaction: a transaction that writes many new people (an import, a seed) then pays for
    /// one durable commit of the security database instead of one per person.
    func prepareKeys(for subjects: Set<SubjectKey>, refreshing: Bool = true) throws(SecurityError) {
        if refreshing { try refresh() }
        let missing = state.withLock { state in subjects.filter { state.open.currentKey(of: $0) == nil } }
        guard missing.count > 1 else { return }
        let master = state.withLock { $0.master }
        let subjects = Array(missing)
        // The keys are made and wrapped on every core before the write: random bytes and AES
        // are most of what a key costs, and need no lock. (One another process made meanwhile
        // is found by the write, and the one made here is dropped.)
        let made = EveryCore.chunks(of: subjects.count) { range in
            range.map { index -> Result<(kid: String, key: SymmetricKey, wrapped: Data), SecurityError> in
                let kid = Self.newKeyID()
                let key = SymmetricKey(data: RandomPool.shared.bytes(32))
                do { return .success((kid, key, try Self.wrap(key, kid: kid, subject: subjects[index], master: master))) } catch {
                    return .failure(SecurityError(.storage, "Cannot wrap a data key: \(error)"))
                }
            }
        }.joined().map { $0 }
        // A key made here is kept as made; one found (made by another process) is unwrapped.
        typealias Found = (subject: SubjectKey, kid: String, wrapped: Data, masterKid: String, made: SymmetricKey?)
        let found: [Found]? = try database.write { db in
            guard try db.value("SELECT master_kid FROM encryption_state WHERE id = 1", as: String.self) == master.kid else { return nil }
            let existing = try Self.currentKeys(of: subjects, db)
            var found: [Found] = []
            found.reserveCapacity(subjects.count)
            let now = Timestamp.string(Date())
            // Many rows per statement: a seed makes hundreds of thousands of keys, and one
            // statement per key cost more than making them.
            var rows: [any SQLColumnValue] = []
            rows.reserveCapacity(Self.keysPerInsert * 6)
            func insertRows() throws {
                guard !rows.isEmpty else { return }
                let count = rows.count / 6
                try db.execute("INSERT INTO data_keys (kid, dataset, subject, wrapped, master_kid, created_at) VALUES "
                    + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: count).joined(separator: ", "), rows)
                rows.removeAll(keepingCapacity: true)
            }
            for (subject, key) in zip(subjects, made) {
                if let existing = existing[subject] {
                    found.append((subject, existing.kid, existing.wrapped, existing.masterKid, nil))
                    continue
                }
                let key = try key.get()
                rows.append(contentsOf: [key.kid, subject.dataset, subject.subject, key.wrapped, master.kid, now] as [any SQLColumnValue])
                found.append((subject, key.kid, key.wrapped, master.kid, key.key))
                if rows.count == Self.keysPerInsert * 6 { try insertRows() }
            }
            try insertRows()
            return found
        }
        // A rotation replaced the master key meanwhile: each key is then made on first use.
        guard let found else { return }
        var opened: [(SubjectKey, String, SymmetricKey)] = []
        for entry in found {
            if let made = entry.made {
                opened.append((entry.subject, entry.kid, made))
            } else {
                opened.append((entry.subject, entry.kid, try unwrap(entry.wrapped, masterKid: entry.masterKid, kid: entry.kid, subject: entry.subject)))
            }
        }
        state.withLock { state in
            for (subject, kid, key) in opened where state.open.currentKey(of: subject) == nil {
                state.open.makeCurrent(kid, key: key, for: subject)
            }
        }
    }

    /// The current (newest, not retired) key of each of `subjects` that has one, read in a few
    /// statements rather than one per subject.
    private static func currentKeys(of subjects: [SubjectKey], _ db: any RelationalTransaction) throws -> [SubjectKey: (kid: String, wrapped: Data, masterKid: String)] {
        var keys: [SubjectKey: (kid: String, wrapped: Data, masterKid: String)] = [:]
        for (dataset, group) in Dictionary(grouping: subjects, by: \.dataset) {
            for start in stride(from: 0, to: group.count, by: idsPerStatement) {
                let names = group[start..<min(group.count, start + idsPerStatement)].map(\.subject)
                let rows = try db.rows("""
                    SELECT subject, kid, wrapped, master_kid FROM data_keys WHERE dataset = ? AND retired = 0 AND subject IN (\(placeholders(names.count)))
                    ORDER BY created_at DESC, kid
                    """, Array([dataset] + names))
                for row in rows {
                    let subject = SubjectKey(dataset: dataset, subject: row[0])
                    if keys[subject] == nil { keys[subject] = (row[1], row[2], row[3]) }
                }
            }
        }
        return keys
    }

    /// The key new values of `subject` are sealed with, created on first use.
    func currentKey(for subject: SubjectKey, refreshing: Bool = true) throws(SecurityError) -> (kid: String, key: SymmetricKey) {
        if refreshing { try refresh() }
        let cached = state.withLock { $0.open.currentKey(of: subject) }
        if let cached { return cached }
        for _ in 0..<3 {
            let master = state.withLock { $0.master }
            let found: (kid: String, wrapped: Data, masterKid: String, created: Bool)? = try database.write { db in
                let existing = try db.row("""
                    SELECT kid, wrapped, master_kid FROM data_keys WHERE dataset = ? AND subject = ? AND retired = 0
                    ORDER BY created_at DESC, kid LIMIT 1
                    """, [subject.dataset, subject.subject])
                if let existing { return (existing[0], existing[1], existing[2], false) }
                // Wrap only with the master key the database names, checked in the same
                // transaction: a rotation that has just replaced it must not get a key it cannot open.
                guard try db.value("SELECT master_kid FROM encryption_state WHERE id = 1", as: String.self) == master.kid else { return nil }
                let kid = Self.newKeyID()
                let wrapped = try Self.wrap(SymmetricKey(data: RandomPool.shared.bytes(32)), kid: kid, subject: subject, master: master)
                try db.execute("INSERT INTO data_keys (kid, dataset, subject, wrapped, master_kid, created_at) VALUES (?, ?, ?, ?, ?, ?)", [kid, subject.dataset, subject.subject, wrapped, master.kid, Timestamp.string(Date())])
                return (kid, wrapped, master.kid, true)
            }
            guard let found else {
                try refresh()
                continue
            }
            let key = try unwrap(found.wrapped, masterKid: found.masterKid, kid: found.kid, subject: subject)
            state.withLock { state in
                state.open.makeCurrent(found.kid, key: key, for: subject)
            }
            return (found.kid, key)
        }
        throw SecurityError(.storage, "The master key changed repeatedly while a data key was being created",
                            advice: "Try again once `facet keys rotate` has finished.")
    }

    // MARK: Wrapping (see DataKeyWrapping.swift)

    private func unwrap(_ wrapped: Data, masterKid: String, kid: String, subject: SubjectKey) throws(SecurityError) -> SymmetricKey {
        try Self.unwrap(WrappedKey(kid: kid, wrapped: wrapped, masterKid: masterKid, subject: subject), master: masterKey(kid: masterKid))
    }

    // MARK: Other secrets

    /// `secret` sealed with the master key in use, bound to `label` (what it is and its name), for
    /// secrets the security database keeps besides data keys (the token signing keys).
    func sealSecret(_ secret: Data, label: String) throws(SecurityError) -> (sealed: Data, masterKid: String) {
        let master = state.withLock { $0.master }
        do {
            let box = try AES.GCM.seal(secret, using: master.key, authenticating: Self.secretContext(label))
            guard let combined = box.combined else { throw SecurityError(.storage, "AES-GCM produced no combined form") }
            return (combined, master.kid)
        } catch let error as SecurityError {
            throw error
        } catch {
            throw SecurityError(.storage, "The secret \(label) could not be sealed: \(error)")
        }
    }

    /// A secret ``sealSecret(_:label:)`` sealed, opened with the master key `masterKid`.
    func openSecret(_ sealed: Data, masterKid: String, label: String) throws(SecurityError) -> Data {
        let master = try masterKey(kid: masterKid, adopting: false)
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: master.key, authenticating: Self.secretContext(label))
        } catch {
            throw SecurityError(.storage, "The secret \(label) does not open with master key \(masterKid)",
                                advice: "The security database was altered or restored without its key file; restore both from the same backup.")
        }
    }

    private static func secretContext(_ label: String) -> Data {
        Data("facet secret\u{0}\(label)".utf8)
    }

    // MARK: Changing keys

    /// Destroys every data key of `subjects` (crypto-shredding): what they sealed, anywhere, can
    /// no longer be read. Deleted pages are zeroed and the write-ahead log truncated, so the
    /// wrapped keys do not linger in the file. Returns the keys of `subjects` destroyed.
    ///
    /// The image keys of their datasets go too (not counted): an image holds the values opened,
    /// and must not outlive the keys that sealed them anywhere else.
    func destroy(_ subjects: [SubjectKey], reason: String) throws(SecurityError) -> [String] {
        let images = Set(subjects.map(\.dataset)).sorted().map { SubjectKey(dataset: $0, subject: SubjectKey.image) }
        let now = Timestamp.string(Date())
        let destroyed: [String]
        do {
            destroyed = try database.records.write { db in
                var kids: [String] = []
                for subject in subjects + images {
                    let found = try db.values("SELECT kid FROM data_keys WHERE dataset = ? AND subject = ?", [subject.dataset, subject.subject],
                                              as: String.self)
                    for kid in found {
                        try db.execute("""
                            INSERT INTO destroyed_keys (kid, dataset, subject, destroyed_at, reason) VALUES (?, ?, ?, ?, ?)
                            ON CONFLICT (kid) DO UPDATE SET destroyed_at = excluded.destroyed_at, reason = excluded.reason
                            """, [kid, subject.dataset, subject.subject, now, reason])
                        try db.execute("DELETE FROM data_keys WHERE kid = ?", [kid])
                    }
                    if subject.subject != SubjectKey.image { kids += found }
                }
                try db.execute("UPDATE encryption_state SET generation = generation + 1 WHERE id = 1")
                return kids
            }
            try? database.records.purgeDeleted()
        } catch {
            throw SecurityDatabase.failure(error, doing: "Cannot destroy data keys")
        }
        try refresh()
        return destroyed
    }

    /// Retires every data key in favour of a new one per subject (wrapped by `newMaster` when
    /// given, which then becomes the master key), in one transaction. Returns the retired keys:
    /// they stay readable until ``finishRotation(retired:)``.
    func beginRotation(newMaster: MasterKey?) throws(SecurityError) -> (retired: Set<String>, subjects: Int) {
        let master = state.withLock { $0.master }
        let target = newMaster ?? master
        let result: (Set<String>, Int) = try database.write { db in
            let rows = try db.rows("SELECT kid, dataset, subject, wrapped, master_kid, retired FROM data_keys")
            var subjects: Set<SubjectKey> = []
            var retired: Set<String> = []
            let now = Timestamp.string(Date())
            for row in rows {
                let kid: String = row["kid"]
                let subject = SubjectKey(dataset: row["dataset"], subject: row["subject"])
                subjects.insert(subject)
                retired.insert(kid)
                var wrapped: Data = row["wrapped"]
                if (row["master_kid"] as String) != target.kid {
                    let key = try self.unwrap(row["wrapped"], masterKid: row["master_kid"], kid: kid, subject: subject)
                    wrapped = try Self.wrap(key, kid: kid, subject: subject, master: target)
                }
                try db.execute("UPDATE data_keys SET retired = 1, wrapped = ?, master_kid = ? WHERE kid = ?", [wrapped, target.kid, kid])
            }
            for subject in subjects {
                let kid = Self.newKeyID()
                let wrapped = try Self.wrap(SymmetricKey(data: RandomPool.shared.bytes(32)), kid: kid, subject: subject, master: target)
                try db.execute("INSERT INTO data_keys (kid, dataset, subject, wrapped, master_kid, created_at) VALUES (?, ?, ?, ?, ?, ?)", [kid, subject.dataset, subject.subject, wrapped, target.kid, now])
            }
            try db.execute("UPDATE encryption_state SET master_kid = ?, generation = generation + 1 WHERE id = 1", [target.kid])
            return (retired, subjects.count)
        }
        state.withLock { $0.master = target }
        try refresh()
        return result
    }

    /// Deletes retired keys once no stored value uses them any more.
    func finishRotation(retired: Set<String>) throws(SecurityError) -> Int {
        guard !retired.isEmpty else { return 0 }
        let removed = try database.write { db -> Int in
            var removed = 0
            for kid in retired.sorted() {
                try db.execute("""
                    INSERT INTO destroyed_keys (kid, dataset, subject, destroyed_at, reason)
                    SELECT kid, dataset, subject, ?, 'rotated' FROM data_keys WHERE kid = ? AND retired = 1
                    ON CONFLICT (kid) DO UPDATE SET destroyed_at = excluded.destroyed_at, reason = excluded.reason
                    """, [Timestamp.string(Date()), kid])
                removed += try db.execute("DELETE FROM data_keys WHERE kid = ? AND retired = 1", [kid])
            }
            try db.execute("UPDATE encryption_state SET generation = generation + 1 WHERE id = 1")
            return removed
        }
        try refresh()
        return removed
    }

    /// Counts for `facet keys status`.
    func counts() throws(SecurityError) -> (active: Int, retired: Int, destroyed: Int) {
        try database.read { db in
            (try db.value("SELECT count(*) FROM data_keys WHERE retired = 0", as: Int.self) ?? 0,
             try db.value("SELECT count(*) FROM data_keys WHERE retired = 1", as: Int.self) ?? 0,
             try db.value("SELECT count(*) FROM destroyed_keys", as: Int.self) ?? 0)
        }
    }
}
