import FacetStore

extension DataKeyring {
    /// The security database's tables for field encryption: the master key in use and a
    /// generation other processes watch, the wrapped data keys, and the destroyed ones.
    static let tables = [
        TableStep("field encryption keys", sqlite: ["""
            CREATE TABLE encryption_state (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                master_kid TEXT NOT NULL,
                generation INTEGER NOT NULL
            );
            CREATE TABLE data_keys (
                kid TEXT PRIMARY KEY NOT NULL,
                dataset TEXT NOT NULL,
                subject TEXT NOT NULL,
                wrapped BLOB NOT NULL,
                master_kid TEXT NOT NULL,
                created_at TEXT NOT NULL,
                retired INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            CREATE INDEX data_keys_by_subject ON data_keys(dataset, subject);
            CREATE TABLE destroyed_keys (
                kid TEXT PRIMARY KEY NOT NULL,
                dataset TEXT NOT NULL,
                subject TEXT NOT NULL,
                destroyed_at TEXT NOT NULL,
                reason TEXT NOT NULL
            ) WITHOUT ROWID;
            """], postgres: [
            """
            CREATE TABLE encryption_state (
                id bigint PRIMARY KEY CHECK (id = 1),
                master_kid text NOT NULL,
                generation bigint NOT NULL
            )
            """,
            """
            CREATE TABLE data_keys (
                kid text PRIMARY KEY,
                dataset text NOT NULL,
                subject text NOT NULL,
                wrapped bytea NOT NULL,
                master_kid text NOT NULL,
                created_at text NOT NULL,
                retired bigint NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX data_keys_by_subject ON data_keys (dataset, subject)",
            """
            CREATE TABLE destroyed_keys (
                kid text PRIMARY KEY,
                dataset text NOT NULL,
                subject text NOT NULL,
                destroyed_at text NOT NULL,
                reason text NOT NULL
            )
            """,
        ]),
    ]
}
