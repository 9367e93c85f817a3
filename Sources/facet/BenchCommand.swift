import ArgumentParser

/// `facet bench`: benchmarks that print numbers.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks and print their figures.",
        subcommands: [GROQBenchCommand.self, AssetBenchCommand.self, StoreBenchCommand.self, ServerBenchCommand.self, ClusterBenchCommand.self, SecurityBenchCommand.self, HostileBenchCommand.self, StudioBenchCommand.self, MigrationBenchCommand.self, AnalyticsBenchCommand.self, WebhookBenchCommand.self]
    )
}
