import ArgumentParser
import FacetSecurity
import Foundation

/// `facet keys`: the encryption keys of a data directory.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Show and rotate the keys that encrypt sensitive fields at rest.",
        subcommands: [Status.self, Rotate.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the master key's id and source, and how many data keys there are.")
        @OptionGroup var security: SecurityOptions

        func run() throws {
            let system = try security.open()
            let status = try securityCommand { () throws(SecurityError) in try system.encryption.keyStatus() }
            let source = status.masterKeySource == .environment ? "FACET_MASTER_KEY" : "key file \(MasterKey.fileName)"
            print("master key: \(status.masterKeyID) (\(source))")
            print("data keys: \(status.dataKeys)")
            if status.retiredKeys > 0 { print("retired keys: \(status.retiredKeys) (a rotation did not finish: run `facet keys rotate`)") }
            print("destroyed keys: \(status.destroyedKeys)")
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-encrypt every encrypted field, history included, under new keys.",
            discussion: """
                Every data key is replaced, and with a key file (no FACET_MASTER_KEY) the master key too. \
                A server running on the same directory keeps working; the old keys are deleted once \
                nothing uses them. Audited as key-rotation.

                To replace a master key given in FACET_MASTER_KEY: restart every server with the new \
                key in FACET_MASTER_KEY and the old one in FACET_MASTER_KEY_PREVIOUS (they keep \
                working on either), run this command with both set, then remove \
                FACET_MASTER_KEY_PREVIOUS.
                """)
        @OptionGroup var security: SecurityOptions
        @Option(name: .long, help: "Seconds to wait for writes in flight before the final sweep (0 only when no server uses the directory).")
        var grace: Double = 15

        func validate() throws {
            if grace < 0 { throw ValidationError("--grace must not be negative") }
        }

        func run() throws {
            let system = try security.open()
            let report = try securityCommand { () throws(SecurityError) in
                try system.encryption.rotateKeys(grace: grace, audit: system.audit, actor: Principal.system().author)
            }
            let fromEnvironment = ProcessInfo.processInfo.environment["FACET_MASTER_KEY"] != nil
            if report.masterKeyRotated {
                print("master key: \(report.previousMasterKeyID) -> \(report.masterKeyID)\(fromEnvironment ? " (FACET_MASTER_KEY)" : "")")
            } else {
                print("master key: \(report.masterKeyID) (from FACET_MASTER_KEY, unchanged: set a new one and run again to replace it)")
            }
            print("data keys renewed: \(report.subjects)")
            print("envelopes re-encrypted: \(report.envelopes) in \(report.rows) rows of \(report.datasets.count) dataset\(report.datasets.count == 1 ? "" : "s")")
            print("old keys deleted: \(report.retiredKeys)")
            if report.masterKeyRotated { print("token signing keys sealed again: \(report.signingKeys)") }
            if report.masterKeyRotated, fromEnvironment {
                print("""
                    nothing is wrapped with \(report.previousMasterKeyID) any more: remove \(MasterKey.previousVariable) \
                    once every server runs with the new FACET_MASTER_KEY
                    """)
            }
        }
    }
}
