// match_main and match_bitap_: where a hunk's context is searched for in the current text. The
// scores are computed in Double with the same operations as JavaScript so that ties and thresholds
// fall the same way.

extension DiffMatchPatch {
    /// The library's `Match_MaxBits`: Bitap keeps the pattern in one 32-bit integer.
    static let matchMaxBits = 32

    /// The fuzzy-matching knobs; defaults are the library's.
    struct MatchSettings: Sendable {
        /// `Match_Threshold`: 0 demands perfection, 1 accepts anything.
        var threshold = 0.5
        /// `Match_Distance`: a match this many code units away from the expected spot costs 1.0.
        var distance = 1000
    }

    /// `match_main`: the best location of `pattern` in `text` near `location`, or -1.
    static func matchMain(_ text: Units, _ pattern: Units, _ location: Int, settings: MatchSettings = MatchSettings()) -> Int {
        let loc = max(0, min(location, text.count))
        if text == pattern { return 0 }
        if text.isEmpty { return -1 }
        if substring(text, loc, loc + pattern.count) == pattern { return loc }
        return matchBitap(text, pattern, loc, settings: settings)
    }

    /// `match_bitap_`: Bitap search allowing ever more errors, scored by errors and by distance
    /// from `loc`.
    static func matchBitap(_ text: Units, _ pattern: Units, _ loc: Int, settings: MatchSettings = MatchSettings()) -> Int {
        // The library throws here; every caller keeps patterns within the limit.
        guard !pattern.isEmpty, pattern.count <= matchMaxBits else { return -1 }
        let alphabet = matchAlphabet(pattern)

        func score(_ errors: Int, _ x: Int) -> Double {
            let accuracy = Double(errors) / Double(pattern.count)
            let proximity = abs(loc - x)
            if settings.distance == 0 {
                return proximity != 0 ? 1.0 : accuracy
            }
            return accuracy + Double(proximity) / Double(settings.distance)
        }

        var scoreThreshold = settings.threshold
        var bestLoc = indexOf(text, pattern, from: loc)
        if bestLoc != -1 {
            scoreThreshold = min(score(0, bestLoc), scoreThreshold)
            bestLoc = lastIndexOf(text, pattern, from: loc + pattern.count)
            if bestLoc != -1 {
                scoreThreshold = min(score(0, bestLoc), scoreThreshold)
            }
        }

        let matchMask: UInt32 = 1 << UInt32(pattern.count - 1)
        bestLoc = -1
        var binMin: Int
        var binMid: Int
        var binMax = pattern.count + text.count
        // JavaScript reads unset array slots as undefined, which bitwise operators treat as 0.
        var lastRd: [UInt32] = []
        for d in 0..<pattern.count {
            binMin = 0
            binMid = binMax
            while binMin < binMid {
                if score(d, loc + binMid) <= scoreThreshold {
                    binMin = binMid
                } else {
                    binMax = binMid
                }
                binMid = (binMax - binMin) / 2 + binMin
            }
            binMax = binMid
            var start = max(1, loc - binMid + 1)
            let finish = min(loc + binMid, text.count) + pattern.count

            var rd = [UInt32](repeating: 0, count: finish + 2)
            rd[finish + 1] = (UInt32(1) << UInt32(d)) &- 1
            func last(_ index: Int) -> UInt32 { index < lastRd.count ? lastRd[index] : 0 }
            var j = finish
            while j >= start {
                let charMatch: UInt32 = j - 1 < text.count ? alphabet[text[j - 1], default: 0] : 0
                if d == 0 {
                    rd[j] = ((rd[j + 1] << 1) | 1) & charMatch
                } else {
                    rd[j] = (((rd[j + 1] << 1) | 1) & charMatch)
                        | (((last(j + 1) | last(j)) << 1) | 1)
                        | last(j + 1)
                }
                if rd[j] & matchMask != 0 {
                    let candidate = score(d, j - 1)
                    if candidate <= scoreThreshold {
                        scoreThreshold = candidate
                        bestLoc = j - 1
                        if bestLoc > loc {
                            // Do not stray further from loc on the other side than this match is.
                            start = max(1, 2 * loc - bestLoc)
                        } else {
                            break
                        }
                    }
                }
                j -= 1
            }
            if score(d + 1, loc) > scoreThreshold {
                break
            }
            lastRd = rd
        }
        return bestLoc
    }

    /// `match_alphabet_`: for each code unit of the pattern, a bit mask of where it occurs.
    static func matchAlphabet(_ pattern: Units) -> [UInt16: UInt32] {
        var alphabet: [UInt16: UInt32] = [:]
        for (index, unit) in pattern.enumerated() {
            alphabet[unit, default: 0] |= UInt32(1) << UInt32(pattern.count - index - 1)
        }
        return alphabet
    }
}
