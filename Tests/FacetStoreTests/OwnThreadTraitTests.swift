import Dispatch
import Testing
import TestSupport

/// The trait that keeps long or blocking tests off the threads Swift's tasks share: each test,
/// parameterised or not, synchronous or not, and the child tasks it starts, run on the test's
/// own queue.
@Suite("Tests on threads of their own", .ownThread())
struct OwnThreadTraitTests {
    static func queueLabel() -> String { OwnThreadTrait.currentQueue ?? "a shared thread" }

    @Test func anAsynchronousTestRunsOnItsOwnQueue() async throws {
        #expect(Self.queueLabel().hasPrefix("test."), "\(Self.queueLabel())")
        try await Task.sleep(for: .milliseconds(1))
        #expect(Self.queueLabel().hasPrefix("test."), "after a suspension: \(Self.queueLabel())")
        async let child = Self.queueLabel()
        #expect(await child.hasPrefix("test."), "a child task")
    }

    @Test func aSynchronousTestRunsOnItsOwnQueue() {
        #expect(Self.queueLabel().hasPrefix("test."), "\(Self.queueLabel())")
    }

    @Test(arguments: [1, 2])
    func eachCaseRunsOnItsOwnQueue(_ number: Int) async {
        #expect(Self.queueLabel().hasPrefix("test."), "case \(number): \(Self.queueLabel())")
    }
}
