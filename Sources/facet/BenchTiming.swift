import Dispatch
import Foundation

/// Timing shared by the benchmarks: wall-clock milliseconds and the median of repeated runs.
enum BenchTiming {
    /// Runs blocking work (a load driver, a timed loop) on a thread of its own, away from
    /// Swift's shared task threads, which the work under test needs.
    static func offThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// The `fraction` percentile of `values` (nearest rank); 0 for none.
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((fraction * Double(sorted.count)).rounded(.up)) - 1))]
    }

    /// Milliseconds since `start`.
    static func milliseconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
    }

    /// The median time of `runs` runs (after one warm-up) until `body` has produced its result.
    /// Freeing the result afterwards is not counted: a server has answered by then.
    static func median<Result>(runs: Int, _ body: () throws -> Result) rethrows -> Double {
        _ = try body()
        var samples: [Double] = []
        for _ in 0..<runs {
            let start = DispatchTime.now()
            let result = try body()
            samples.append(milliseconds(since: start))
            withExtendedLifetime(result) {}
        }
        samples.sort()
        return samples[samples.count / 2]
    }
}

/// This process's memory as the kernel counts it, for the benchmarks' memory figures.
struct ProcessMemory {
    /// Resident now, and the most that was ever resident, in MiB (`0` where `/proc` is absent).
    let residentMiB: Double
    let peakMiB: Double

    static var current: ProcessMemory {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func kibibytes(_ field: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
            return Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "") ?? 0
        }
        return ProcessMemory(residentMiB: kibibytes("VmRSS") / 1024, peakMiB: kibibytes("VmHWM") / 1024)
    }

    var description: String { String(format: "%.0f MiB resident (peak %.0f MiB)", residentMiB, peakMiB) }
}
