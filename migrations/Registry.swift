import FacetMigration

/// The CRM's migrations, in the order they were written (and should be run on an old dataset).
///
/// `facet migration create NAME` adds new migrations above the marker line.
public enum MigrationRegistry {
    public static let all: [Migration] = [
        phoneE164,
        staffBoutiqueKeys,
        // facet migration create: new migrations above this line
    ]

    /// The migration with this id, or `nil`.
    public static func migration(id: String) -> Migration? { all.first { $0.id == id } }
}
