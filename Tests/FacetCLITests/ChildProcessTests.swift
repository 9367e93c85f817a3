import Foundation
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The launcher every test's child process goes through: what the child inherits, how it ends,
/// and that a failure to start or to end is an error, never a crash.
@Suite("Child processes of the tests")
struct ChildProcessTests {
    static func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("facet-child-\(UUID().uuidString)").path
    }

    static func contents(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    @Test func onlyTheThreeStandardStreamsAreInherited() async throws {
        // Descriptors of the test process the child must not hold: a pipe and an open file.
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let listed = Self.temporaryFile()
        defer { unlink(listed) }
        // The child names which of these descriptor numbers it holds: its standard output (a
        // control) and the test's two pipe ends.
        let asked = [1, ends[0], ends[1]].map(String.init)
        let child = try ChildProcess("/bin/sh", ["-c", "for n in \"$@\"; do [ -e /proc/$$/fd/$n ] && echo $n; done; true", "sh"] + asked,
                                     stdout: .file(listed))
        let ending = try await child.ended(timeout: 60)
        #expect(ending == ChildProcess.Ending(status: 0, bySignal: false))
        #expect(Self.contents(listed) == "1\n", "the child held \(Self.contents(listed)) of \(asked)")
        #expect(ends.allSatisfy { $0 > 2 })
    }

    @Test func signalsTheTestRunnerIgnoresStillEndTheChild() async throws {
        // The runner ignores SIGPIPE (writes to a closed socket must fail, not kill it); a child
        // must not inherit that, or a pipeline reader's exit leaves a writer spinning on EPIPE.
        // Never put back to the default: another test writing to a closed pipe meanwhile would
        // end the whole test process.
        signal(SIGPIPE, SIG_IGN)
        let ending = try await ChildProcess("/bin/sh", ["-c", "kill -PIPE $$; exit 7"]).ended(timeout: 60)
        #expect(ending == ChildProcess.Ending(status: SIGPIPE, bySignal: true))
    }

    @Test func streamsGoWhereTheyAreSent() async throws {
        let input = Self.temporaryFile(), output = Self.temporaryFile()
        defer { unlink(input); unlink(output) }
        try Data("one\ntwo\n".utf8).write(to: URL(fileURLWithPath: input))
        let ending = try await ChildProcess("/bin/sh", ["-c", "wc -l; echo said >&2"], environment: ["PATH": "/usr/bin:/bin"],
                                            stdin: .file(input), stdout: .file(output), stderr: .appending(output)).ended(timeout: 60)
        #expect(ending.status == 0)
        #expect(Self.contents(output).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } == ["2", "said"])
    }

    @Test func aChildPastItsTimeIsKilledAndSaysSo() async throws {
        let child = try ChildProcess("/bin/sleep", ["60"])
        #expect(throws: ChildProcessError.self) { try child.wait(timeout: 0.5) }
        #expect(!child.isRunning)
        #expect(child.endingIfEnded == ChildProcess.Ending(status: SIGKILL, bySignal: true))
        let other = try ChildProcess("/bin/sleep", ["60"])
        await #expect(throws: ChildProcessError.self) { try await other.ended(timeout: 0.5) }
        #expect(!other.isRunning)
    }

    @Test func aMissingProgramIsAnErrorNotACrash() async {
        #expect(throws: ChildProcessError.self) { _ = try ChildProcess("/nonexistent/facet-nothing", []) }
        await #expect(throws: ChildProcessError.self) {
            _ = try await ChildProcess("/bin/true", [], directory: "/nonexistent/facet-nowhere").ended(timeout: 30)
        }
    }

    @Test func aChildDroppedWhileRunningIsKilled() async throws {
        var pid: pid_t = 0
        do {
            let child = try ChildProcess("/bin/sleep", ["60"])
            pid = child.pid
        }
        // Killed at once; reaped by its thread within moments.
        var gone = false
        for _ in 0..<300 where !gone {
            gone = kill(pid, 0) != 0
            if !gone { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(gone)
    }
}
