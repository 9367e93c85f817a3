import FacetStore
import Foundation
import GROQ

/// One event on its way to one hook's receiver: the change it tells of, its body, and where it
/// stands. Its id is the hook's with the event's (`<transactionId>#<documentId>`), so the same
/// change is never queued twice for a hook. It holds only characters a URL path keeps as they are.
public struct WebhookDelivery: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Waiting for its first or next attempt.
        case pending
        /// A receiver answered 2xx.
        case delivered
        /// Given up: a 4xx other than 429, attempts used up, an address refused, or a filter
        /// that failed on the document.
        case failed
    }

    public var id: String
    public var hookID: String
    public var sequence: Int64
    public var transactionID: String
    public var transactionTime: String
    public var documentID: String
    public var operation: Webhook.Operation
    /// The JSON text sent.
    public var body: String
    public var state: State
    /// Attempts made since it was queued (or queued again).
    public var attempts: Int
    /// When the next attempt is due, in seconds since 1970.
    public var nextAttempt: Double
    public var createdAt: Double
    public var lastError: String?

    /// What receivers use to recognise a delivery they already had: the event's id.
    public var idempotencyKey: String { MutationEvent.id(transaction: transactionID, document: documentID) }

    init(hookID: String, transaction: CommittedTransaction, documentID: String, operation: Webhook.Operation, body: String,
         now: Double, state: State = .pending, lastError: String? = nil)
    {
        self.id = hookID + "." + transaction.id + "." + documentID
        self.hookID = hookID
        self.sequence = transaction.sequence
        self.transactionID = transaction.id
        self.transactionTime = transaction.timestamp
        self.documentID = documentID
        self.operation = operation
        self.body = body
        self.state = state
        self.attempts = 0
        self.nextAttempt = now
        self.createdAt = now
        self.lastError = lastError
    }

    init(row: SQLRow) {
        id = row["id"]
        hookID = row["hook_id"]
        sequence = row["sequence"]
        transactionID = row["transaction_id"]
        transactionTime = row["transaction_time"]
        documentID = row["document_id"]
        operation = Webhook.Operation(rawValue: row["operation"]) ?? .update
        body = row["body"]
        state = State(rawValue: row["state"]) ?? .failed
        attempts = row["attempts"]
        nextAttempt = row["next_attempt"]
        createdAt = row["created_at"]
        lastError = row["last_error"]
    }

    /// The delivery as admins read it (the body's first 4 KB).
    public var json: JSONValue {
        [
            "id": .string(id), "hookId": .string(hookID), "transactionId": .string(transactionID),
            "transactionTime": .string(transactionTime), "documentId": .string(documentID), "operation": .string(operation.rawValue),
            "idempotencyKey": .string(idempotencyKey), "state": .string(state.rawValue), "attempts": .number(Double(attempts)),
            "nextAttemptAt": state == .pending ? .string(Timestamp.string(Date(timeIntervalSince1970: nextAttempt))) : .null,
            "queuedAt": .string(Timestamp.string(Date(timeIntervalSince1970: createdAt))),
            "lastError": lastError.map(JSONValue.string) ?? .null,
            "body": .string(String(decoding: body.utf8.prefix(4096), as: UTF8.self)),
        ]
    }
}

/// One try at sending a delivery: when, what came back, how long it took.
public struct WebhookAttempt: Sendable, Equatable {
    public var deliveryID: String
    public var hookID: String
    /// 1 for the first attempt since the delivery was queued.
    public var number: Int
    /// Seconds since 1970.
    public var at: Double
    /// The receiver's status; `nil` when none came (refused, timed out, address refused).
    public var status: Int?
    public var latencyMilliseconds: Double
    public var error: String?
    /// The first bytes of the receiver's answer.
    public var response: String?

    init(deliveryID: String, hookID: String, number: Int, at: Double, status: Int?, latencyMilliseconds: Double,
         error: String?, response: String?)
    {
        self.deliveryID = deliveryID
        self.hookID = hookID
        self.number = number
        self.at = at
        self.status = status
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
        self.response = response
    }

    init(row: SQLRow) {
        deliveryID = row["delivery_id"]
        hookID = row["hook_id"]
        number = row["number"]
        at = row["at"]
        status = row["status"]
        latencyMilliseconds = row["latency_ms"]
        error = row["error"]
        response = row["response"]
    }

    public var json: JSONValue {
        [
            "deliveryId": .string(deliveryID), "hookId": .string(hookID), "attempt": .number(Double(number)),
            "at": .string(Timestamp.string(Date(timeIntervalSince1970: at))), "status": status.map { .number(Double($0)) } ?? .null,
            "latencyMs": .number((latencyMilliseconds * 10).rounded() / 10), "error": error.map(JSONValue.string) ?? .null,
            "response": response.map(JSONValue.string) ?? .null,
        ]
    }
}
