import ArgumentParser
import FacetSecurity
import FacetStore
import Foundation
import GROQ

/// `facet tokens`: API tokens for robots (importers, builds, integrations).
struct TokensCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Manage API tokens: create, list, revoke.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an API token; it is printed once, alone on the last line.",
            discussion: "Send it as Authorization: Bearer <token>. Only its SHA-256 is stored: keep it now or revoke it and create another.")
        @OptionGroup var security: SecurityOptions
        @Option(name: .long, help: "What the token is for (unique among live tokens).") var name: String
        @Option(name: .long, help: "The role it acts in: admin, manager, sales, marketing or support.") var role: String

        func run() throws {
            let role = try securityCommand { try Role(named: self.role) }
            let system = try security.open()
            let issued = try securityCommand { try system.identities.createToken(name: name, role: role, by: .system()) }
            print("created token \(issued.token.name) (\(issued.token.role.rawValue)), id \(issued.token.id); it is shown once:")
            print(issued.secret)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the API tokens (never their secrets).")
        @OptionGroup var security: SecurityOptions
        @Flag(name: .long, help: "Print JSON, one array.") var json = false

        func run() throws {
            let system = try security.open()
            let tokens = try securityCommand { try system.identities.tokens() }
            if json {
                Output.print(.array(tokens.map { token in
                    ["id": .string(token.id), "name": .string(token.name), "role": .string(token.role.rawValue),
                     "createdAt": .string(Timestamp.string(token.createdAt)),
                     "lastUsedAt": token.lastUsedAt.map { .string(Timestamp.string($0)) } ?? .null,
                     "revokedAt": token.revokedAt.map { .string(Timestamp.string($0)) } ?? .null]
                }))
                return
            }
            printTable(["ID", "NAME", "ROLE", "STATUS", "CREATED", "LAST USED"], tokens.map { token in
                [token.id, token.name, token.role.rawValue, token.isRevoked ? "revoked" : "live", Timestamp.string(token.createdAt),
                 token.lastUsedAt.map(Timestamp.string) ?? "never"]
            })
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke an API token: requests carrying it are refused from now on.")
        @OptionGroup var security: SecurityOptions
        @Argument(help: "The token's id, or the name of a live token.") var token: String

        func run() throws {
            let system = try security.open()
            let revoked = try securityCommand { try system.identities.revokeToken(token, by: .system()) }
            print("revoked token \(revoked.name) (\(revoked.id))")
        }
    }
}
