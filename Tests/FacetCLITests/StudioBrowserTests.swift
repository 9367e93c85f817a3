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
    /// Looked for once, by a task: asking `python3` what it can import is a child process, awaited.
    static let missing = Task<[String], Never> {
        var missing: [String] = []
        let fm = FileManager.default
        if !["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].contains(where: fm.isExecutableFile(atPath:)) {
            missing.append("Chromium (apt-get install -y chromium)")
        }
        if !fm.isExecutableFile(atPath: "/usr/bin/chromedriver") {
            missing.append("chromedriver (apt-get install -y chromium-driver)")
        }
        if (try? await runTool("/usr/bin/env", ["python3", "-c", "import selenium"], timeout: 60).status) != 0 {
            missing.append("Selenium for python3 (pip install selenium, with --break-system-packages on Debian)")
        }
        if (try? await runTool("/usr/bin/env", ["python3", "-c", "import axe_playwright_python"], timeout: 60).status) != 0 {
            missing.append("axe-core for the accessibility check (pip install --no-deps axe-playwright-python)")
        }
        return missing
    }

    static let inCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false

    /// Runs unless the browser is missing outside CI; says so once when it is skipped.
    static let runnable = Task<Bool, Never> {
        let missing = await StudioBrowserTests.missing.value
        if missing.isEmpty || inCI { return true }
        print("studio browser test skipped: install \(missing.joined(separator: ", ")) to run it")
        return false
    }

    @Test(.enabled("needs Chromium, chromedriver, Selenium and axe-core") { await StudioBrowserTests.runnable.value }, .timeLimit(.minutes(15)))
    func anEditorsDayInTheStudio() async throws {
        try await runScript("studio_test.py", screenshots: "day")
    }

    /// Creating, finding and relating documents: paging to the 250th client, "New", search
    /// without accents, templates from a client's page, Referenced by, panes to the right.
    @Test(.enabled("needs Chromium, chromedriver, Selenium and axe-core") { await StudioBrowserTests.runnable.value }, .timeLimit(.minutes(15)))
    func findingCreatingAndRelatingDocuments() async throws {
        try await runScript("studio_find_test.py", screenshots: "find", customers: 300)
    }

    /// Two editors on one client: presence, typing into one field at once, undo and redo.
    @Test(.enabled("needs Chromium, chromedriver, Selenium and axe-core") { await StudioBrowserTests.runnable.value }, .timeLimit(.minutes(15)))
    func twoEditorsOnOneDocument() async throws {
        try await runScript("studio_collab_test.py", screenshots: "collab")
    }

    /// The studio on every screen and for every role: the editor's room on a laptop, one pane with
    /// Back at 820 px, every task at 390 x 844, the More menu, History beside the form, dark mode,
    /// what sales and the audit log offer, dashboards drawn, created, previewed and published.
    @Test(.enabled("needs Chromium, chromedriver, Selenium and axe-core") { await StudioBrowserTests.runnable.value }, .timeLimit(.minutes(15)))
    func theStudioOnEveryScreenAndForEveryRole() async throws {
        try await runScript("studio_screens_test.py", screenshots: "screens")
    }

    /// A fresh `facet serve` on an empty data directory: sales is told why there is nothing, an
    /// admin loads the demo from the studio's first screen; loading it again is refused.
    @Test(.enabled("needs Chromium, chromedriver, Selenium and axe-core") { await StudioBrowserTests.runnable.value }, .timeLimit(.minutes(15)))
    func theFirstRunOnAnEmptyDataDirectory() async throws {
        try await runScript("studio_first_run_test.py", screenshots: "first-run", customers: 0)
    }

    /// Seeds a demo CRM of `customers` clients (none: the data directory starts empty), starts
    /// `facet serve` on it with an admin, a support user (`helpdesk`) and a sales user (`seller`), and runs `Tests/Browser/<script>`
    /// against it; its screenshots go to `.build/studio-screenshots/<screenshots>/`.
    func runScript(_ script: String, screenshots: String, customers: Int = 60) async throws {
        let missing = await Self.missing.value
        guard missing.isEmpty else {
            Issue.record("The studio browser test cannot run: install \(missing.joined(separator: ", ")). .ci/run installs them.")
            return
        }
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let environment = ["FACET_SCHEMA": "crm"]

        if customers > 0 {
            let seeded = try await StoreCommandTests.run(["demo", "seed", "--data", data, "--customers", String(customers), "--seed", "7"],
                                                         environment: environment, timeout: 600)
            try #require(seeded.status == 0, "demo seed failed: \(seeded.stderr)")
        }

        let port = try LoopbackPort.free()
        let server = try StudioServer(data: data, port: port, directory: directory, adminPassword: Self.adminPassword)
        try await withCleanup {
            try await server.waitUntilServing()
            let added = try await StoreCommandTests.run(["users", "add", "--data", data, "helpdesk", "--role", "support", "--password-stdin"],
                                                        input: Self.supportPassword + "\n", environment: environment)
            try #require(added.status == 0, "users add failed: \(added.stderr)")
            let seller = try await StoreCommandTests.run(["users", "add", "--data", data, "seller", "--role", "sales", "--password-stdin"],
                                                         input: Self.supportPassword + "\n", environment: environment)
            try #require(seller.status == 0, "users add failed: \(seller.stderr)")

            let shots = Self.screenshots.appendingPathComponent(screenshots)
            try? FileManager.default.removeItem(at: shots)
            print("studio screenshots: \(shots.path)")
            let path = Self.packageRoot.appendingPathComponent("Tests/Browser/\(script)").path
            let outcome = try await Self.runTool("/usr/bin/env", [
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
        } finally: {
            await server.stop()
        }
    }

    // MARK: Helpers

    struct ToolOutcome {
        let status: Int32
        let output: String
    }

    /// Runs a program in the package's root, its standard output and error together in a file (no
    /// pipe can fill up); it is killed after `timeout` seconds (status -1, as for any signal).
    /// Awaited without holding a thread: the browser run takes minutes, and a thread of the few
    /// that run Swift's tasks, blocked that long, starves every async test running beside it.
    static func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:],
                        timeout: TimeInterval) async throws -> ToolOutcome
    {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("facet-studio-tool-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let child = try ChildProcess(path, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
                                     directory: packageRoot.path, stdout: .file(log), stderr: .appending(log))
        let ending = (try? await child.ended(timeout: timeout)) ?? ChildProcess.Ending(status: SIGKILL, bySignal: true)
        let output = String(decoding: FileManager.default.contents(atPath: log) ?? Data(), as: UTF8.self)
        return ToolOutcome(status: ending.bySignal ? -1 : ending.status, output: output)
    }
}

/// `facet serve` with the CRM schema and a chosen admin password, its output kept in files.
final class StudioServer: @unchecked Sendable {
    let server: ServeCommandTests.Server
    var process: ChildProcess { server.process }
    var port: Int { server.port }
    var log: String { server.log }

    init(data: String, port: Int, directory: URL, adminPassword: String) throws {
        server = try ServeCommandTests.Server(arguments: ["--data", data], port: port, directory: directory,
                                              environment: ["FACET_SCHEMA": "crm", "FACET_ADMIN_PASSWORD": adminPassword])
    }

    /// Waits until `/health` answers 200 (a server reading its data answers 503 first).
    func waitUntilServing(timeout: TimeInterval = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline, process.isRunning {
            if let reply = try? await ServeCommandTests.get(port: port, path: "/health"), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw ServeCommandTests.Failure(description: "facet serve did not answer /health on port \(port): \(log)")
    }

    func waitForExit(timeout: TimeInterval = 30) async throws -> Int32 { try await server.waitForExit(timeout: timeout) }

    /// Stops it with SIGTERM, or SIGKILL after 30 s.
    func stop() async { _ = try? await server.stop() }
}
