/// Phone numbers as written by people (`+33 6 12 34 56 78`, `06 12 34 56 78`, `0044 20 7946 0958`,
/// `(212) 555-0123`) rewritten in E.164: `+`, the country code, the national number, digits only.
public enum PhoneNumber {
    /// The country a number without an international prefix is read in when its document says
    /// nothing better: France, where the house and most of its clients are.
    public static let defaultCountry = "FR"

    /// Calling code, and whether the national trunk prefix (a leading `0`, or `1` in the NANP)
    /// is dropped when writing the number internationally. Italy keeps its leading zero.
    static let countries: [String: (code: String, trunk: String?)] = [
        "FR": ("33", "0"), "GB": ("44", "0"), "CH": ("41", "0"), "IT": ("39", nil), "DE": ("49", "0"), "ES": ("34", nil),
        "US": ("1", "1"), "CA": ("1", "1"), "MX": ("52", nil), "BR": ("55", "0"), "JP": ("81", "0"), "KR": ("82", "0"),
        "CN": ("86", "0"), "HK": ("852", nil), "TW": ("886", "0"), "SG": ("65", nil), "IN": ("91", "0"), "AE": ("971", "0"),
        "SA": ("966", "0"), "IL": ("972", "0"), "LB": ("961", "0"), "NG": ("234", "0"), "GH": ("233", "0"), "ZA": ("27", "0"),
        "SE": ("46", "0"), "AU": ("61", "0"), "NL": ("31", "0"), "BE": ("32", "0"), "AT": ("43", "0"),
    ]

    /// `text` in E.164, or `nil` when it cannot be read as a phone number (letters, too few or
    /// too many digits, an unknown country): such values are left for an editor to fix.
    ///
    /// ```swift
    /// PhoneNumber.e164("+44 20 7946 0958")               // "+442079460958"
    /// PhoneNumber.e164("06 12 34 56 78", country: "FR")  // "+33612345678"
    /// ```
    public static func e164(_ text: String, country: String = defaultCountry) -> String? {
        // One pass over the scalars: this runs for every phone field of a dataset.
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var plus = false
        var scalars = Array(text.unicodeScalars)
        // "+44 (0)20 …": the bracketed trunk zero is not dialled from abroad.
        if let open = scalars.firstIndex(of: "("), open + 2 < scalars.count, scalars[open + 1] == "0", scalars[open + 2] == ")" {
            scalars.removeSubrange(open...(open + 2))
        }
        for scalar in scalars {
            switch scalar {
            case "0"..."9": digits.append(UInt8(scalar.value))
            case "+" where digits.isEmpty && !plus: plus = true
            case " ", "-", ".", "(", ")", "/", "\t", "\u{00A0}": continue
            default: return nil
            }
        }
        if !plus, digits.starts(with: [0x30, 0x30]) {
            plus = true
            digits.removeFirst(2)
        }
        if !plus {
            guard let (code, trunk) = countries[country.uppercased()] else { return nil }
            if let trunk, digits.count > 7, digits.starts(with: Array(trunk.utf8)) { digits.removeFirst(trunk.utf8.count) }
            digits.insert(contentsOf: Array(code.utf8), at: 0)
        }
        guard (8...15).contains(digits.count), digits.first != 0x30 else { return nil }
        return "+" + String(decoding: digits, as: UTF8.self)
    }
}
