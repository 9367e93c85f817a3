/// Runs `body`, then `cleanup` however `body` ends: a `defer` whose work awaits, which Swift's
/// own `defer` cannot hold. Stopping a server or a child awaits its exit, so that no thread is
/// blocked while it goes.
///
/// ```swift
/// let server = try StudioServer(…)
/// try await withCleanup {
///     try await server.waitUntilServing()
///     …
/// } finally: {
///     await server.stop()
/// }
/// ```
public func withCleanup<Value>(_ body: () async throws -> Value, finally cleanup: () async -> Void) async throws -> Value {
    let value: Value
    do {
        value = try await body()
    } catch {
        await cleanup()
        throw error
    }
    await cleanup()
    return value
}
