import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A program the tests start and wait for: `facet`, `tar`, `sqlite3`, a browser test.
///
/// Foundation's `Process` is not used: on Linux it lists every descriptor the parent holds to
/// close each in the child, and with the whole suite running (servers, databases, sockets: well
/// over a thousand descriptors) that listing crashed the test process. Here the child is made by
/// `posix_spawn`, which closes everything from 3 up in one step, resets the signals the test
/// runner ignores (a child whose reader is gone must still die of `SIGPIPE`), and puts the child
/// in a process group of its own. A thread of the child's own waits for it, so no waiter holds
/// one of the threads the tests share.
///
/// ```swift
/// let child = try ChildProcess("/usr/bin/env", ["tar", "-tzf", archive], stdout: .file(listing))
/// let ending = try await child.ended(timeout: 60)   // throws when it is still running then
/// #expect(ending.status == 0)
/// ```
public final class ChildProcess: @unchecked Sendable {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        /// `/dev/null`.
        case null
        /// A file, created or truncated for output, read from the start for input.
        case file(String)
        /// A file the child appends to.
        case appending(String)
        /// A descriptor of the test's (a pipe's end), duplicated into the child.
        case descriptor(Int32)
    }

    /// How a child ended.
    public struct Ending: Sendable, Equatable, CustomStringConvertible {
        /// The exit status, or the number of the signal that ended it (as Foundation's
        /// `terminationStatus` has it).
        public let status: Int32
        /// True when a signal ended it.
        public let bySignal: Bool

        public init(status: Int32, bySignal: Bool) {
            self.status = status
            self.bySignal = bySignal
        }

        public var description: String { bySignal ? "killed by signal \(status)" : "exit status \(status)" }
    }

    /// The child's process id. Signal it only through ``signal(_:)``, which checks it still runs.
    public let pid: pid_t
    /// The command line, for messages.
    public let commandLine: String

    /// What the waiting thread shares with the child's owner; not the owner itself, so that a
    /// child dropped while it runs is killed.
    private final class Reaping: @unchecked Sendable {
        let ended = DispatchSemaphore(value: 0)
        let lock = NSLock()
        var ending: Ending?
        var waiters: [CheckedContinuation<Ending, Never>] = []

        func finish(_ result: Ending) {
            let resumed = lock.withLock { () -> [CheckedContinuation<Ending, Never>] in
                ending = result
                defer { waiters.removeAll() }
                return waiters
            }
            for waiter in resumed { waiter.resume(returning: result) }
            ended.signal()
        }
    }

    private let reaping = Reaping()

    /// Writing to a child whose reader has gone (its standard input, a socket it closed) must
    /// fail with `EPIPE` in the test process, never end it: the whole suite shares the process.
    /// Set once, for good, before the first child starts; children get the default back.
    private static let brokenPipesFail: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()

    /// Starts `executable` (a path; use `/usr/bin/env` to look a program up) with `arguments`.
    /// `environment` nil passes the test process's own; `directory` nil keeps its working directory.
    public init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                directory: String? = nil, stdin: Stream = .null, stdout: Stream = .null, stderr: Stream = .null) throws
    {
        commandLine = ([executable] + arguments).joined(separator: " ")
        _ = Self.brokenPipesFail
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            let result: Int32
            switch stream {
            case .null:
                result = posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let path):
                result = target == 0
                    ? posix_spawn_file_actions_addopen(&actions, target, path, O_RDONLY, 0)
                    : posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .appending(let path):
                result = posix_spawn_file_actions_addopen(&actions, target, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .descriptor(let descriptor):
                result = posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            }
            guard result == 0 else { throw ChildProcessError(commandLine: commandLine, step: "preparing stream \(target)", code: result) }
        }
        if let directory {
            let result = try Self.spawnExtension("posix_spawn_file_actions_addchdir_np", AddChdir.self)(&actions, directory)
            guard result == 0 else { throw ChildProcessError(commandLine: commandLine, step: "changing to \(directory)", code: result) }
        }
        // After the streams are in place: every other descriptor of the test process stays behind.
        let closing = try Self.spawnExtension("posix_spawn_file_actions_addclosefrom_np", AddCloseFrom.self)(&actions, 3)
        guard closing == 0 else { throw ChildProcessError(commandLine: commandLine, step: "closing descriptors", code: closing) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t(), empty = sigset_t()
        sigfillset(&defaults)
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw ChildProcessError(commandLine: commandLine, step: "starting", code: spawned) }
        pid = child

        let thread = Thread { [reaping, child] in
            var status: Int32 = 0
            while waitpid(child, &status, 0) == -1 && errno == EINTR {}
            let signalled = status & 0x7f != 0 && status & 0x7f != 0x7f
            reaping.finish(Ending(status: signalled ? status & 0x7f : (status >> 8) & 0xff, bySignal: signalled))
        }
        thread.stackSize = 256 << 10
        thread.start()
    }

    /// True until the child has ended and been reaped.
    public var isRunning: Bool { reaping.lock.withLock { reaping.ending == nil } }

    /// How it ended, or nil while it runs.
    public var endingIfEnded: Ending? { reaping.lock.withLock { reaping.ending } }

    /// Sends `signal` while the child runs (once reaped, its id may be another process's).
    public func signal(_ signal: Int32) {
        reaping.lock.withLock { if reaping.ending == nil { _ = kill(pid, signal) } }
    }

    /// Blocks until the child ends; after `timeout` seconds it is killed and this throws.
    ///
    /// For code on a thread of its own (see ``offThePool(_:)``): a task awaits
    /// ``ended(timeout:)`` instead, which holds no thread while the child runs.
    @discardableResult
    public func wait(timeout: TimeInterval) throws -> Ending {
        if reaping.ended.wait(timeout: .now() + timeout) == .timedOut {
            signal(SIGKILL)
            _ = reaping.ended.wait(timeout: .now() + 30)
            throw ChildProcessError(commandLine: commandLine, step: "waiting \(Int(timeout)) s for it to end", code: ETIMEDOUT)
        }
        reaping.ended.signal()
        return endingIfEnded!
    }

    /// Waits until the child ends, without holding a thread.
    public func ended() async -> Ending {
        await withCheckedContinuation { continuation in
            let done = reaping.lock.withLock { () -> Ending? in
                if let ending = reaping.ending { return ending }
                reaping.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// Waits until the child ends, killing it after `timeout` seconds (and then throwing).
    @discardableResult
    public func ended(timeout: TimeInterval) async throws -> Ending {
        let fired = NSLock()
        nonisolated(unsafe) var killed = false
        // Only a child still running when the time is up counts: on a loaded machine this task
        // may resume long after the child ended.
        let watchdog = DispatchWorkItem { [reaping, pid] in
            reaping.lock.withLock {
                guard reaping.ending == nil else { return }
                fired.withLock { killed = true }
                _ = kill(pid, SIGKILL)
            }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let result = await ended()
        watchdog.cancel()
        if fired.withLock({ killed }) {
            throw ChildProcessError(commandLine: commandLine, step: "waiting \(Int(timeout)) s for it to end", code: ETIMEDOUT)
        }
        return result
    }

    deinit {
        signal(SIGKILL)
    }

    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc's spawn extensions (2.29 and 2.34) are not in the Swift overlay's headers; they are
    /// looked up by name.
    private static func spawnExtension<Function>(_ name: String, _ type: Function.Type) throws -> Function {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            throw ChildProcessError(commandLine: name, step: "finding the C library's \(name) (glibc 2.34 or later is needed)", code: ENOSYS)
        }
        return unsafeBitCast(symbol, to: type)
    }
}

/// A child that could not be started or did not end in time.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let commandLine: String
    public let step: String
    public let code: Int32

    public var description: String { "\(commandLine): \(step) failed: \(String(cString: strerror(code)))" }
}
