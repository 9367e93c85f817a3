import GROQ
import NIOCore

/// One server-sent event as the `text/event-stream` format spells it:
///
/// ```
/// event: mutation
/// id: <transactionId>#<documentId>
/// data: {"documentId": …}
///
/// ```
///
/// The data is JSON on one line: the serialiser escapes line breaks inside strings, so a payload
/// can never be cut into two `data:` lines or end the event early.
struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field, e.g. `welcome`, `mutation`, `reconnect`.
    var name: String
    /// The `id:` field: `nil` leaves it out; an empty string clears the id a client remembers,
    /// so that its next reconnection sends no `Last-Event-ID`.
    var id: String?
    var data: JSONValue

    /// The event's bytes, ending with the blank line that dispatches it.
    func write(to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "event: \(name)\n".utf8)
        if let id {
            bytes.append(contentsOf: (id.isEmpty ? "id:\n" : "id: \(id)\n").utf8)
        }
        bytes.append(contentsOf: "data: ".utf8)
        data.write(to: &bytes)
        bytes.append(contentsOf: "\n\n".utf8)
    }

    /// A comment line: clients ignore it, but it keeps proxies and load balancers from closing a
    /// stream that has been quiet for a while.
    static let keepAlive = ByteBuffer(string: ": keep-alive\n\n")

    /// `events` as one buffer, written to the connection at once.
    static func buffer(_ events: [ServerSentEvent]) -> ByteBuffer {
        var bytes: [UInt8] = []
        for event in events { event.write(to: &bytes) }
        return ByteBuffer(bytes: bytes)
    }
}
