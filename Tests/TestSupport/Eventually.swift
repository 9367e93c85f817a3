import Foundation

/// Waits until `condition` holds, looking every 10 ms; `false` once `limit` has passed *and*
/// the process has looked as often as `limit` allows.
///
/// A machine running the whole suite can hold every thread of this process for tens of
/// seconds at a time; a wait on the clock alone would then give up without the work under
/// test (held the same way) having had its turns. Counting the looks too makes the limit one
/// of the process's own progress: a stall extends it, a failing test still ends.
public func eventually(_ limit: Duration = .seconds(60), _ condition: () throws -> Bool) async throws -> Bool {
    let started = ContinuousClock.now
    let looks = Int(limit.components.seconds * 100 + limit.components.attoseconds / 10_000_000_000_000_000)
    var looked = 0
    while looked < looks || ContinuousClock.now - started < limit {
        if try condition() { return true }
        looked += 1
        try await Task.sleep(for: .milliseconds(10))
    }
    return try condition()
}
