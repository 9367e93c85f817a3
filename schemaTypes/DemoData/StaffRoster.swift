import GROQ

/// The house's staff: a director, boutique managers, client advisors who keep the client books,
/// marketing and client care, spread over the boutiques so that every studio role is held.
struct StaffRoster: Sendable {
    struct Member: Sendable {
        let id: String
        let name: String
        let email: String
        let phone: String
        let jobTitle: String
        let studioRole: String
        let boutique: Int
        let languages: [String]
        let hired: CivilDate

        /// Managers and sales staff look after clients; the others support them.
        var keepsClients: Bool { studioRole == "sales" || studioRole == "manager" }
    }

    let members: [Member]
    /// Client-keeping staff by boutique.
    private let advisorsByBoutique: [[Int]]
    /// All client-keeping staff.
    private let advisors: [Int]

    /// The roster's size for a clientele: five, plus one for every 250 clients.
    static func size(forCustomers customers: Int) -> Int { 5 + customers / 250 }

    /// The first five hold the five studio roles; the rest follow this rota, mostly advisors.
    private static let firstFive = [
        ("director", "admin"), ("boutique-manager", "manager"), ("marketing-specialist", "marketing"), ("client-care", "support"),
        ("senior-client-advisor", "sales"),
    ]
    private static let rota = [
        ("client-advisor", "sales"), ("senior-client-advisor", "sales"), ("client-advisor", "sales"), ("boutique-manager", "manager"),
        ("client-advisor", "sales"), ("marketing-specialist", "marketing"), ("senior-client-advisor", "sales"), ("client-advisor", "sales"),
        ("client-care", "support"), ("client-advisor", "sales"),
    ]
    /// Boutiques in the order they are staffed: the largest clienteles first.
    private static let staffingOrder = [0, 3, 6, 7, 1, 5, 4, 2, 8, 9]

    init(count: Int, seed: UInt64) {
        var members: [Member] = []
        var emails = Set<String>()
        var clientKeepers = 0, others = 0
        let width = max(3, String(count).count)
        for index in 0..<count {
            var random = DemoRandom(seed: seed, stream: .staff, index: index)
            let (jobTitle, role) = index < Self.firstFive.count ? Self.firstFive[index] : Self.rota[(index - Self.firstFive.count) % Self.rota.count]
            let boutique: Int
            if role == "sales" || role == "manager" {
                boutique = Self.staffingOrder[clientKeepers % Self.staffingOrder.count]
                clientKeepers += 1
            } else {
                // Head-office roles sit in Paris, then in the next-largest boutiques.
                boutique = Self.staffingOrder[others % 3]
                others += 1
            }
            let place = Boutique.all[boutique]
            let culture = Clientele.cultures[place.staffCulture]
            let first = random.pick(culture.firstNames), last = random.pick(culture.lastNames)
            let local = Self.emailPart(first) + "." + Self.emailPart(last)
            var email = local + "@maison.example"
            var suffix = 2
            while !emails.insert(email).inserted {
                email = "\(local)\(suffix)@maison.example"
                suffix += 1
            }
            var languages = place.languages
            if !languages.contains("en") { languages.append("en") }
            members.append(Member(
                id: "staff-" + DemoText.padded(index + 1, width: width), name: "\(first) \(last)", email: email,
                phone: place.home.phoneNumber(random: &random), jobTitle: jobTitle, studioRole: role, boutique: boutique,
                languages: languages, hired: CivilDate(2012, 1, 1).adding(days: random.int(below: 3_650))))
        }
        self.members = members
        var byBoutique = Array(repeating: [Int](), count: Boutique.all.count)
        for (index, member) in members.enumerated() where member.keepsClients { byBoutique[member.boutique].append(index) }
        advisorsByBoutique = byBoutique
        advisors = members.indices.filter { members[$0].keepsClients }
    }

    /// A client advisor for a client of `boutique`: one of its own, or (when it has none) one
    /// from another boutique, as clients travel.
    func advisor(forBoutique boutique: Int, random: inout DemoRandom) -> Int {
        let local = advisorsByBoutique[boutique]
        return local.isEmpty ? random.pick(advisors) : random.pick(local)
    }

    /// Someone other than the client's advisor who can make a sale (a colleague on the floor).
    func colleague(random: inout DemoRandom) -> Int { random.pick(advisors) }

    /// The staff document; `clients` are the ids of the customers they look after, or `nil` for
    /// the roster written before the customers exist.
    func document(_ index: Int, clients: [String]?) -> JSONValue {
        let member = members[index]
        var document: JSONObject = [
            "_id": .string(member.id), "_type": "staff",
            "_createdAt": .string(member.hired.isoDateTime(secondsIntoDay: 32_400)),
            "name": .string(member.name),
            "email": .string(member.email),
            "phone": .string(member.phone),
            "jobTitle": .string(member.jobTitle),
            "studioRole": .string(member.studioRole),
            "boutique": .string(Boutique.all[member.boutique].key),
            "languages": .array(member.languages.map(JSONValue.string)),
            "hireDate": .string(member.hired.iso),
            "isActive": true,
        ]
        if let clients, !clients.isEmpty {
            document["assignedCustomers"] = .array(clients.map { DemoText.reference($0, key: $0) })
        }
        return .object(document)
    }

    /// The part of an e-mail address made from a name: ASCII letters only, lowercase.
    static func emailPart(_ name: String) -> String {
        String(DemoText.asciiFolded(name).lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
    }
}
