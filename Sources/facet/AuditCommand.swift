import ArgumentParser
import FacetSecurity
import FacetStore
import Foundation
import GROQ

/// `facet audit`: check and read the hash-chained audit log of a data directory.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify or list the audit log.",
        discussion: """
            Examples:
              facet audit verify --data ./facet-data    # exit 1 naming the first broken or missing entry
              facet audit verify --checkpoints copy.ndjson   # against checkpoints kept off the machine
              facet audit checkpoint                    # anchor the newest entry now
              facet audit list --limit 20               # the newest 20 entries, oldest first
              facet audit list --after 100 --json       # entries 101… as auditLog documents, one JSON line each
              facet audit events --kind lockout         # recent security events, newest first
            """,
        subcommands: [Verify.self, Checkpoint.self, List.self, Events.self])

    /// Where the audit log is: `--data DIR` (or `FACET_DATA`, or `./facet-data`).
    struct Location: ParsableArguments {
        @Option(name: .long, help: "The data directory (default: $FACET_DATA, else ./facet-data).")
        var data: String?

        @Option(name: .long, help: "A PostgreSQL URL whose records servers share (default: $FACET_DATABASE_URL, else the data directory).")
        var database: String?

        var directory: String {
            data ?? ProcessInfo.processInfo.environment["FACET_DATA"] ?? "./facet-data"
        }

        /// The security database of the directory (or of the shared database); an error (not a
        /// new empty one) when the directory has none.
        func openDatabase() throws -> SecurityDatabase {
            if let records = try DatabaseChoice.backend(url: database ?? ProcessInfo.processInfo.environment["FACET_DATABASE_URL"])?.sharedRecords {
                do { return try SecurityDatabase(records: records, directory: directory) } catch { throw CommandFailure(error.description) }
            }
            let path = (directory as NSString).appendingPathComponent("security.sqlite")
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure("No audit log in \(directory): \(path) does not exist. Check --data (or FACET_DATA); "
                    + "the log is created when the server or a command first opens the directory's security")
            }
            do { return try SecurityDatabase(path: path) } catch { throw CommandFailure(error.description) }
        }

        /// The audit log of the directory; an error (not a new empty log) when it has none.
        func openLog() throws -> AuditLog {
            AuditLog(database: try openDatabase())
        }

        /// The directory's checkpoint file.
        var checkpointPath: String {
            (directory as NSString).appendingPathComponent(AuditCheckpoints.fileName)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain and its signed checkpoints; exit 1 naming the first entry changed, removed or moved.",
            discussion: """
                Without checkpoints, removing the newest entries leaves a shorter chain that still verifies. The \
                checkpoints (audit-checkpoints.ndjson in the data directory, signed with a key derived from the master key) \
                record how far the log reached; verify names the first entry missing below the latest one. Checked against a \
                copy kept off the machine (--checkpoints), this holds even against someone who rewrote the data directory.
                """)

        @OptionGroup var location: Location

        @Option(name: .long, help: ArgumentHelp("The checkpoints to check against (default: the data directory's); a copy kept "
            + "elsewhere, or a saved answer of GET /v1/security/audit/checkpoints.", valueName: "file"))
        var checkpoints: String?

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let log = try location.openLog()
            let path = checkpoints ?? location.checkpointPath
            let reading: AuditCheckpointReading
            let outcome: AuditVerification
            do {
                reading = try AuditCheckpoints.read(path: path, directory: location.directory)
                if checkpoints != nil, !reading.exists {
                    throw CommandFailure("--checkpoints \(path): no such file. Give a copy of the data directory's "
                        + "\(AuditCheckpoints.fileName), or a saved answer of GET /v1/security/audit/checkpoints")
                }
                outcome = try log.verify(against: reading)
            } catch let error as SecurityError {
                throw CommandFailure(error.description)
            }
            var notes = reading.problems.filter { !$0.isTampering }.map(\.detail)
            if !reading.exists {
                notes.append("No checkpoints in \(path) yet: removing the newest entries would go unnoticed. "
                    + "`facet audit checkpoint` writes one; a running server writes them every minute")
            }
            var answer: JSONObject
            switch outcome {
            case .intact(let count):
                answer = ["intact": true, "count": .number(Double(count))]
                if !json {
                    print("Audit log intact: \(count) entr\(count == 1 ? "y" : "ies") verified.")
                    if let latest = reading.latest {
                        let unanchored = Int64(count) - latest.sequence
                        let after = unanchored == 0 ? "" : unanchored == 1 ? " (the entry after it is not anchored yet)"
                            : " (the \(unanchored) entries after it are not anchored yet)"
                        print("Anchored: the latest checkpoint (entry \(latest.sequence), written \(latest.time)) matches\(after); "
                            + "\(reading.verified.count) checkpoint\(reading.verified.count == 1 ? "" : "s") checked.")
                    }
                }
            case .broken(let fault):
                answer = ["intact": false, "sequence": .number(Double(fault.sequence)), "reason": .string(fault.reason.rawValue),
                          "detail": .string(fault.detail)]
                if !json {
                    print("\(fault.description).")
                    notes.append(Self.advice(fault))
                }
            }
            if json {
                answer["checkpoints"] = ["file": .string(path), "verified": .number(Double(reading.verified.count)),
                                         "latest": reading.latest?.json ?? .null, "problems": .array(reading.problems.map(\.json))]
                Output.print(.object(answer))
            }
            for note in notes { Output.error(note.prefix(1).uppercased() + note.dropFirst() + ".") }
            if !outcome.isIntact { throw ExitCode(1) }
        }

        /// What to do about `fault`.
        static func advice(_ fault: AuditFault) -> String {
            switch fault.reason {
            case .truncated:
                "The newest audit entries were removed from entry \(fault.sequence) on; keep security.sqlite and the checkpoints "
                    + "as evidence, and restore the log from a backup taken after the latest checkpoint"
            case .forgedCheckpoint:
                "The checkpoint file was tampered with; keep it as evidence, and check the log against a copy of the checkpoints "
                    + "kept off this machine (--checkpoints FILE)"
            default:
                "The audit log has been tampered with from entry \(fault.sequence) on; keep the file as evidence and restore it from a backup"
            }
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a signed checkpoint of the newest audit entry now (a running server writes one every minute).")

        @OptionGroup var location: Location

        func run() throws {
            let database = try location.openDatabase()
            do {
                let checkpoints = AuditCheckpoints(directory: location.directory, encryption: FieldEncryption(database: database))
                let log = AuditLog(database: database, checkpoints: checkpoints)
                if let written = try log.checkpoint() {
                    print("Checkpoint written to \(checkpoints.path): entry \(written.sequence), hash \(written.hash.prefix(12))…, "
                        + "at \(written.time).")
                } else if try log.lastSequence() == 0 {
                    print("The audit log is empty: nothing to anchor.")
                } else {
                    print("The newest entry (\(try log.lastSequence())) is anchored already by the last checkpoint of \(checkpoints.path).")
                }
            } catch {
                throw CommandFailure(error.description)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print audit entries, oldest first.")

        @OptionGroup var location: Location

        @Option(name: .long, help: "At most this many entries (default 50).")
        var limit = 50

        @Option(name: .long, help: "Entries after this sequence number (default: the newest --limit entries).")
        var after: Int64?

        @Option(name: .long, help: "Only this action (e.g. login-failed, transaction, security-event).")
        var action: String?

        @Flag(name: .long, help: "One auditLog document per line, as JSON.")
        var json = false

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
            if let after, after < 0 { throw ValidationError("--after must be a sequence number (0 or more)") }
        }

        func run() throws {
            let log = try location.openLog()
            var filter = AuditFilter(actions: action.map { [$0] }, after: after, limit: limit, newestFirst: after == nil)
            filter.limit = limit
            var entries: [AuditEntry]
            do { entries = try log.entries(filter) } catch { throw CommandFailure(error.description) }
            if after == nil { entries.reverse() }
            for entry in entries {
                if json {
                    Output.print(entry.document)
                } else {
                    print(Self.line(entry))
                }
            }
        }

        /// `000000000042  2026-01-31T09:30:00.000Z  transaction  ada (manager)  customer c-1  tx Fq3…`
        static func line(_ entry: AuditEntry) -> String {
            var parts = [String(entry.documentID.dropFirst("audit.".count)), entry.timestamp, entry.event.action,
                         entry.event.actor + (entry.event.actorRole.map { " (\($0.rawValue))" } ?? "")]
            if let id = entry.event.documentID { parts.append((entry.event.documentType.map { "\($0) " } ?? "") + id) }
            if let transaction = entry.event.transactionID { parts.append("tx \(transaction)") }
            if let address = entry.event.ipAddress { parts.append("from \(address)") }
            if let details = entry.event.details { parts.append(details.serialized()) }
            return parts.joined(separator: "  ")
        }
    }

    struct Events: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print recorded security events (rate limits, lock-outs, scrapers, injection, overload), newest first.")

        @OptionGroup var location: Location

        @Option(name: .long, help: "At most this many events (default 50).")
        var limit = 50

        @Option(name: .long, help: "Only this kind: \(SecurityEventKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        var kind: String?

        @Option(name: .long, help: "Only events at or after this ISO 8601 time.")
        var since: String?

        @Flag(name: .long, help: "One JSON object per line.")
        var json = false

        func validate() throws {
            if limit < 1 { throw ValidationError("--limit must be at least 1") }
            if let kind, SecurityEventKind(rawValue: kind) == nil {
                throw ValidationError("--kind \(kind): use one of \(SecurityEventKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let since, Timestamp.date(since) == nil {
                throw ValidationError("--since \(since): not an ISO 8601 time; write e.g. 2026-01-31T09:00:00Z")
            }
        }

        func run() throws {
            let database = try location.openDatabase()
            let events: [SecurityEvent]
            do {
                let monitor = ThreatMonitor(database: database, audit: AuditLog(database: database))
                events = try monitor.events(limit: limit, kind: kind.flatMap(SecurityEventKind.init(rawValue:)), since: since.flatMap(Timestamp.date))
            } catch {
                throw CommandFailure(error.description)
            }
            for event in events {
                if json {
                    Output.print(event.json)
                } else {
                    let who = [event.address, event.identity].compactMap { $0 }.joined(separator: " ")
                    print([Timestamp.string(event.time), event.kind.rawValue, "score \(event.score)", event.action.rawValue,
                           who.isEmpty ? "-" : who, event.path ?? "-", event.reason].joined(separator: "  "))
                }
            }
        }
    }
}
