import Dispatch
import Foundation
import GROQ
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A writer killed with SIGKILL in mid-stream, and writers in two processes at once.
extension StoreCommandTests {
    // MARK: Crash durability

    /// Collects the lines a child writes to a pipe, on a thread of its own; the test awaits them
    /// without holding a thread.
    final class LineCollector: @unchecked Sendable {
        private let condition = NSCondition()
        private var pending: [UInt8] = []
        private var lines: [String] = []
        private var ended = false
        private var paused = false
        /// Tasks waiting for the lines to reach what they need, by number.
        private var waiters: [Int: Waiter] = [:]
        private var nextWaiter = 0

        typealias State = (lines: [String], ended: Bool, unterminated: Int)

        private struct Waiter {
            let isMet: (_ lines: Int, _ ended: Bool) -> Bool
            let continuation: CheckedContinuation<State, Never>
        }

        /// Stops reading after the current chunk, so that the child's writes back up.
        func pause() { condition.lock(); paused = true; condition.unlock() }
        func resume() { condition.lock(); paused = false; condition.broadcast(); condition.unlock() }

        func start(reading fd: Int32) {
            let thread = Thread { [self] in
                var chunk = [UInt8](repeating: 0, count: 64 * 1024)
                while true {
                    let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { break }
                    condition.lock()
                    for byte in chunk[0..<count] {
                        if byte == 0x0A {
                            lines.append(String(decoding: pending, as: UTF8.self))
                            pending.removeAll(keepingCapacity: true)
                        } else {
                            pending.append(byte)
                        }
                    }
                    wakeWaiters()
                    while paused { condition.wait() }
                    condition.unlock()
                }
                condition.lock()
                ended = true
                wakeWaiters()
                condition.unlock()
            }
            thread.start()
        }

        /// Waits until there are more than `count` lines, the stream ends, or `deadline`.
        func wait(forMoreThan count: Int, until deadline: Date) async -> (lines: [String], ended: Bool) {
            let seen = await state(until: deadline) { lines, ended in lines > count || ended }
            return (seen.lines, seen.ended)
        }

        /// Waits for the end of the stream (or `deadline`); a last line without its newline is left out.
        func waitForEnd(until deadline: Date) async -> (lines: [String], ended: Bool, unterminated: Int) {
            await state(until: deadline) { _, ended in ended }
        }

        /// The lines so far once `isMet` holds of their number and of whether the stream ended,
        /// or at `deadline`: resumed by the reading thread as the lines come, or by a timer.
        private func state(until deadline: Date, when isMet: @escaping (_ lines: Int, _ ended: Bool) -> Bool) async -> State {
            await withCheckedContinuation { continuation in
                condition.lock()
                if isMet(lines.count, ended) || Date() >= deadline {
                    let state = (lines, ended, pending.count)
                    condition.unlock()
                    return continuation.resume(returning: state)
                }
                nextWaiter += 1
                let waiter = nextWaiter
                waiters[waiter] = Waiter(isMet: isMet, continuation: continuation)
                condition.unlock()
                DispatchQueue.global().asyncAfter(deadline: .now() + deadline.timeIntervalSinceNow) { [self] in
                    condition.lock()
                    let expired = waiters.removeValue(forKey: waiter)
                    let state = (lines, ended, pending.count)
                    condition.unlock()
                    expired?.continuation.resume(returning: state)
                }
            }
        }

        /// Resumes the waiters whose wait is over; called with the lock held.
        private func wakeWaiters() {
            for (key, waiter) in waiters where waiter.isMet(lines.count, ended) {
                waiters[key] = nil
                waiter.continuation.resume(returning: (lines, ended, pending.count))
            }
        }
    }

    /// The mutations of stream line `k`: a createOrReplace of `doc-k`, and on every seventh line
    /// a patch of the document five lines back.
    struct StreamLine {
        let number: Int
        var patchTarget: Int? { number % 7 == 0 && number > 5 ? number - 5 : nil }
        var createMutation: JSONValue {
            ["createOrReplace": ["_id": .string("doc-\(number)"), "_type": "counter", "n": .number(Double(number)),
                                 "label": .string("line \(number) " + String(repeating: "x", count: number % 50))]]
        }
        var patchMutation: JSONValue? {
            patchTarget.map { ["patch": ["id": .string("doc-\($0)"), "set": ["patchedBy": .number(Double(number))]]] }
        }
        var mutations: [JSONValue] { [createMutation] + (patchMutation.map { [$0] } ?? []) }
        var body: String { JSONValue.object(["mutations": .array(mutations)]).serialized() + "\n" }
        var documentIDs: [String] { ["doc-\(number)"] + (patchTarget.map { ["doc-\($0)"] } ?? []) }
        var operations: [String] { ["create"] + (patchTarget == nil ? [] : ["update"]) }
    }

