import Dispatch
import FacetSecurity
import FacetStore
import GROQ
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// `GET /v1/data/export/:dataset`: every document, drafts included, as NDJSON in `_id` order,
/// from one snapshot taken when the request arrives; `types=a,b` keeps only those types.
/// Protected fields are sealed as the database holds them; `open=true` (administrators only,
/// audited as `export-open`) writes them in plaintext, for moving the data to another system.
///
/// The store serialises the snapshot on a thread of its own while the response is written, at
/// most a few chunks ahead of the client, so an export of any size needs constant memory beyond
/// the snapshot, and writers are never held up by it.
extension FacetAPI {
    func addExportRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "data/export", .read).get(":dataset") { request, context in
            let dataset = try dataset(context)
            var types = request.list("types").map(Set.init)
            let open = try request.flag("open") ?? false
            if open, let principal = context.principal, principal.role != .admin {
                throw APIError(.forbidden, type: "permissionDenied",
                               "Only an administrator may export protected fields in plaintext (open=true); role \(principal.role.rawValue) exports them sealed",
                               details: ["operation": "export"])
            }
            if let principal = context.principal, let security {
                // A role exports only the types it may export, whatever it asks for.
                let exportable = Set((schema?.documentTypeNames ?? []).filter { security.policy.allows(principal.role, .export, type: $0) })
                types = types.map { $0.intersection(exportable) } ?? exportable
                guard !(types ?? []).isEmpty else {
                    throw APIError(.forbidden, type: "permissionDenied", "Role \(principal.role.rawValue) may not export documents of the types asked for",
                                   details: ["operation": "export"])
                }
            }
            // A role exports what it may read, sealed as the database holds it.
            let options = ExportOptions(types: types, includeDrafts: true, visibility: visibility(context), sealed: !open)
            let audit = security?.audit
            let exported = AuditEvent(
                action: open ? "export-open" : "export", actor: context.principal?.author ?? "api", actorRole: context.principal?.role,
                ipAddress: context.remoteAddress,
                details: ["dataset": .string(dataset.name), "types": types.map { .array($0.sorted().map(JSONValue.string)) } ?? "all"])
            let pipe = ExportPipe()
            DispatchQueue.global(qos: .utility).async {
                // Recorded here rather than on the event loop: it is a durable SQLite write.
                _ = try? audit?.record(exported)
                do {
                    try dataset.exportNDJSON(options) { chunk in try pipe.send(chunk) }
                    pipe.finish(nil)
                } catch {
                    pipe.finish(error)
                }
            }
            // The first chunk (or the end) comes after the store has taken its snapshot: the
            // export then holds exactly what was committed when the request was answered, and a
            // failure before any byte is sent still gets its own status.
            let first: [UInt8]?
            do { first = try await pipe.next() } catch {
                pipe.abandon()
                throw error as? APIError ?? APIError(.internalServerError, type: "exportError", "The export failed; try again")
            }
            return Response(status: .ok, headers: [.contentType: NDJSONBody.contentType], body: ResponseBody { writer in
                defer { pipe.abandon() }
                var chunk = first
                while let bytes = chunk {
                    try await writer.write(ByteBuffer(bytes: bytes))
                    chunk = try await pipe.next()
                }
                try await writer.finish(nil)
            })
        }
    }
}

/// Hands the export's chunks from the thread that serialises them to the task that writes the
/// response: at most ``capacity`` chunks wait in between, so a slow client slows the export
/// instead of letting it pile up in memory, and a client that goes away stops it.
final class ExportPipe: Sendable {
    /// Chunks that may wait for the client (the store writes about 256 KiB at a time).
    static let capacity = 4
    /// How long the exporting thread waits for a client that reads nothing before it gives up.
    static let stallLimit: DispatchTimeInterval = .seconds(300)

    private struct State {
        var chunks = CircularBuffer<[UInt8]>()
        var finished = false
        var failure: (any Error)?
        var abandoned = false
        var reader: CheckedContinuation<Void, Never>?
    }

    /// Why the exporting thread stopped early.
    struct Abandoned: Error {}

    private let slots = DispatchSemaphore(value: ExportPipe.capacity)
    private let state = Mutex(State())

    /// Called on the exporting thread: blocks while ``capacity`` chunks are waiting; throws when
    /// the reader has gone (or read nothing for ``stallLimit``), which ends the export.
    func send(_ chunk: [UInt8]) throws {
        guard slots.wait(timeout: .now() + Self.stallLimit) == .success else { throw Abandoned() }
        let reader = try state.withLock { state throws -> CheckedContinuation<Void, Never>? in
            guard !state.abandoned else { throw Abandoned() }
            state.chunks.append(chunk)
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// Called on the exporting thread when it is done, with the error that stopped it if any.
    func finish(_ failure: (any Error)?) {
        let reader = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            state.failure = failure
            defer { state.reader = nil }
            return state.reader
        }
        reader?.resume()
    }

    /// The next chunk, waiting for it if need be; `nil` at the end; throws the export's error.
    func next() async throws -> [UInt8]? {
        while true {
            let taken: Swift.Result<[UInt8]?, any Error>? = state.withLock { state in
                if let chunk = state.chunks.popFirst() { return .success(chunk) }
                if let failure = state.failure { return .failure(failure) }
                return state.finished ? .success(nil) : nil
            }
            if let taken {
                if case .success(.some) = taken { slots.signal() }
                return try taken.get()
            }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    guard state.chunks.isEmpty, !state.finished else { return true }
                    state.reader = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Called when the response is done or failed: the exporting thread stops at its next chunk.
    func abandon() {
        let wasAbandoned = state.withLock { state in
            defer { state.abandoned = true }
            return state.abandoned
        }
        // Wakes the exporting thread if it is waiting for room.
        if !wasAbandoned { slots.signal() }
    }
}
