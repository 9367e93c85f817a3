import GROQ

/// Small pieces of document text the demo writes in many places: references, Portable Text,
/// slugs, padded numbers and ASCII-folded names.
enum DemoText {
    /// A strong reference to the document `id`.
    static func reference(_ id: String) -> JSONValue {
        ["_type": "reference", "_ref": .string(id)]
    }

    /// A reference as an array member, which needs a `_key` (deterministic, so that seeding twice
    /// writes the same document).
    static func reference(_ id: String, key: String) -> JSONValue {
        ["_key": .string(key), "_type": "reference", "_ref": .string(id)]
    }

    /// A slug object, as the schema's `slug` type stores it.
    static func slugValue(_ current: String) -> JSONValue {
        ["_type": "slug", "current": .string(current)]
    }

    /// Portable Text: one plain paragraph per string.
    static func blocks(_ paragraphs: [String]) -> JSONValue {
        .array(paragraphs.enumerated().map { index, text in
            [
                "_key": .string("p\(index)"),
                "_type": "block",
                "style": "normal",
                "markDefs": [],
                "children": [["_key": .string("p\(index)s0"), "_type": "span", "text": .string(text), "marks": []]],
            ]
        })
    }

    /// `value` with leading zeros up to `width` digits.
    static func padded(_ value: Int, width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// `text` in lowercase ASCII: accents dropped, anything else but letters and digits made a
    /// hyphen, hyphens never doubled nor at the ends ("Éternelle Solitaire" → "eternelle-solitaire").
    static func slug(_ text: String) -> String {
        var result = ""
        var pendingHyphen = false
        for character in asciiFolded(text).lowercased() {
            if character.isASCII, character.isLetter || character.isNumber {
                if pendingHyphen, !result.isEmpty { result.append("-") }
                pendingHyphen = false
                result.append(character)
            } else {
                pendingHyphen = true
            }
        }
        return result
    }

    /// `text` with the accented Latin letters the demo's names use replaced by plain ones, for
    /// e-mail addresses and slugs.
    static func asciiFolded(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            if character.isASCII {
                result.append(character)
            } else if let plain = folds[character] {
                result.append(plain)
            }
        }
        return result
    }

    private static let folds: [Character: String] = [
        "à": "a", "á": "a", "â": "a", "ã": "a", "ä": "a", "å": "a", "ç": "c", "è": "e", "é": "e", "ê": "e", "ë": "e",
        "ì": "i", "í": "i", "î": "i", "ï": "i", "ñ": "n", "ò": "o", "ó": "o", "ô": "o", "õ": "o", "ö": "o", "ø": "o",
        "ù": "u", "ú": "u", "û": "u", "ü": "u", "ý": "y", "ÿ": "y", "æ": "ae", "œ": "oe", "ß": "ss",
        "À": "A", "Á": "A", "Â": "A", "Ã": "A", "Ä": "A", "Å": "A", "Ç": "C", "È": "E", "É": "E", "Ê": "E", "Ë": "E",
        "Ì": "I", "Í": "I", "Î": "I", "Ï": "I", "Ñ": "N", "Ò": "O", "Ó": "O", "Ô": "O", "Õ": "O", "Ö": "O", "Ø": "O",
        "Ù": "U", "Ú": "U", "Û": "U", "Ü": "U", "Ý": "Y", "Æ": "AE", "Œ": "OE", "’": "",
    ]
}
