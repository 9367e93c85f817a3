import GROQ

/// The creative-expression profiles the advisors capture, in the brief's four dimensions.
///
/// Preferences are correlated the way the trend analytics look for: the music a client loves
/// leans on their culture (world fusion above all for clients of African, South Asian and Arab
/// heritage), the design aesthetics they like lean on that music (world fusion with organic and
/// bohemian, jazz with Art Deco, ambient with modern and futuristic), and palettes and lighting
/// lean on the aesthetic.
enum CreativeProfile {
    /// Design aesthetics by musical genre.
    static let aestheticsByGenre: [String: [(String, Double)]] = [
        "classical": [("vintage", 4), ("art-deco", 3), ("modern", 1), ("organic", 0.5)],
        "jazz": [("art-deco", 5), ("vintage", 2), ("modern", 1)],
        "world-fusion": [("organic", 5), ("bohemian", 5), ("vintage", 1), ("modern", 0.5)],
        "ambient": [("modern", 4), ("futuristic", 4), ("organic", 1)],
        "acoustic": [("organic", 3), ("bohemian", 3), ("vintage", 2)],
    ]

    static let tonesByGenre: [String: [(String, Double)]] = [
        "classical": [("serene", 3), ("romantic", 3), ("reflective", 3), ("powerful", 1)],
        "jazz": [("romantic", 3), ("energetic", 2), ("joyful", 2), ("reflective", 1)],
        "world-fusion": [("energetic", 3), ("joyful", 4), ("powerful", 2), ("romantic", 1)],
        "ambient": [("serene", 5), ("reflective", 4)],
        "acoustic": [("serene", 2), ("romantic", 3), ("joyful", 2), ("reflective", 2)],
    ]

    static let soundscapesByGenre: [String: [(String, Double)]] = [
        "classical": [("orchestral", 5), ("layered", 2), ("minimalist", 1)],
        "jazz": [("layered", 3), ("rhythmic", 3), ("minimalist", 1)],
        "world-fusion": [("rhythmic", 5), ("layered", 3), ("natural", 2)],
        "ambient": [("minimalist", 4), ("natural", 4), ("layered", 1)],
        "acoustic": [("natural", 4), ("minimalist", 3), ("rhythmic", 1)],
    ]

    static let palettesByAesthetic: [String: [(String, Double)]] = [
        "modern": [("monochromatic", 3), ("precious-metals", 3), ("high-contrast", 2)],
        "vintage": [("precious-metals", 3), ("jewel-tones", 3), ("pastels", 2)],
        "bohemian": [("earth-tones", 5), ("jewel-tones", 3)],
        "art-deco": [("high-contrast", 4), ("monochromatic", 3), ("precious-metals", 2)],
        "organic": [("earth-tones", 4), ("pastels", 3), ("jewel-tones", 1)],
        "futuristic": [("monochromatic", 4), ("high-contrast", 3), ("precious-metals", 1)],
    ]

    static let lightingByAesthetic: [String: [(String, Double)]] = [
        "modern": [("cool", 3), ("natural", 2), ("dramatic", 1)],
        "vintage": [("warm", 4), ("soft", 3)],
        "bohemian": [("warm", 4), ("natural", 3)],
        "art-deco": [("dramatic", 4), ("warm", 2)],
        "organic": [("natural", 5), ("soft", 3)],
        "futuristic": [("cool", 4), ("dramatic", 3)],
    ]

    static let genreTitles = ["classical": "Classical", "jazz": "Jazz", "world-fusion": "World fusion", "ambient": "Ambient", "acoustic": "Acoustic"]

    /// Whether `client` has a profile: only clients who consented to profiling, half of them
    /// (four in five LIZA members, whom advisors know best).
    static func isCaptured(for client: Client, seed: UInt64) -> Bool {
        guard client.consent.profiling else { return false }
        var random = DemoRandom(seed: seed, stream: .creativeConsent, index: client.index)
        return random.chance(client.membership == nil ? 0.5 : 0.8)
    }

    static func id(for client: Client) -> String { "creative-" + client.id.dropFirst("customer-".count) }

