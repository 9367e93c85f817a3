import ArgumentParser
import FacetSecurity
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig

/// Where the security of a data directory is: `--data DIR` (or `FACET_DATA`, or
/// `./facet-data`), opened with the CRM's schema and role policy.
struct SecurityOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (default: $FACET_DATA, else ./facet-data).")
    var data: String?

    @Option(name: .long, help: "A PostgreSQL URL whose records (users, tokens, keys) servers share (default: $FACET_DATABASE_URL, else the data directory).")
    var database: String?

    var directory: String {
        data ?? ProcessInfo.processInfo.environment["FACET_DATA"] ?? "./facet-data"
    }

    func open() throws -> SecuritySystem {
        do {
            let schema = try CRMSchema.compile()
            let backend = try DatabaseChoice.backend(url: database ?? ProcessInfo.processInfo.environment["FACET_DATABASE_URL"])
            return try SecuritySystem(directory: directory, backend: backend, policy: CRMRoles.policy(schema: schema), schema: schema)
        } catch {
            throw CommandFailure(String(describing: error))
        }
    }
}

/// Runs `body`, reporting a security error as a command failure (message and advice).
func securityCommand<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as SecurityError { throw CommandFailure(error.description) }
}

/// The password on standard input, without the line break a shell or `echo` adds.
func passwordFromStandardInput() throws -> String {
    var text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    if text.hasSuffix("\r") { text.removeLast() }
    guard !text.isEmpty else {
        throw CommandFailure("--password-stdin: standard input is empty; pipe the password in, e.g. `printf %s \"$PASSWORD\" | facet users …`")
    }
    return text
}

/// `facet users`: the people who sign in to the studio.
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage the users who sign in: add, list, set-role, disable, enable, reset-password.",
        subcommands: [Add.self, List.self, SetRole.self, Disable.self, Enable.self, ResetPassword.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a user.",
            discussion: "Without --password-stdin a password is generated and printed once.")
        @OptionGroup var security: SecurityOptions
        @Argument(help: "The user name (letters, digits, '.', '_', '@', '-').") var name: String
        @Option(name: .long, help: "The role: admin, manager, sales, marketing or support.") var role: String
        @Option(name: .long, help: "The _id of the user's staff document (a client advisor's own record).") var staff: String?
        @Flag(name: .long, help: "Read the password from standard input.") var passwordStdin = false

        func run() throws {
            let role = try securityCommand { try Role(named: self.role) }
            let password = passwordStdin ? try passwordFromStandardInput() : nil
            let system = try security.open()
            let chosen = password ?? PasswordRules.generate()
            let user = try securityCommand {
                try system.identities.addUser(name: name, role: role, staffID: staff, password: chosen, by: .system())
            }
            print("added user \(user.name) (\(user.role.rawValue))")
            if password == nil { print("password (shown once): \(chosen)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users.")
        @OptionGroup var security: SecurityOptions
        @Flag(name: .long, help: "Print JSON, one array.") var json = false

        func run() throws {
            let system = try security.open()
            let users = try securityCommand { try system.identities.users() }
            if json {
                Output.print(.array(users.map { user in
                    ["id": .string(user.id), "name": .string(user.name), "role": .string(user.role.rawValue),
                     "staffId": user.staffID.map(JSONValue.string) ?? .null, "disabled": .bool(user.disabled),
                     "createdAt": .string(Timestamp.string(user.createdAt)), "updatedAt": .string(Timestamp.string(user.updatedAt)),
                     "passwordChangedAt": .string(Timestamp.string(user.passwordChangedAt))]
                }))
                return
            }
            printTable(["NAME", "ROLE", "STAFF", "STATUS", "CREATED"], users.map { user in
                [user.name, user.role.rawValue, user.staffID ?? "-", user.disabled ? "disabled" : "active", Timestamp.string(user.createdAt)]
            })
        }
    }

    struct SetRole: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-role", abstract: "Give a user another role.")
        @OptionGroup var security: SecurityOptions
        @Argument(help: "The user name.") var name: String
        @Argument(help: "The new role: admin, manager, sales, marketing or support.") var role: String

        func run() throws {
            let role = try securityCommand { try Role(named: self.role) }
            let system = try security.open()
            let user = try securityCommand { try system.identities.setRole(role, forUser: name, by: .system()) }
            print("user \(user.name) now has the role \(user.role.rawValue)")
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a user from signing in; their tokens stop working.")
        @OptionGroup var security: SecurityOptions
        @Argument(help: "The user name.") var name: String

        func run() throws {
            let system = try security.open()
            let user = try securityCommand { try system.identities.setDisabled(true, user: name, by: .system()) }
            print("disabled user \(user.name)")
        }
    }

    struct Enable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Let a disabled user sign in again.")
        @OptionGroup var security: SecurityOptions
        @Argument(help: "The user name.") var name: String

        func run() throws {
            let system = try security.open()
            let user = try securityCommand { try system.identities.setDisabled(false, user: name, by: .system()) }
            print("enabled user \(user.name)")
        }
    }

    struct ResetPassword: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password", abstract: "Set a new password for a user.",
            discussion: "Without --password-stdin a password is generated and printed once.")
        @OptionGroup var security: SecurityOptions
        @Argument(help: "The user name.") var name: String
        @Flag(name: .long, help: "Read the password from standard input.") var passwordStdin = false

        func run() throws {
            let password = passwordStdin ? try passwordFromStandardInput() : nil
            let system = try security.open()
            let chosen = password ?? PasswordRules.generate()
            let user = try securityCommand {
                try system.identities.resetPassword(user: name, to: chosen, by: .system())
            }
            print("reset the password of \(user.name)")
            if password == nil { print("password (shown once): \(chosen)") }
        }
    }
}

/// Prints `rows` under `header`, in columns two spaces apart.
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    for row in all {
        let cells = row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }
        print(cells.joined(separator: "  "))
    }
}
