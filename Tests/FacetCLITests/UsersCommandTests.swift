import Foundation
import GROQ
import TestSupport
import Testing

/// `facet users …` and `facet tokens …` end to end, with the real executable on a data
/// directory of its own. Passwords go in on standard input (`--password-stdin`), as a script
/// would pass them.
@Suite("facet users and tokens")
struct UsersCommandTests {
    typealias CLI = StoreCommandTests
    static let password = "correct horse battery staple"

    static func users(_ data: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [JSONValue] {
        let outcome = try await CLI.run(["users", "list", "--data", data, "--json"])
        #expect(outcome.status == 0, "\(outcome.stderr)", sourceLocation: sourceLocation)
        return try CLI.json(outcome.stdout, sourceLocation: sourceLocation).arrayValue ?? []
    }

    @Test func usersAreAddedListedChangedAndDisabled() async throws {
        try await withProcessTurn {
            try await CLI.withDataDirectory { data in
                let added = try await CLI.run(["users", "add", "--data", data, "ada", "--role", "sales", "--staff", "staff-ada", "--password-stdin"],
                                              input: Self.password + "\n")
                #expect(added.status == 0, "\(added.stderr)")
                #expect(added.stdout == "added user ada (sales)\n")
                #expect(!added.stdout.contains(Self.password))

                // Without --password-stdin a password is generated and shown once.
                let generated = try await CLI.run(["users", "add", "--data", data, "bea", "--role", "Support"])
                #expect(generated.status == 0, "\(generated.stderr)")
                let lines = CLI.lines(generated.stdout)
                #expect(lines.first == "added user bea (support)")
                let password = try #require(lines.last?.components(separatedBy: "password (shown once): ").last)
                #expect(password.count >= 20)

                var users = try await Self.users(data)
                #expect(users.map { $0["name"]?.stringValue ?? "" } == ["ada", "bea"])
                #expect(users[0]["role"] == "sales")
                #expect(users[0]["staffId"] == "staff-ada")
                #expect(users[0]["disabled"] == false)
                #expect(users[1]["staffId"] == .null)
                #expect(!String(describing: users).contains(password))

                let table = try await CLI.run(["users", "list", "--data", data])
                #expect(CLI.lines(table.stdout).count == 3)
                #expect(table.stdout.hasPrefix("NAME  ROLE     STAFF      STATUS  CREATED\nada   sales    staff-ada  active  "))

                let promoted = try await CLI.run(["users", "set-role", "--data", data, "ADA", "manager"])
                #expect(promoted.stdout == "user ada now has the role manager\n")
                #expect(try await CLI.run(["users", "disable", "--data", data, "bea"]).stdout == "disabled user bea\n")
                users = try await Self.users(data)
                #expect(users[0]["role"] == "manager")
                #expect(users[1]["disabled"] == true)
                #expect(try await CLI.run(["users", "enable", "--data", data, "bea"]).stdout == "enabled user bea\n")
                #expect(try await Self.users(data)[1]["disabled"] == false)

                let reset = try await CLI.run(["users", "reset-password", "--data", data, "ada", "--password-stdin"], input: "a brand new passphrase")
                #expect(reset.status == 0, "\(reset.stderr)")
                #expect(reset.stdout == "reset the password of ada\n")
                let changed = try #require(try await Self.users(data)[0]["passwordChangedAt"]?.stringValue)
                #expect(changed >= (users[0]["passwordChangedAt"]?.stringValue ?? ""))
            }
        }
    }

    @Test func badInputIsRefusedWithAdviceAndChangesNothing() async throws {
        try await withProcessTurn {
            try await CLI.withDataDirectory { data in
                #expect(try await CLI.run(["users", "add", "--data", data, "ada", "--role", "sales", "--password-stdin"], input: Self.password).status == 0)
                CLI.expectFailure(try await CLI.run(["users", "add", "--data", data, "bea", "--role", "sales", "--password-stdin"], input: "password1234\n"),
                                  "The password is on the list of the most common passwords")
                CLI.expectFailure(try await CLI.run(["users", "add", "--data", data, "bea", "--role", "sales", "--password-stdin"], input: "short\n"),
                                  "The password is too short: 5 characters, at least 12 are needed. Choose a passphrase")
                CLI.expectFailure(try await CLI.run(["users", "add", "--data", data, "bea", "--role", "owner", "--password-stdin"], input: Self.password),
                                  #"Unknown role "owner". Use one of: admin, manager, sales, marketing, support."#)
                CLI.expectFailure(try await CLI.run(["users", "add", "--data", data, "bea", "--role", "sales", "--password-stdin"], input: ""),
                                  "--password-stdin: standard input is empty")
                CLI.expectFailure(try await CLI.run(["users", "add", "--data", data, "ADA", "--role", "sales", "--password-stdin"], input: Self.password),
                                  #"A user named "ADA" already exists"#)
                CLI.expectFailure(try await CLI.run(["users", "set-role", "--data", data, "cy", "admin"]), #"No user named "cy". List the users with `facet users list`."#)
                CLI.expectFailure(try await CLI.run(["users", "disable", "--data", data, "cy"]), #"No user named "cy""#)
                CLI.expectFailure(try await CLI.run(["users", "reset-password", "--data", data, "ada", "--password-stdin"], input: "ada"),
                                  "The password is too short")
                let users = try await Self.users(data)
                #expect(users.map { $0["name"]?.stringValue ?? "" } == ["ada"])
                #expect(users[0]["role"] == "sales")
            }
        }
    }

    @Test func tokensArePrintedOnceListedAndRevoked() async throws {
        try await withProcessTurn {
            try await CLI.withDataDirectory { data in
                let created = try await CLI.run(["tokens", "create", "--data", data, "--role", "marketing", "--name", "importer"])
                #expect(created.status == 0, "\(created.stderr)")
                let secret = try #require(CLI.lines(created.stdout).last)
                #expect(secret.hasPrefix("fct_"))
                #expect(!secret.contains(" "))
                #expect(created.stdout.hasPrefix("created token importer (marketing), id tok_"))

                let listed = try await CLI.run(["tokens", "list", "--data", data, "--json"])
                #expect(listed.status == 0, "\(listed.stderr)")
                #expect(!listed.stdout.contains(secret))
                let tokens = try #require(try CLI.json(listed.stdout).arrayValue)
                #expect(tokens.count == 1)
                let id = try #require(tokens[0]["id"]?.stringValue)
                #expect(tokens[0]["name"] == "importer")
                #expect(tokens[0]["role"] == "marketing")
                #expect(tokens[0]["revokedAt"] == .null)
                #expect(tokens[0]["lastUsedAt"] == .null)
                #expect(created.stdout.contains(id))

                CLI.expectFailure(try await CLI.run(["tokens", "create", "--data", data, "--role", "marketing", "--name", "importer"]),
                                  #"A token named "importer" already exists"#)
                let revoked = try await CLI.run(["tokens", "revoke", "--data", data, "importer"])
                #expect(revoked.stdout == "revoked token importer (\(id))\n")
                CLI.expectFailure(try await CLI.run(["tokens", "revoke", "--data", data, "importer"]), #"No live token with the id or name "importer""#)
                let table = try await CLI.run(["tokens", "list", "--data", data])
                #expect(CLI.lines(table.stdout).count == 2)
                #expect(CLI.lines(table.stdout).last?.contains("revoked") == true)
                #expect(try CLI.json(try await CLI.run(["tokens", "list", "--data", data, "--json"]).stdout)[0]?["revokedAt"]?.stringValue != nil)

                // A new token may take the name of a revoked one.
                let again = try await CLI.run(["tokens", "create", "--data", data, "--role", "support", "--name", "importer"])
                #expect(again.status == 0, "\(again.stderr)")
                #expect(CLI.lines(again.stdout).last != secret)
            }
        }
    }
}
