import FacetStore
import Foundation
import GROQ

/// A document's publish or unpublish, planned for a time: what editors see in the studio's
/// list of what is scheduled, by whom, and how it went.
public struct PublishSchedule: Sendable, Equatable {
    public enum Action: String, Sendable, CaseIterable {
        case publish, unpublish
    }

    public enum State: String, Sendable, CaseIterable {
        /// Waiting for its time.
        case scheduled
        /// Taken by a server at its time; done or failed a moment later. One left running by a
        /// server that died is finished by the next look.
        case running
        /// Published or unpublished, in `transactionID`.
        case done
        /// Not carried out, for the reason in `outcome` (the draft breaks the schema, there is
        /// nothing to publish…).
        case failed
        /// Withdrawn before its time.
        case cancelled
    }

    public var id: String
    public var dataset: String
    /// The published id of the document.
    public var documentID: String
    public var action: Action
    /// When it is due, seconds since 1970.
    public var at: Double
    public var state: State
    public var createdBy: String?
    public var createdAt: Double
    /// What came of it, in a sentence: done, or why not.
    public var outcome: String?
    /// The transaction that carried it out; also the id it is carried out with, so that a
    /// server that dies after the commit and before writing `done` is not repeated.
    public var transactionID: String
    public var executedAt: Double?

    init(row: SQLRow) {
        id = row["id"]
        dataset = row["dataset"]
        documentID = row["document_id"]
        action = Action(rawValue: row["action"]) ?? .publish
        at = row["due_at"]
        state = State(rawValue: row["state"]) ?? .failed
        createdBy = row["created_by"]
        createdAt = row["created_at"]
        outcome = row["outcome"]
        transactionID = row["transaction_id"]
        executedAt = row["executed_at"]
    }

    init(dataset: String, documentID: String, action: Action, at: Double, createdBy: String?, now: Double) {
        id = "schedule-" + DocumentID.generate()
        self.dataset = dataset
        self.documentID = documentID
        self.action = action
        self.at = at
        state = .scheduled
        self.createdBy = createdBy
        createdAt = now
        transactionID = DocumentID.generate()
    }

    /// The schedule as the studio and the API show it.
    public var json: JSONValue {
        func time(_ seconds: Double?) -> JSONValue { seconds.map { .string(Timestamp.string(Date(timeIntervalSince1970: $0))) } ?? .null }
        return [
            "id": .string(id), "dataset": .string(dataset), "documentId": .string(documentID), "action": .string(action.rawValue),
            "at": time(at), "state": .string(state.rawValue), "createdBy": createdBy.map(JSONValue.string) ?? .null,
            "createdAt": time(createdAt), "outcome": outcome.map(JSONValue.string) ?? .null,
            "transactionId": state == .done ? .string(transactionID) : .null, "executedAt": time(executedAt),
        ]
    }
}

/// Why a schedule could not be made, found or changed.
public struct ScheduleError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The request is wrong (a time in the past, an unknown action). HTTP 400.
        case invalid
        /// No such schedule, dataset or document. HTTP 404.
        case notFound
        /// The schedule is no longer waiting, or the caller may not publish the document. HTTP 409 / 403.
        case conflict
        case forbidden
        /// The records cannot be reached or written. HTTP 503 / 500.
        case unavailable
        case storage
    }

    public var kind: Kind
    public var message: String
    public var advice: String?

    public init(_ kind: Kind, _ message: String, advice: String? = nil) {
        self.kind = kind
        self.message = message
        self.advice = advice
    }

    public var description: String { message + (advice.map { ". " + $0 } ?? "") }

    static func records(_ error: any Error, doing what: String) -> ScheduleError {
        switch error {
        case let error as ScheduleError: error
        case let error as StoreError where error.kind == .unavailable:
            ScheduleError(.unavailable, "\(what): \(error.message)", advice: "Try again once the database answers.")
        default: ScheduleError(.storage, "\(what): \(error)")
        }
    }
}
