import Dispatch
import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The web studio end to end in headless Chromium: a real `facet serve` with demo data on a free
/// loopback port, driven by `Tests/Browser/studio_test.py` (Selenium, with an axe-core check of
/// each main screen). Screenshots of each screen are kept in `.build/studio-screenshots/`.
///
/// Without Chromium, chromedriver, Selenium or axe-core the test fails under CI (the environment variable
/// `CI` set), saying what to install; elsewhere it is skipped with the same message.
@Suite("studio in a browser", .serialized)
struct StudioBrowserTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let screenshots = packageRoot.appendingPathComponent(".build/studio-screenshots")
    static let adminPassword = "studio admin test passphrase"
    static let supportPassword = "studio support test passphrase"

    /// What is missing to run a browser, as the command that installs it; empty when nothing is.
    static let missing: [String] = {
        var missing: [String] = []
        let fm = FileManager.default
        if !["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].contains(where: fm.isExecutableFile(atPath:)) {
            missing.append("Chromium (apt-get install -y chromium)")
        }
        if !fm.isExecutableFile(atPath: "/usr/bin/chromedriver") {
            missing.append("chromedriver (apt-get install -y chromium-driver)")
        }
        if (try? runTool("/usr/bin/env", ["python3", "-c", "import selenium"], timeout: 60).status) != 0 {
            missing.append("Selenium for python3 (pip install selenium, with --break-system-packages on Debian)")
        }
        if (try? runTool("/usr/bin/env", ["python3", "-c", "import axe_playwright_python"], timeout: 60).status) != 0 {
            missing.append("axe-core for the accessibility check (pip install --no-deps axe-playwright-python)")
        }
        return missing
    }()

    static let inCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false

    /// Runs unless the browser is missing outside CI; says so once when it is skipped.
    static let runnable: Bool = {
        if missing.isEmpty || inCI { return true }
        print("studio browser test skipped: install \(missing.joined(separator: ", ")) to run it")
        return false
    }()

    @Test(.enabled(if: runnable, "needs Chromium, chromedriver, Selenium and axe-core"), .timeLimit(.minutes(15)))
    func anEditorsDayInTheStudio() async throws {
        try await runScript("studio_test.py", screenshots: "day")
    }

    /// Creating, finding and relating documents: paging to the 250th client, "New", search
    /// without accents, templates from a client's page, Referenced by, panes to the right.
    @Test(.enabled(if: runnable, "needs Chromium, chromedriver, Selenium and axe-core"), .timeLimit(.minutes(15)))
    func findingCreatingAndRelatingDocuments() async throws {
        try await runScript("studio_find_test.py", screenshots: "find", customers: 300)
    }

    /// Two editors on one client: presence, typing into one field at once, undo and redo.
    @Test(.enabled(if: runnable, "needs Chromium, chromedriver, Selenium and axe-core"), .timeLimit(.minutes(15)))
    func twoEditorsOnOneDocument() async throws {
        try await runScript("studio_collab_test.py", screenshots: "collab")
    }

    /// The studio on every screen and for every role: the editor's room on a laptop, one pane with
    /// Back at 820 px, every task at 390 x 844, the More menu, History beside the form, dark mode,
    /// what sales and the audit log offer, dashboards drawn, created, previewed and published.
    @Test(.enabled(if: runnable, "needs Chromium, chromedriver, Selenium and axe-core"), .timeLimit(.minutes(15)))
    func theStudioOnEveryScreenAndForEveryRole() async throws {
        try await runScript("studio_screens_test.py", screenshots: "screens")
    }

    /// A fresh `facet serve` on an empty data directory: sales is told why there is nothing, an
    /// admin loads the demo from the studio's first screen; loading it again is refused.
    @Test(.enabled(if: runnable, "needs Chromium, chromedriver, Selenium and axe-core"), .timeLimit(.minutes(15)))
    func theFirstRunOnAnEmptyDataDirectory() async throws {
        try await runScript("studio_first_run_test.py", screenshots: "first-run", customers: 0)
    }

    /// Seeds a demo CRM of `customers` clients (none: the data directory starts empty), starts
    /// `facet serve` on it with an admin, a support user (`helpdesk`) and a sales user (`seller`), and runs `Tests/Browser/<script>`
    /// against it; its screenshots go to `.build/studio-screenshots/<screenshots>/`.
    func runScript(_ script: String, screenshots: String, customers: Int = 60) async throws {
        guard Self.missing.isEmpty else {
            Issue.record("The studio browser test cannot run: install \(Self.missing.joined(separator: ", ")). .ci/run installs them.")
            return
        }
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let environment = ["FACET_SCHEMA": "crm"]

        // Seeding, starting and waiting for the server and adding users block for seconds: they
        // run off the few threads Swift's tasks share, which the other suites' servers need.
        try await offThePool {
            if customers > 0 {
                let seeded = try StoreCommandTests.run(["demo", "seed", "--data", data, "--customers", String(customers), "--seed", "7"],
                                                       environment: environment, timeout: 600)
                try #require(seeded.status == 0, "demo seed failed: \(seeded.stderr)")
            }
        }

        let port = try ServeCommandTests.freePort()
        let server = try StudioServer(data: data, port: port, directory: directory, adminPassword: Self.adminPassword)
        defer { server.stop() }
        try await offThePool {
            try server.waitUntilServing()
            let added = try StoreCommandTests.run(["users", "add", "--data", data, "helpdesk", "--role", "support", "--password-stdin"],
                                                  input: Self.supportPassword + "\n", environment: environment)
            try #require(added.status == 0, "users add failed: \(added.stderr)")
            let seller = try StoreCommandTests.run(["users", "add", "--data", data, "seller", "--role", "sales", "--password-stdin"],
                                                   input: Self.supportPassword + "\n", environment: environment)
            try #require(seller.status == 0, "users add failed: \(seller.stderr)")
        }

        let shots = Self.screenshots.appendingPathComponent(screenshots)
        try? FileManager.default.removeItem(at: shots)
        print("studio screenshots: \(shots.path)")
        let path = Self.packageRoot.appendingPathComponent("Tests/Browser/\(script)").path
        let outcome = try await Self.runToolAwaiting("/usr/bin/env", [
            "python3", path, "--url", "http://127.0.0.1:\(port)", "--admin-password", Self.adminPassword,
            "--support-user", "helpdesk", "--support-password", Self.supportPassword,
            "--sales-user", "seller", "--sales-password", Self.supportPassword, "--screenshots", shots.path,
        ], environment: ["SE_OFFLINE": "true"], timeout: 600)
        #expect(outcome.status == 0, """
            the studio browser test \(script) failed (screenshots in \(shots.path)):
            \(outcome.output)
            server log:
            \(server.log.suffix(4000))
            """)
    }

    // MARK: Helpers

    struct ToolOutcome {
        let status: Int32
        let output: String
    }

    /// Runs a program, its standard output and error together in a file (no pipe can fill up).
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval) throws -> ToolOutcome {
        let tool = try PreparedTool(path, arguments, environment: environment)
        defer { tool.remove() }
        let exited = DispatchSemaphore(value: 0)
        tool.process.terminationHandler = { _ in exited.signal() }
        try tool.process.run()
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            kill(tool.process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
        }
        return try tool.outcome()
    }

    /// ``runTool(_:_:environment:timeout:)`` awaited without holding a thread: the browser run
    /// takes minutes, and a thread of the few that run Swift's tasks, blocked that long, starves
    /// every async test running beside it.
    static func runToolAwaiting(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                                timeout: TimeInterval) async throws -> ToolOutcome
    {
        let tool = try PreparedTool(path, arguments, environment: environment)
        defer { tool.remove() }
        let (ended, end) = AsyncStream.makeStream(of: Void.self)
        tool.process.terminationHandler = { _ in
            end.yield()
            end.finish()
        }
        try tool.process.run()
        let pid = tool.process.processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: .seconds(timeout))
            kill(pid, SIGKILL)
        }
        for await _ in ended {}
        watchdog.cancel()
        return try tool.outcome()
    }

    /// A program ready to run, its output going to a log file.
    struct PreparedTool {
        let process = Process()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("facet-studio-tool-\(UUID().uuidString)")
        let handle: FileHandle

        init(_ path: String, _ arguments: [String], environment: [String: String]) throws {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            handle = try FileHandle(forWritingTo: log)
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.currentDirectoryURL = packageRoot
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = handle
            process.standardError = handle
        }

        /// What the program said and how it ended, once it has.
        func outcome() throws -> ToolOutcome {
            process.waitUntilExit()
            try handle.close()
            let output = String(decoding: (try? Data(contentsOf: log)) ?? Data(), as: UTF8.self)
            return ToolOutcome(status: process.terminationReason == .uncaughtSignal ? -1 : process.terminationStatus, output: output)
        }

        func remove() {
            try? FileManager.default.removeItem(at: log)
        }
    }
}

/// `facet serve` with the CRM schema and a chosen admin password, its output kept in files.
final class StudioServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    let directory: URL
    private let exited = DispatchSemaphore(value: 0)

    init(data: String, port: Int, directory: URL, adminPassword: String) throws {
        let binary = try #require(QueryCommandTests.binary, "the facet executable was not found: run `swift build` first")
        self.port = port
        self.directory = directory
        for name in ["server-stdout", "server-stderr"] { _ = FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil) }
        process.executableURL = binary
        process.arguments = ["serve", "--data", data, "--port", String(port)]
        process.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FACET_") }
        environment["FACET_SCHEMA"] = "crm"
        environment["FACET_ADMIN_PASSWORD"] = adminPassword
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: directory.appendingPathComponent("server-stdout"))
        process.standardError = try FileHandle(forWritingTo: directory.appendingPathComponent("server-stderr"))
        process.terminationHandler = { [exited] _ in exited.signal() }
        try process.run()
    }

    var log: String {
        ["server-stdout", "server-stderr"].map { (try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)) ?? "" }.joined()
    }

    func waitUntilServing(timeout: TimeInterval = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning {
            if let reply = try? ServeCommandTests.get(port: port, path: "/health"), reply.status == 200 { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        throw ServeCommandTests.Failure(description: "facet serve did not answer /health on port \(port): \(log)")
    }

    func stop() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if exited.wait(timeout: .now() + 30) == .timedOut {
            kill(process.processIdentifier, SIGKILL)
            _ = exited.wait(timeout: .now() + 10)
        }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
