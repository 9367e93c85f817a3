import Dispatch
import Foundation
import Testing
import TestSupport

@testable import GROQ

/// Deadlines and cancellation: evaluation stops at its checkpoints, whatever loop it is in.
@Suite("Evaluation deadline and cancellation", .ownThread(computing: true))
struct EvaluationDeadlineTests {
    /// `count` documents of two types, each pointing at the next.
    private static func documents(_ count: Int) -> InMemoryDataset {
        InMemoryDataset((0..<count).map { i in
            [
                "_id": .string("doc-\(1_000_000 + i)"), "_type": .string(i % 2 == 0 ? "customer" : "order"),
                "rank": .number(Double(i)), "next": ["_ref": .string("doc-\(1_000_000 + (i + 1) % count)")],
            ]
        })
    }

    /// The kind of error `body` throws, and how long it took to throw it.
    private static func stop(_ body: () throws -> JSONValue) -> (kind: GROQError.Kind?, seconds: Double) {
        let started = DispatchTime.now()
        var kind: GROQError.Kind?
        do { _ = try body() } catch let error as GROQError { kind = error.kind } catch {}
        return (kind, Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
    }

    @Test func aDeadlineAlreadyPastStopsEvenAQueryWithoutLoops() throws {
        let dataset = Self.documents(10)
        let past = EvaluationOptions(deadline: .now - .seconds(1))
        for text in ["1 + 1", "*[_type == 'customer']", "*{_id, rank}", "*[_id == 'doc-1000001'][0]"] {
            let outcome = Self.stop { try GROQQuery(text).evaluate(in: dataset, options: past) }
            #expect(outcome.kind == .timeout, "\(text)")
        }
        var caught: GROQError?
        do { _ = try GROQQuery("*[rank > 2]").evaluate(in: dataset, options: past) } catch { caught = error }
        #expect(caught?.message == "the query ran past its time limit and was stopped")
        #expect(caught?.description.hasPrefix("GROQ evaluation timed out") == true)
    }

    @Test func nestedLoopsTooSmallToCheckAloneStillStopAtTheDeadline() throws {
        // 400 × 400 × 400 = 64 million inner evaluations: minutes. No single loop reaches the
        // checkpoint interval, but the count is shared by the thread, so the deadline is seen.
        let dataset = Self.documents(400)
        let query = try GROQQuery("*[count(*[rank > ^.rank && count(*[rank < ^.^.rank && rank > ^.rank]) > 0]) > 0]._id")
        let outcome = Self.stop { try query.evaluate(in: dataset, options: EvaluationOptions(deadline: .now + .milliseconds(150))) }
        #expect(outcome.kind == .timeout)
    }

    @Test func parallelMapsProjectionsOrderAndFunctionsStopToo() throws {
        let dataset = Self.documents(10_000)
        let queries = [
            // A map large enough to run on every core, each element a loop over every document.
            "*{_id, 'after': count(*[rank > ^.rank])}",
            "*[count(*[rank < ^.rank]) >= 0]{_id, rank, 'next': next->rank}",
            "*{'orders': *[_type == 'order' && rank > ^.rank]} | order(orders[0].rank)",
            "*[array::intersects(*[_type == 'order'].rank, [^.rank])]",
            "*[rank in *[_type == 'order' && rank != ^.rank].rank]",
        ]
        for text in queries {
            let query = try GROQQuery(text)
            let outcome = Self.stop { try query.evaluate(in: dataset, options: EvaluationOptions(deadline: .now + .milliseconds(100))) }
            #expect(outcome.kind == .timeout, "\(text)")
        }
    }

    @Test func aScanOnEveryCoreStopsAtTheDeadline() throws {
        // No index: the field conditions are checked straight from the documents, in parallel.
        let scanned = CheckedScanSource(Self.documents(40_000).documents)
        let query = try GROQQuery("*[rank >= 0 && _type == 'order']._id")
        guard case .array(let all) = try query.evaluate(in: scanned) else { Issue.record("not an array"); return }
        #expect(all.count == 20_000)
        let outcome = Self.stop { try query.evaluate(in: scanned, options: EvaluationOptions(deadline: .now - .milliseconds(1))) }
        #expect(outcome.kind == .timeout)
    }

    @Test func pathProjectionsLookAtTheDeadlineBetweenBlocks() throws {
        // Column-wise projections run no nodes, so they check the clock themselves, on every core.
        let dataset = Self.documents(20_000)
        guard case .map(_, let expression) = try GROQQuery("*{_id, rank, 'next': next->rank}").root,
              let projection = PathProjection(expression)
        else { Issue.record("*{_id, rank, 'next': next->rank} is not a path projection"); return }
        func context(_ deadline: ContinuousClock.Instant?) -> EvaluationContext {
            EvaluationContext(dataset: dataset, params: [:], now: .now(), identity: nil, before: nil, after: nil, source: "",
                              deadline: deadline)
        }
        let running = context(.now + .seconds(3600))
        #expect(try projection.apply(to: dataset.documents, context: running).count == 20_000)
        let late = context(.now - .milliseconds(1))
        #expect(Self.stop { .array(try projection.apply(to: dataset.documents, context: late)) }.kind == .timeout)
        #expect(Self.stop { .array(try projection.apply(to: Array(dataset.documents.prefix(500)), context: late)) }.kind == .timeout)
    }

    @Test func cancellingFromAnotherThreadStopsTheEvaluation() async throws {
        let dataset = Self.documents(2_000)
        let cancellation = EvaluationCancellation()
        let query = try GROQQuery("*[count(*[rank > ^.rank && count(*[rank < ^.^.rank]) > 0]) > 0]")
        // A thread of its own: Dispatch's pool may be busy with other tests for seconds.
        Thread {
            Thread.sleep(forTimeInterval: 0.1)
            cancellation.cancel()
        }.start()
        let outcome = Self.stop { try query.evaluate(in: dataset, options: EvaluationOptions(cancellation: cancellation)) }
        #expect(cancellation.isCancelled)
        #expect(outcome.kind == .cancelled)
    }

    @Test func aDeadlineNotReachedChangesNothing() throws {
        let dataset = Self.documents(9_000)
        let options = EvaluationOptions(deadline: .now + .seconds(3600), cancellation: EvaluationCancellation())
        for text in ["*[_type == 'order' && rank > 8000]{_id, 'next': next->rank}", "count(*{_id, rank})",
                     "*[_type == 'customer'] | order(rank desc)[0...3]._id", "math::sum(*[rank < 10].rank)",
                     "*[rank in [1, 2, 3]]._id", "*{_id}[0...2]"] {
            let query = try GROQQuery(text)
            #expect(try query.evaluate(in: dataset, options: options) == query.evaluate(in: dataset), "\(text)")
        }
    }
}