    static func writeAll(_ fd: Int32, _ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            bytes = bytes.dropFirst(written)
        }
        return true
    }

    /// `facet mutate --stream` killed with SIGKILL while transactions are in flight. With
    /// `resultsUnread`, its results are left unread (in a one-page pipe) before the kill, so that
    /// it is killed with committed transactions it could not acknowledge.
    @Test(.timeLimit(.minutes(20)), arguments: [false, true])
    func killedMidStreamKeepsEveryAcknowledgedTransaction(resultsUnread: Bool) async throws {
        try await Self.killMidStream(resultsUnread: resultsUnread)
    }

    static func killMidStream(resultsUnread: Bool) async throws {
        let binary = try #require(QueryCommandTests.binary, "the facet executable was not found")
        try await Self.withDataDirectory { data in
            let child = try StreamChild(binary: binary, data: data, arguments: ["--author", "crash-test"])
            try await withCleanup {
                let collector = child.collector, stdinFD = child.stdinFD, output = child.output
                let process = child.process
                func childStderr() -> String { child.stderr }

                let targetAcknowledged = 300, writeAhead = 16
                let deadline = Date().addingTimeInterval(120)
                var written = 0
                var acknowledged: [String] = []
                while acknowledged.count < targetAcknowledged {
                    while written - acknowledged.count < writeAhead {
                        written += 1
                        let ok = Self.writeAll(stdinFD, StreamLine(number: written).body)
                        try #require(ok, "writing line \(written) failed (errno \(errno)); the child said: \(childStderr())")
                    }
                    let state = await collector.wait(forMoreThan: acknowledged.count, until: deadline)
                    acknowledged = state.lines
                    try #require(!state.ended, "the stream ended early after \(acknowledged.count) results: \(childStderr())")
                    try #require(Date() < deadline, "only \(acknowledged.count) results in 120 s")
                }
                var resultPipeShrunk = false
                if resultsUnread {
                    // Stop reading results and shrink their pipe to a page: the child commits a few
                    // dozen more transactions, then blocks writing the result of the next one.
                    collector.pause()
                    #if os(Linux)
                    resultPipeShrunk = fcntl(output.fileHandleForReading.fileDescriptor, 1031 /* F_SETPIPE_SZ */, Int32(4096)) >= 0
                    #endif
                    // Never block on a full stdin pipe: the child may be blocked too.
                    _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
                    for _ in 0..<250 {
                        guard Self.writeAll(stdinFD, StreamLine(number: written + 1).body) else { break }
                        written += 1
                    }
                    // Until the child has filled the page and stopped (the bytes waiting in the pipe
                    // stay the same for a second), however slowly a loaded machine lets it get there;
                    // then a moment for it to commit the transaction whose result it cannot write.
                    #if os(Linux)
                    if resultPipeShrunk {
                        var waiting: Int32 = 0, last: Int32 = -1, steadySince = Date()
                        let limit = Date().addingTimeInterval(60)
                        while Date() < limit {
                            _ = ioctl(output.fileHandleForReading.fileDescriptor, UInt(0x541B) /* FIONREAD */, &waiting)
                            if waiting != last {
                                last = waiting
                                steadySince = Date()
                            } else if waiting > 2_048, Date().timeIntervalSince(steadySince) > 1 {
                                break
                            }
                            try await Task.sleep(for: .milliseconds(50))
                        }
                    }
                    #endif
                    try await Task.sleep(for: .milliseconds(500))
                } else {
                    // Put more transactions in flight, then kill the child as it works through them,
                    // with its standard input still open.
                    for _ in 0..<writeAhead {
                        written += 1
                        try #require(Self.writeAll(stdinFD, StreamLine(number: written).body))
                    }
                    _ = await collector.wait(forMoreThan: acknowledged.count, until: Date().addingTimeInterval(5))
                    // Somewhere within the next commit or two (a commit waits for the disk).
                    try await Task.sleep(for: .microseconds(Int.random(in: 0...3_000)))
                }
                #expect(process.isRunning)
                process.signal(SIGKILL)
                let ending = try await process.ended(timeout: 30)
                #expect(ending == ChildProcess.Ending(status: SIGKILL, bySignal: true))
                collector.resume()
                let end = await collector.waitForEnd(until: Date().addingTimeInterval(30))
                try #require(end.ended, "its stdout did not reach end of file")
                #expect(end.unterminated == 0, "a result line was cut short")
                acknowledged = end.lines
                try #require(acknowledged.count >= targetAcknowledged && acknowledged.count <= written)
                #expect(childStderr() == "")

                // Each result line is the commit of the stream line with the same number.
                var transactionOfLine: [Int: String] = [:]
                for (index, text) in acknowledged.enumerated() {
                    let line = StreamLine(number: index + 1)
                    let result = try Self.json(text)
                    let transaction = try #require(result["transactionId"]?.stringValue, "result \(index + 1): \(text)")
                    #expect(result["results"]?.arrayValue?.map { $0["id"] ?? .null } == line.documentIDs.map(JSONValue.string), "result \(index + 1)")
                    #expect(result["results"]?.arrayValue?.map { $0["operation"] ?? .null } == line.operations.map(JSONValue.string), "result \(index + 1)")
                    transactionOfLine[line.number] = transaction
                }
                #expect(Set(transactionOfLine.values).count == acknowledged.count, "transaction ids are unique")

                // Reopen: the store as the killed process left it.
                let exported = try await Self.run(["dataset", "export", "--data", data, "-"])
                try #require(exported.status == 0, "the store does not open after the kill: \(exported.stderr)")
                var stored: [String: JSONValue] = [:]
                for text in Self.lines(exported.stdout) {
                    let document = try Self.json(text)
                    stored[document["_id"]?.stringValue ?? "?"] = document
                }
                // Lines in flight at the kill may have committed without their result being read,
                // but only in order: a prefix of them.
                var committed = acknowledged.count
                while committed < written, let document = stored["doc-\(committed + 1)"] {
                    committed += 1
                    transactionOfLine[committed] = document["_rev"]?.stringValue
                }
                let outOfOrder = ((committed + 1)..<(written + 1)).filter { stored["doc-\($0)"] != nil }
                #expect(outOfOrder.isEmpty, "lines \(outOfOrder) committed though line \(committed + 1) did not")
                let inFlightCommitted = committed - acknowledged.count
                if resultPipeShrunk {
                    #expect(inFlightCommitted >= 1, "the child was blocked on the result of a committed transaction")
                }

                // The model: what lines 1...committed make, with the transaction ids they got.
                var model: [String: JSONObject] = [:]
                var historyOf: [String: [String]] = [:]
                for number in 1...committed {
                    let line = StreamLine(number: number)
                    let transaction = transactionOfLine[number] ?? "?"
                    var document = line.createMutation["createOrReplace"]?.objectValue ?? [:]
                    document["_rev"] = .string(transaction)
                    model["doc-\(number)"] = document
                    historyOf["doc-\(number)", default: []].append(transaction)
                    if let target = line.patchTarget {
                        model["doc-\(target)"]?["patchedBy"] = .number(Double(number))
                        model["doc-\(target)"]?["_rev"] = .string(transaction)
                        historyOf["doc-\(target)", default: []].append(transaction)
                    }
                }
                let missingIDs = Set(model.keys).subtracting(stored.keys).sorted(), unexpectedIDs = Set(stored.keys).subtracting(model.keys).sorted()
                #expect(missingIDs.isEmpty && unexpectedIDs.isEmpty, "missing: \(missingIDs), unexpected: \(unexpectedIDs)")
                var mismatches: [String] = []
                for number in 1...committed {
                    let id = "doc-\(number)"
                    guard case .object(var document)? = stored[id] else { continue }
                    #expect(document["_createdAt"]?.stringValue != nil && document["_updatedAt"]?.stringValue != nil, "\(id)")
                    document.removeValue(forKey: "_createdAt")
                    document.removeValue(forKey: "_updatedAt")
                    if JSONValue.object(document) != JSONValue.object(model[id] ?? [:]) {
                        mismatches.append("\(id): stored \(JSONValue.object(document).serialized()), expected \(JSONValue.object(model[id] ?? [:]).serialized())")
                    }
                }
                #expect(mismatches.isEmpty, "\(mismatches.count) documents differ from their acknowledged content:\n\(mismatches.prefix(10).joined(separator: "\n"))")

                // History has every acknowledged transaction, with what was asked.
                var historyMismatches: [String] = []
                for number in 1...acknowledged.count {
                    let id = "doc-\(number)"
                    let log = try await Self.history(data, id)
                    let ids = log.compactMap { $0["id"]?.stringValue }
                    if ids != historyOf[id] { historyMismatches.append("\(id): \(ids) instead of \(historyOf[id] ?? [])") }
                    if let first = log.first {
                        let line = StreamLine(number: number)
                        if first["mutations"] != .array(line.mutations) || first["author"] != "crash-test" {
                            historyMismatches.append("\(id): recorded \(first.serialized())")
                        }
                    }
                }
                #expect(historyMismatches.isEmpty, "\(historyMismatches.prefix(10).joined(separator: "\n"))")

                // The store takes new writes, after the last committed transaction.
                let after = try await Self.mutate(data, #"{"mutations": [{"createOrReplace": {"_id": "doc-after", "_type": "counter", "n": -1}}, {"patch": {"id": "doc-1", "set": {"after": true}}}]}"#)
                let afterTransaction = try #require(after["transactionId"]?.stringValue)
                #expect(after["results"] == [["id": "doc-after", "operation": "create"], ["id": "doc-1", "operation": "update"]])
                let count = try await Self.run(["query", "--data", data, #"count(*[_type == "counter"])"#])
                #expect(count.stdout == "\(committed + 1)\n")
                #expect(try await Self.history(data, "doc-1").compactMap { $0["id"]?.stringValue } == (historyOf["doc-1"] ?? []) + [afterTransaction])
                #expect(try await Self.doc(data, ["doc-after"])["documents"]?[0]?["_rev"] == .string(afterTransaction))
                print("crash test: \(acknowledged.count) acknowledged, \(written) written, \(inFlightCommitted) committed without their result being read")
            } finally: {
                await child.stop()
            }
        }
    }

    /// A `--stream` process keeps writing while another `facet mutate` commits to the same
    /// dataset: the stream's next transaction must apply on top of the other's (or be refused
    /// as a conflict), never lose it, and never blame a transaction id nobody gave.
    @Test(.timeLimit(.minutes(2)))
    func aStreamWritesAfterAnotherProcessCommitted() async throws {
        // Not in turn with the others: its time limit counts from its start.
        let binary = try #require(QueryCommandTests.binary, "the facet executable was not found")
        try await Self.withDataDirectory { data in
            let child = try StreamChild(binary: binary, data: data)
            try await withCleanup {
                let collector = child.collector, stdinFD = child.stdinFD
                let deadline = Date().addingTimeInterval(60)

                try #require(Self.writeAll(stdinFD, #"{"createOrReplace": {"_id": "a", "_type": "t", "n": 1}}"# + "\n"))
                try #require(await collector.wait(forMoreThan: 0, until: deadline).lines.count == 1)
                try await Self.mutate(data, #"{"patch": {"id": "a", "set": {"n": 2}}}"#, ["--transaction-id", "tx-other"])
                try #require(Self.writeAll(stdinFD, #"{"patch": {"id": "a", "inc": {"n": 10}}}"# + "\n"))
                let second = await collector.wait(forMoreThan: 1, until: deadline)
                child.closeInput()
                try await child.process.ended(timeout: 30)
                let stderr = child.stderr

                // Whatever the stream did, the other process's commit is kept.
                let log = try await Self.history(data, "a")
                let transactions = log.compactMap { $0["id"]?.stringValue }
                #expect(transactions.contains("tx-other"), "\(transactions)")
                let n = try await Self.doc(data, ["a"])["documents"]?[0]?["n"]
                // The stream catches up with the other process's commit and patches on top of it.
                #expect(second.lines.count == 2, "stderr: \(stderr)")
                #expect(n == 12)
                #expect(!stderr.contains("is already used"), "\(stderr)")
            } finally: {
                await child.stop()
            }
        }
    }
}

/// A `facet mutate --stream -` child with its standard input, its result lines collected as
/// they come, and its standard error in a file.
final class StreamChild {
    let process: ChildProcess
    let input = Pipe(), output = Pipe()
    let collector = StoreCommandTests.LineCollector()
    private let errPath: String

    init(binary: URL, data: String, arguments: [String] = []) throws {
        // Writes to a pipe whose reader died must fail with EPIPE, not kill the test runner.
        signal(SIGPIPE, SIG_IGN)
        errPath = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("stream-stderr").path
        process = try ChildProcess(binary.path, ["mutate", "--data", data, "--schema", "none"] + arguments + ["--stream", "-"],
                                   stdin: .descriptor(input.fileHandleForReading.fileDescriptor),
                                   stdout: .descriptor(output.fileHandleForWriting.fileDescriptor),
                                   stderr: .file(errPath))
        // The child has its own copies; without closing ours the reader would never see the end.
        try? output.fileHandleForWriting.close()
        try? input.fileHandleForReading.close()
        collector.start(reading: output.fileHandleForReading.fileDescriptor)
    }

    var stdinFD: Int32 { input.fileHandleForWriting.fileDescriptor }

    /// What the child wrote to standard error so far.
    var stderr: String { String(decoding: FileManager.default.contents(atPath: errPath) ?? Data(), as: UTF8.self) }

    /// Ends the child's input, so that it finishes what it read and exits.
    func closeInput() { try? input.fileHandleForWriting.close() }

    /// Kills the child if it still runs, and closes the test's ends of the pipes.
    func stop() async {
        process.signal(SIGKILL)
        _ = try? await process.ended(timeout: 10)
        closeInput()
    }
}