    /// The `creativeExpression` document of `client`.
    static func document(for client: Client, seed: UInt64, window: ObservationWindow, roster: StaffRoster) -> JSONValue {
        var random = DemoRandom(seed: seed, stream: .creative, index: client.index)
        let culture = Clientele.cultures[client.culture]
        // The advisor heard the client's taste: its genre and aesthetic come first.
        let genres = [client.taste.genre] + random.sample(weighted: culture.music.filter { $0.0 != client.taste.genre }, count: random.int(in: 0...1))
        let primary = genres[0]
        let aesthetics = [client.taste.aesthetic]
            + random.sample(weighted: (aestheticsByGenre[primary] ?? []).filter { $0.0 != client.taste.aesthetic }, count: random.int(in: 0...1))
        let look = aesthetics[0]
        let captured = client.acquisition + random.uniform() * (window.weeks - 0.0001 - client.acquisition)
        let decision = random.pick(weighted: [("solo", 2.0), ("partner", 3), ("family", 2), ("group", 1)])
        let vip = client.membership != nil
        let experiences = random.sample(weighted: [
            ("private-consultation", vip ? 5 : 2), ("co-creation", vip ? 3 : 1), ("vr-showroom", 1.5), ("storytelling", 2),
            ("workshop", 1.5), ("installation", 1),
        ], count: random.int(in: 1...3))
        let themes = random.sample(weighted: [
            ("heritage", client.heritage.count > 1 ? 4 : 2), ("love", 3), ("journey", 2), ("artistry", 2), ("power", 1),
            ("nature", look == "organic" || look == "bohemian" ? 4 : 1),
        ], count: random.int(in: 1...3))
        let genreTitle = genreTitles[primary] ?? primary
        return [
            "_id": .string(id(for: client)), "_type": "creativeExpression",
            "_createdAt": .string(window.dateTime(atWeek: captured)),
            // The title and the prose name the taste, never the person: this document is not
            // sealed, so a name here would reach the write-ahead log, history and exports.
            "title": .string("Creative profile — \(genreTitle), \(look.replacingHyphens) (\(client.id.dropFirst("customer-".count)))"),
            "customer": DemoText.reference(client.id),
            "musicalProfile": [
                "musicalPreferences": .array(genres.map(JSONValue.string)),
                "emotionalTones": .array(random.sample(weighted: tonesByGenre[primary] ?? [], count: random.int(in: 1...2)).map(JSONValue.string)),
                "soundscapePreferences": .array(random.sample(weighted: soundscapesByGenre[primary] ?? [], count: random.int(in: 1...2))
                    .map(JSONValue.string)),
                "experienceNarrative": .string("\(genreTitle) sets the pace of the visit: the music opens, the pieces answer."),
            ],
            "visualProfile": [
                "colorPalettes": .array(random.sample(weighted: palettesByAesthetic[look] ?? [], count: random.int(in: 1...2)).map(JSONValue.string)),
                "lightingMoods": .array(random.sample(weighted: lightingByAesthetic[look] ?? [], count: random.int(in: 1...2)).map(JSONValue.string)),
                "designAesthetics": .array(aesthetics.map(JSONValue.string)),
                "visualSymbolism": .string("Drawn to \(look.replacingHyphens) forms; \(themes[0]) is the thread through every piece they keep."),
            ],
            "experientialProfile": [
                "experienceTypes": .array(experiences.map(JSONValue.string)),
                "sensoryEngagement": .array(random.sample(["touch-texture", "spatial-flow", "scent"], count: random.int(in: 1...2)).map(JSONValue.string)),
                "timeframePreference": .string(random.pick(weighted: [("brief", 1.0), ("standard", 3), ("extended", vip ? 2 : 1), ("multi-session", vip ? 2 : 0.5)])),
                "socialContext": .array([JSONValue.string(decision)]),
            ],
            "synestheticBridge": [
                "musicToJewelryMapping": .string("\(genreTitle) → \(look.replacingHyphens) design, \(aesthetics.count > 1 ? "with \(aesthetics[1].replacingHyphens) accents" : "kept pure")."),
                "jewelryStorytelling": .string("Each piece is told as a chapter of the client's \(themes[0]) story."),
                "creativeThemes": .array(themes.map(JSONValue.string)),
            ],
            "capturedAt": .string(window.dateTime(atWeek: captured)),
            "capturedBy": DemoText.reference(roster.members[client.advisor].id),
        ]
    }
}

private extension String {
    /// `art-deco` → `art deco`, for prose.
    var replacingHyphens: String { split(separator: "-").joined(separator: " ") }
}
