import ArgumentParser
import GROQ

struct GROQBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "groq", abstract: "Benchmark the GROQ engine.")
    @Option(help: "Dataset sizes to generate.") var docs: [Int] = [10_000, 100_000]
    func run() throws {}
}
