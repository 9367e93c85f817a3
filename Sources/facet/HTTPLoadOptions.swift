import ArgumentParser
import Foundation

/// The load an HTTP benchmark drives with wrk: the size of the demo CRM it seeds, the
/// connections it keeps open, and how long it drives each measurement.
///
/// `facet bench server` and `facet bench security` take them alike; their defaults differ, as
/// a benchmark that measures several configurations in several rounds drives each for less
/// time, so each command reads them through ``docs(default:)`` and ``seconds(default:)`` and
/// checks them with its own bounds.
struct HTTPLoadOptions: ParsableArguments {
    @Option(help: "About how many documents to seed (the CRM demo, about 8.3 documents per customer).")
    var docs: Int?

    @Option(help: "Concurrent keep-alive connections the load generator keeps open.")
    var connections = 32

    @Option(help: "How long to drive each measurement, in seconds (after a 2-second warm-up).")
    var seconds: Int?

    func docs(default value: Int) -> Int { docs ?? value }
    func seconds(default value: Int) -> Int { seconds ?? value }

    /// Refuses values outside the command's bounds, naming the option and its range.
    func check(docs: Int, within documents: ClosedRange<Int>, seconds: Int, within duration: ClosedRange<Int>) throws {
        guard documents.contains(docs) else {
            throw ValidationError("--docs must be between \(documents.lowerBound) and \(documents.upperBound); got \(docs)")
        }
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be between 1 and 10000; got \(connections)") }
        guard duration.contains(seconds) else {
            throw ValidationError("--seconds must be between \(duration.lowerBound) and \(duration.upperBound); got \(seconds)")
        }
    }
}

/// What every HTTP benchmark starts with: a word when the build is not optimised, wrk found on
/// the path, and a temporary directory of its own (removed by ``remove()``).
struct LoadBenchSetting {
    /// wrk's path.
    let wrk: String
    /// The benchmark's temporary directory, created.
    let directory: String

    /// For `facet bench <name>`; `subdirectory` is created inside the temporary directory too.
    init(benchmark name: String, subdirectory: String? = nil) throws {
        #if DEBUG
        print("note: this is a debug build; run `swift build -c release --product facet && .build/release/facet bench \(name)` for real figures\n")
        #endif
        guard let wrk = ServerBenchCommand.executable("wrk") else {
            throw CommandFailure("wrk is not installed: install it (Debian: apt-get install wrk) and run the benchmark again")
        }
        self.wrk = wrk
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-bench-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: subdirectory.map { directory + "/" + $0 } ?? directory, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}
