import FacetStore
import PostgresNIO

/// Facet's tables in a PostgreSQL database, as numbered steps: an empty database gets them all on
/// first start, an older one the steps it lacks, and every server agrees on the version in
/// `facet_schema_versions`.
///
/// Steps are only ever appended: a released step is never edited, because databases that ran
/// it keep what it made.
enum PostgresSchema {
    /// The steps in order; the version of a database is the number of steps it ran.
    static let steps: [(name: String, statements: [String])] = [
        ("datasets, documents and history", [
            """
            CREATE TABLE facet_datasets (
                key bigserial PRIMARY KEY,
                -- NULL while the dataset is being imported out of sight (see staged_as).
                name text COLLATE "C" UNIQUE,
                staged_as text COLLATE "C",
                last_seq bigint NOT NULL DEFAULT 0,
                created_at timestamptz NOT NULL DEFAULT now(),
                touched_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            """
            CREATE TABLE facet_documents (
                dataset bigint NOT NULL REFERENCES facet_datasets (key) ON DELETE CASCADE,
                id text COLLATE "C" NOT NULL,
                type text COLLATE "C" NOT NULL,
                rev text COLLATE "C" NOT NULL,
                body text NOT NULL,
                PRIMARY KEY (dataset, id)
            )
            """,
            """
            CREATE TABLE facet_transactions (
                dataset bigint NOT NULL REFERENCES facet_datasets (key) ON DELETE CASCADE,
                seq bigint NOT NULL,
                id text COLLATE "C" NOT NULL,
                timestamp text COLLATE "C" NOT NULL,
                author text COLLATE "C",
                mutations text NOT NULL,
                PRIMARY KEY (dataset, seq),
                UNIQUE (dataset, id)
            )
            """,
            "CREATE INDEX facet_transactions_by_time ON facet_transactions (dataset, timestamp)",
            """
            CREATE TABLE facet_revisions (
                dataset bigint NOT NULL REFERENCES facet_datasets (key) ON DELETE CASCADE,
                document_id text COLLATE "C" NOT NULL,
                seq bigint NOT NULL,
                rev text COLLATE "C" NOT NULL,
                previous_rev text COLLATE "C",
                timestamp text COLLATE "C" NOT NULL,
                body text,
                PRIMARY KEY (dataset, document_id, seq)
            )
            """,
            "CREATE INDEX facet_revisions_by_seq ON facet_revisions (dataset, seq)",
        ]),
        ("leases for work done once among servers", [
            """
            CREATE TABLE facet_leases (
                name text COLLATE "C" PRIMARY KEY,
                holder text NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
        ]),
    ]

    /// Any number to lock on that no other program is likely to use: servers starting together
    /// take turns to bring the tables up to date.
    private static let lock: Int64 = 0x0046_6163_6574_0001

    /// Brings the database's tables up to the latest version. Throws `conflict` when the
    /// database was written by a newer Facet, which this one must not touch.
    static func migrate(_ connections: PostgresConnections) throws(StoreError) {
        try connections.withTransaction { connection in
            try connection.run("SELECT pg_advisory_xact_lock(\(lock))")
            if let schema = connections.location.schema {
                // Checked to be a plain lowercase name (see PostgresLocation).
                try connection.run(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(schema)"))
            }
            try connection.run("CREATE TABLE IF NOT EXISTS facet_schema_versions (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())")
            var current = 0
            for row in try connection.run("SELECT coalesce(max(version), 0) FROM facet_schema_versions") {
                current = try row.decode(Int.self)
            }
            guard current <= steps.count else {
                throw StoreError(.conflict, type: "databaseTooNewError",
                                 message: "The database's tables are at version \(current), newer than this Facet knows (\(steps.count))",
                                 advice: "Run the newer Facet that wrote them, or point this one at another database.")
            }
            for (index, step) in steps.enumerated().dropFirst(current) {
                for statement in step.statements { try connection.run(PostgresQuery(unsafeSQL: statement)) }
                try connection.run("INSERT INTO facet_schema_versions (version, name) VALUES (\(index + 1), \(step.name))")
            }
            return ((), commit: true)
        }
    }
}
