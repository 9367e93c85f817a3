import Foundation
import FacetMigration
import GROQ
import SchemaTypes

/// Staff `boutique` from free text ("Paris — Place Vendôme", "Paris, Place Vendôme") to the
/// stable values of ``Vocabulary/boutiques`` (`paris-vendome`), shipped with the schema change
/// that makes the field a list of those values.
///
/// Display names are matched loosely (case, accents, dashes and commas ignored), and the city
/// alone is enough when the house has one boutique there. A name that matches nothing is left
/// for an editor: `facet schema check` lists it and suggests this migration.
public let staffBoutiqueKeys = Migration(
    id: "staff-boutique-keys",
    title: "Staff boutiques to stable values",
    documentTypes: ["staff"],
    filter: "defined(boutique)",
    fixes: [ValidationFix(documentType: "staff", field: "boutique")],
    document: { staff, _ in
        guard let text = staff["boutique"]?.stringValue, let key = BoutiqueName.key(for: text), key != text else { return [] }
        return [.set(["boutique"], .string(key))]
    }
)

/// Reads a boutique's display name back to its stable value.
enum BoutiqueName {
    static func key(for text: String) -> String? {
        let options = Vocabulary.boutiques.compactMap { option in option.value.stringValue.map { (key: $0, title: option.title) } }
        if options.contains(where: { $0.key == text }) { return text }
        let wanted = folded(text)
        if let exact = options.first(where: { folded($0.title) == wanted }) { return exact.key }
        // "Paris" alone: the one boutique whose title starts with that city.
        let byCity = options.filter { folded($0.title).hasPrefix(wanted + " ") }
        return byCity.count == 1 ? byCity[0].key : nil
    }

    /// Lowercase, without accents, with every run of punctuation and spaces made one space.
    static func folded(_ text: String) -> String {
        let plain = text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
        var result = ""
        var pendingSpace = false
        for character in plain {
            if character.isLetter || character.isNumber {
                if pendingSpace, !result.isEmpty { result.append(" ") }
                pendingSpace = false
                result.append(character)
            } else {
                pendingSpace = true
            }
        }
        return result
    }
}
