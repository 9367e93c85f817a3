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
              facet audit verify --data ./facet-data    # exit 1 naming the first broken entry
              facet audit list --limit 20               # the newest 20 entries, oldest first
              facet audit list --after 100 --json       # entries 101… as auditLog documents, one JSON line each
              facet audit events --kind lockout         # recent security events, newest first
            """,
        subcommands: [Verify.self, List.self, Events.self])

    /// Where the audit log is: `--data DIR` (or `FACET_DATA`, or `./facet-data`).
    struct Location: ParsableArguments {
        @Option(name: .long, help: "The data directory (default: $FACET_DATA, else ./facet-data).")
        var data: String?

        var directory: String {
            data ?? ProcessInfo.processInfo.environment["FACET_DATA"] ?? "./facet-data"
        }

        /// The audit log of the directory; an error (not a new empty log) when it has none.
        func openLog() throws -> AuditLog {
            let path = (directory as NSString).appendingPathComponent("security.sqlite")
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandFailure("No audit log in \(directory): \(path) does not exist. Check --data (or FACET_DATA); "
                    + "the log is created when the server or a command first opens the directory's security")
            }
            do { return AuditLog(database: try SecurityDatabase(path: path)) } catch { throw CommandFailure(error.description) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the hash chain; exit 1 naming the first entry that was changed, removed or moved.")

        @OptionGroup var location: Location

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let log = try location.openLog()
            let outcome: AuditVerification
            do { outcome = try log.verify() } catch { throw CommandFailure(error.description) }
            switch outcome {
            case .intact(let count):
                if json {
                    Output.print(["intact": true, "count": .number(Double(count))])
                } else {
                    print("Audit log intact: \(count) entr\(count == 1 ? "y" : "ies") verified.")
                }
            case .broken(let fault):
                if json {
                    Output.print(["intact": false, "sequence": .number(Double(fault.sequence)), "reason": .string(fault.reason.rawValue),
                                  "detail": .string(fault.detail)])
                } else {
                    print("\(fault.description).")
                    Output.error("The audit log has been tampered with from entry \(fault.sequence) on; keep the file as evidence and restore it from a backup.")
                }
                throw ExitCode(1)
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
            let path = (location.directory as NSString).appendingPathComponent("security.sqlite")
            _ = try location.openLog()
            let events: [SecurityEvent]
            do {
                let database = try SecurityDatabase(path: path)
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
