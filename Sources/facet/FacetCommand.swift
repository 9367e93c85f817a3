import ArgumentParser

/// `facet`: the command line of Facet.
@main
struct FacetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facet",
        abstract: "Facet — a schema-driven content studio backend with GROQ.",
        subcommands: [QueryCommand.self, MutateCommand.self, DocCommand.self, HistoryCommand.self, DatasetCommand.self, SchemaCommand.self, ServeCommand.self, DemoCommand.self, BenchCommand.self, UsersCommand.self, TokensCommand.self, AuditCommand.self, KeysCommand.self, GDPRCommand.self, AnalyticsCommand.self, MigrationCommand.self, AssetsCommand.self]
    )
}
