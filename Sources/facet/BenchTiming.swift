import Dispatch

/// Timing shared by the benchmarks: wall-clock milliseconds and the median of repeated runs.
enum BenchTiming {
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
