import GROQ

/// The cultures the demo's clients come from: names, homes, languages and the tendencies of their
/// cultural and creative profiles.
///
/// The lists are broad on purpose (Europe, the Americas, Africa, the Middle East, South and East
/// Asia), so that the cultural-preference analytics have real variety to group by. Tendencies
/// are weights, never rules: any client may hold any value or love any music.
struct Culture: Sendable {
    /// How clients of this culture name their heritage; the first is the most common.
    let heritage: [String]
    let firstNames: [String]
    let lastNames: [String]
    let homes: [Home]
    /// BCP 47 tags, the first the most common.
    let languages: [String]
    /// The share of the clientele.
    let weight: Double
    /// Weights of ``Vocabulary/culturalValues`` values.
    let values: [(String, Double)]
    /// Weights of individual, family-consensus, advisor-network.
    let decisions: [Double]
    /// Weights of direct-formal, direct-casual, indirect-formal, indirect-casual.
    let communication: [Double]
    /// Weights of ``Vocabulary/musicalGenres`` values.
    let music: [(String, Double)]
    /// What jewelry means in the culture's traditions, in a client's words.
    let significance: [String]
}

/// A city clients live in: how its addresses and phone numbers are written, where it is, and
/// which boutique serves it.
struct Home: Sendable {
    let city: String
    let region: String
    /// ISO 3166-1 alpha-2.
    let country: String
    /// `#` stands for a digit.
    let postalPattern: String
    /// The country calling code with its `+`.
    let phoneCode: String
    /// Digits per group after the country code (each 2 to 4, as the schema's pattern wants).
    let phoneGroups: [Int]
    let latitude: Double
    let longitude: Double
    let streets: [String]
    /// Index into ``Boutique/all``.
    let boutique: Int
}

/// A boutique of the house, where staff work and clients are served.
struct Boutique: Sendable {
    let name: String
    /// The stable value stored in `staff.boutique` (one of ``Vocabulary/boutiques``).
    var key: String {
        Vocabulary.boutiques.first { $0.title == name }?.value.stringValue ?? name
    }
    let home: Home
    /// Staff are named as people of this culture (index into ``Clientele/cultures``).
    let staffCulture: Int
    let languages: [String]

    static let all: [Boutique] = [
        Boutique(name: "Paris — Place Vendôme", home: Clientele.paris, staffCulture: 0, languages: ["fr", "en"]),
        Boutique(name: "London — New Bond Street", home: Clientele.london, staffCulture: 2, languages: ["en", "fr"]),
        Boutique(name: "Geneva — Rue du Rhône", home: Clientele.geneva, staffCulture: 4, languages: ["fr", "de", "en"]),
        Boutique(name: "New York — Fifth Avenue", home: Clientele.newYork, staffCulture: 1, languages: ["en", "es"]),
        Boutique(name: "Los Angeles — Rodeo Drive", home: Clientele.losAngeles, staffCulture: 1, languages: ["en", "es", "fa"]),
        Boutique(name: "Tokyo — Ginza", home: Clientele.tokyo, staffCulture: 5, languages: ["ja", "en"]),
        Boutique(name: "Hong Kong — Landmark", home: Clientele.hongKong, staffCulture: 6, languages: ["zh-Hant", "en"]),
        Boutique(name: "Dubai — The Dubai Mall", home: Clientele.dubai, staffCulture: 9, languages: ["ar", "en", "hi"]),
        Boutique(name: "Singapore — Marina Bay", home: Clientele.singapore, staffCulture: 6, languages: ["en", "zh-Hans"]),
        Boutique(name: "São Paulo — Rua Oscar Freire", home: Clientele.saoPaulo, staffCulture: 12, languages: ["pt-BR", "es", "en"]),
    ]
}

/// The clientele's cultures and homes.
enum Clientele {
    static let paris = Home(city: "Paris", region: "Île-de-France", country: "FR", postalPattern: "750##", phoneCode: "+33", phoneGroups: [3, 2, 2, 2],
                            latitude: 48.8566, longitude: 2.3522, streets: ["Avenue Montaigne", "Rue du Faubourg Saint-Honoré", "Boulevard Haussmann", "Rue de Rivoli", "Quai Voltaire"], boutique: 0)
    static let lyon = Home(city: "Lyon", region: "Auvergne-Rhône-Alpes", country: "FR", postalPattern: "6900#", phoneCode: "+33", phoneGroups: [3, 2, 2, 2],
                           latitude: 45.7640, longitude: 4.8357, streets: ["Rue de la République", "Quai Saint-Antoine", "Place Bellecour"], boutique: 0)
    static let london = Home(city: "London", region: "Greater London", country: "GB", postalPattern: "W1K #AA", phoneCode: "+44", phoneGroups: [2, 4, 4],
                             latitude: 51.5074, longitude: -0.1278, streets: ["Mount Street", "Chelsea Embankment", "Kensington Park Gardens", "Marylebone High Street"], boutique: 1)
    static let edinburgh = Home(city: "Edinburgh", region: "Scotland", country: "GB", postalPattern: "EH# #AB", phoneCode: "+44", phoneGroups: [3, 3, 4],
                                latitude: 55.9533, longitude: -3.1883, streets: ["Heriot Row", "George Street", "Royal Terrace"], boutique: 1)
    static let geneva = Home(city: "Geneva", region: "Genève", country: "CH", postalPattern: "12##", phoneCode: "+41", phoneGroups: [2, 3, 2, 2],
                             latitude: 46.2044, longitude: 6.1432, streets: ["Quai du Mont-Blanc", "Rue du Rhône", "Route de Florissant"], boutique: 2)
    static let zurich = Home(city: "Zurich", region: "Zürich", country: "CH", postalPattern: "80##", phoneCode: "+41", phoneGroups: [2, 3, 2, 2],
                             latitude: 47.3769, longitude: 8.5417, streets: ["Bahnhofstrasse", "Seefeldstrasse", "Dolderstrasse"], boutique: 2)
    static let milan = Home(city: "Milan", region: "Lombardia", country: "IT", postalPattern: "201##", phoneCode: "+39", phoneGroups: [3, 3, 4],
                            latitude: 45.4642, longitude: 9.1900, streets: ["Via della Spiga", "Corso Venezia", "Via Manzoni"], boutique: 0)
    static let rome = Home(city: "Rome", region: "Lazio", country: "IT", postalPattern: "001##", phoneCode: "+39", phoneGroups: [3, 3, 4],
                           latitude: 41.9028, longitude: 12.4964, streets: ["Via Condotti", "Via Veneto", "Via Margutta"], boutique: 0)
    static let newYork = Home(city: "New York", region: "NY", country: "US", postalPattern: "100##", phoneCode: "+1", phoneGroups: [3, 3, 4],
                              latitude: 40.7128, longitude: -74.0060, streets: ["Park Avenue", "East 72nd Street", "Central Park West", "Greenwich Street"], boutique: 3)
    static let miami = Home(city: "Miami", region: "FL", country: "US", postalPattern: "331##", phoneCode: "+1", phoneGroups: [3, 3, 4],
                            latitude: 25.7617, longitude: -80.1918, streets: ["Brickell Avenue", "Collins Avenue", "Ocean Drive"], boutique: 3)
    static let losAngeles = Home(city: "Los Angeles", region: "CA", country: "US", postalPattern: "900##", phoneCode: "+1", phoneGroups: [3, 3, 4],
                                 latitude: 34.0522, longitude: -118.2437, streets: ["North Beverly Drive", "Sunset Boulevard", "Wilshire Boulevard"], boutique: 4)
    static let toronto = Home(city: "Toronto", region: "ON", country: "CA", postalPattern: "M5R #A#", phoneCode: "+1", phoneGroups: [3, 3, 4],
                              latitude: 43.6532, longitude: -79.3832, streets: ["Yorkville Avenue", "Bloor Street West", "Avenue Road"], boutique: 3)
    static let tokyo = Home(city: "Tokyo", region: "Tokyo", country: "JP", postalPattern: "10#-####", phoneCode: "+81", phoneGroups: [2, 4, 4],
                            latitude: 35.6762, longitude: 139.6503, streets: ["Ginza 4-chome", "Minami-Aoyama 5-chome", "Roppongi 6-chome"], boutique: 5)
    static let kyoto = Home(city: "Kyoto", region: "Kyoto", country: "JP", postalPattern: "60#-####", phoneCode: "+81", phoneGroups: [2, 4, 4],
                            latitude: 35.0116, longitude: 135.7681, streets: ["Gion-machi", "Karasuma-dori", "Shijo-dori"], boutique: 5)
    static let seoul = Home(city: "Seoul", region: "Seoul", country: "KR", postalPattern: "06###", phoneCode: "+82", phoneGroups: [2, 4, 4],
                            latitude: 37.5665, longitude: 126.9780, streets: ["Cheongdam-dong", "Apgujeong-ro", "Hannam-daero"], boutique: 5)
    static let hongKong = Home(city: "Hong Kong", region: "Central and Western", country: "HK", postalPattern: "999077", phoneCode: "+852", phoneGroups: [4, 4],
                               latitude: 22.3193, longitude: 114.1694, streets: ["Queen's Road Central", "Conduit Road", "Repulse Bay Road"], boutique: 6)
    static let shanghai = Home(city: "Shanghai", region: "Shanghai", country: "CN", postalPattern: "2000##", phoneCode: "+86", phoneGroups: [3, 4, 4],
                               latitude: 31.2304, longitude: 121.4737, streets: ["Nanjing West Road", "Huaihai Middle Road", "Fuxing West Road"], boutique: 6)
    static let taipei = Home(city: "Taipei", region: "Taipei", country: "TW", postalPattern: "1##", phoneCode: "+886", phoneGroups: [3, 3, 3],
                             latitude: 25.0330, longitude: 121.5654, streets: ["Zhongshan North Road", "Dunhua South Road", "Ren'ai Road"], boutique: 6)
    static let singapore = Home(city: "Singapore", region: "Central", country: "SG", postalPattern: "2###0#", phoneCode: "+65", phoneGroups: [4, 4],
                                latitude: 1.3521, longitude: 103.8198, streets: ["Orchard Road", "Nassim Road", "Cairnhill Road"], boutique: 8)
    static let dubai = Home(city: "Dubai", region: "Dubai", country: "AE", postalPattern: "#####", phoneCode: "+971", phoneGroups: [2, 3, 4],
                            latitude: 25.2048, longitude: 55.2708, streets: ["Jumeirah Beach Road", "Emirates Hills", "Al Wasl Road"], boutique: 7)
    static let abuDhabi = Home(city: "Abu Dhabi", region: "Abu Dhabi", country: "AE", postalPattern: "#####", phoneCode: "+971", phoneGroups: [2, 3, 4],
                               latitude: 24.4539, longitude: 54.3773, streets: ["Corniche Road", "Saadiyat Island", "Al Bateen"], boutique: 7)
    static let riyadh = Home(city: "Riyadh", region: "Riyadh", country: "SA", postalPattern: "12###", phoneCode: "+966", phoneGroups: [2, 3, 4],
                             latitude: 24.7136, longitude: 46.6753, streets: ["King Fahd Road", "Tahlia Street", "Diplomatic Quarter"], boutique: 7)
    static let beirut = Home(city: "Beirut", region: "Beirut", country: "LB", postalPattern: "11## ####", phoneCode: "+961", phoneGroups: [2, 3, 3],
                             latitude: 33.8938, longitude: 35.5018, streets: ["Rue Gouraud", "Avenue de Paris", "Rue Abdel Wahab"], boutique: 7)
    static let mumbai = Home(city: "Mumbai", region: "Maharashtra", country: "IN", postalPattern: "4000##", phoneCode: "+91", phoneGroups: [3, 3, 4],
                             latitude: 19.0760, longitude: 72.8777, streets: ["Altamount Road", "Marine Drive", "Carmichael Road"], boutique: 7)
    static let delhi = Home(city: "New Delhi", region: "Delhi", country: "IN", postalPattern: "1100##", phoneCode: "+91", phoneGroups: [3, 3, 4],
                            latitude: 28.6139, longitude: 77.2090, streets: ["Prithviraj Road", "Amrita Shergill Marg", "Golf Links"], boutique: 7)
    static let lagos = Home(city: "Lagos", region: "Lagos", country: "NG", postalPattern: "1012##", phoneCode: "+234", phoneGroups: [3, 3, 4],
                            latitude: 6.5244, longitude: 3.3792, streets: ["Bourdillon Road", "Awolowo Road", "Adeola Odeku Street"], boutique: 1)
    static let abuja = Home(city: "Abuja", region: "FCT", country: "NG", postalPattern: "9001##", phoneCode: "+234", phoneGroups: [3, 3, 4],
                            latitude: 9.0765, longitude: 7.3986, streets: ["Aminu Kano Crescent", "Gana Street", "Yedseram Street"], boutique: 1)
    static let accra = Home(city: "Accra", region: "Greater Accra", country: "GH", postalPattern: "GA-###-####", phoneCode: "+233", phoneGroups: [2, 3, 4],
                            latitude: 5.6037, longitude: -0.1870, streets: ["Airport Residential Area", "Cantonments Road", "Labone Crescent"], boutique: 1)
    static let johannesburg = Home(city: "Johannesburg", region: "Gauteng", country: "ZA", postalPattern: "2###", phoneCode: "+27", phoneGroups: [2, 3, 4],
                                   latitude: -26.2041, longitude: 28.0473, streets: ["Jan Smuts Avenue", "Oxford Road", "Houghton Drive"], boutique: 1)
    static let saoPaulo = Home(city: "São Paulo", region: "SP", country: "BR", postalPattern: "014##-###", phoneCode: "+55", phoneGroups: [2, 4, 4],
                               latitude: -23.5505, longitude: -46.6333, streets: ["Rua Oscar Freire", "Avenida Europa", "Rua Haddock Lobo"], boutique: 9)
    static let rio = Home(city: "Rio de Janeiro", region: "RJ", country: "BR", postalPattern: "224##-###", phoneCode: "+55", phoneGroups: [2, 4, 4],
                          latitude: -22.9068, longitude: -43.1729, streets: ["Avenida Vieira Souto", "Rua Dias Ferreira", "Avenida Atlântica"], boutique: 9)
    static let mexicoCity = Home(city: "Mexico City", region: "CDMX", country: "MX", postalPattern: "11###", phoneCode: "+52", phoneGroups: [2, 4, 4],
                                 latitude: 19.4326, longitude: -99.1332, streets: ["Avenida Presidente Masaryk", "Paseo de la Reforma", "Campos Elíseos"], boutique: 4)
    static let telAviv = Home(city: "Tel Aviv", region: "Tel Aviv", country: "IL", postalPattern: "6#####", phoneCode: "+972", phoneGroups: [2, 3, 4],
                              latitude: 32.0853, longitude: 34.7818, streets: ["Rothschild Boulevard", "HaYarkon Street", "Dizengoff Street"], boutique: 2)
    static let stockholm = Home(city: "Stockholm", region: "Stockholm", country: "SE", postalPattern: "114 ##", phoneCode: "+46", phoneGroups: [2, 3, 2, 2],
                                latitude: 59.3293, longitude: 18.0686, streets: ["Strandvägen", "Birger Jarlsgatan", "Karlavägen"], boutique: 1)

    /// Cultures with their share of the clientele; boutiques name their staff after one of them
    /// (``Boutique/staffCulture``).
    static let cultures: [Culture] = [
        Culture(heritage: ["French", "Breton", "Provençal"],
                firstNames: ["Camille", "Amélie", "Louis", "Hélène", "Mathilde", "Étienne", "Chloé", "Antoine", "Margaux", "Julien", "Inès", "Théo"],
                lastNames: ["Laurent", "Moreau", "Dubois", "Lefèvre", "Girard", "Fontaine", "Chevalier", "Rousseau", "Mercier", "Bonnet"],
                homes: [paris, paris, lyon], languages: ["fr", "fr-FR", "en"], weight: 10,
                values: [("family-legacy", 3), ("craftsmanship", 4), ("excellence", 3), ("celebration", 2), ("sustainability", 2)],
                decisions: [6, 2, 2], communication: [4, 2, 3, 1],
                music: [("classical", 4), ("jazz", 4), ("ambient", 2), ("acoustic", 2), ("world-fusion", 1)],
                significance: ["Jewelry marks the milestones of a life: a first communion medal, an engagement, a retirement.",
                               "Pieces are handed down from grandmother to granddaughter, each generation adding one."]),
        Culture(heritage: ["American", "Irish American", "Italian American"],
                firstNames: ["Madison", "Olivia", "James", "Emily", "Michael", "Grace", "Ethan", "Hannah", "Benjamin", "Avery", "Claire", "Jack"],
                lastNames: ["Johnson", "Miller", "Davis", "Anderson", "Taylor", "Thompson", "Walker", "Hayes", "Sullivan", "Brooks"],
                homes: [newYork, newYork, miami, losAngeles, toronto], languages: ["en", "en-US"], weight: 13,
                values: [("innovation", 4), ("excellence", 3), ("celebration", 3), ("family-legacy", 2), ("sustainability", 2)],
                decisions: [7, 2, 1], communication: [2, 5, 1, 2],
                music: [("jazz", 3), ("acoustic", 3), ("ambient", 2), ("classical", 2), ("world-fusion", 1)],
                significance: ["Jewelry celebrates achievements: a promotion, a graduation, a first home.",
                               "An engagement ring is the family's founding story, retold at every anniversary."]),
        Culture(heritage: ["British", "English", "Scottish"],
                firstNames: ["Charlotte", "Harriet", "Oliver", "Imogen", "William", "Eleanor", "George", "Beatrice", "Henry", "Florence"],
                lastNames: ["Ashworth", "Pembroke", "Whitfield", "Hargreaves", "Fairfax", "Cavendish", "Sinclair", "Thornton", "Blackwood", "Ellison"],
                homes: [london, london, edinburgh], languages: ["en", "en-GB"], weight: 7,
                values: [("family-legacy", 4), ("craftsmanship", 3), ("excellence", 3), ("harmony", 1)],
                decisions: [5, 3, 2], communication: [2, 1, 5, 2],
                music: [("classical", 4), ("acoustic", 3), ("jazz", 2), ("ambient", 1), ("world-fusion", 1)],
                significance: ["Signet rings and mourning brooches carry the family's history.",
                               "Heirloom pieces are reset rather than replaced, so the stones keep their story."]),
        Culture(heritage: ["Italian", "Sicilian", "Tuscan"],
                firstNames: ["Giulia", "Francesca", "Lorenzo", "Chiara", "Alessandro", "Beatrice", "Matteo", "Sofia", "Riccardo", "Valentina"],
                lastNames: ["Rossi", "Bianchi", "Conti", "Ferrari", "Greco", "Marino", "Romano", "Galli", "Esposito", "Ricci"],
                homes: [milan, rome], languages: ["it", "en"], weight: 5,
                values: [("family-legacy", 5), ("celebration", 3), ("craftsmanship", 4), ("excellence", 2)],
                decisions: [3, 6, 1], communication: [3, 4, 1, 2],
                music: [("classical", 5), ("jazz", 2), ("acoustic", 2), ("world-fusion", 1), ("ambient", 1)],
                significance: ["Gold is given at baptisms and weddings; the family's jeweller is a family friend.",
                               "A piece is worn to Sunday lunch before it is ever worn to a gala."]),
        Culture(heritage: ["Swiss", "Romand", "Swiss German"],
                firstNames: ["Léa", "Noah", "Mia", "Luca", "Elena", "Nicolas", "Laura", "David", "Anna", "Simon"],
                lastNames: ["Keller", "Favre", "Meier", "Rochat", "Brunner", "Huber", "Perrin", "Baumann", "Zbinden", "Vuilleumier"],
                homes: [geneva, zurich], languages: ["fr-CH", "de-CH", "en"], weight: 4,
                values: [("excellence", 5), ("craftsmanship", 5), ("sustainability", 3), ("harmony", 2)],
                decisions: [5, 2, 3], communication: [6, 2, 2, 0],
                music: [("classical", 4), ("ambient", 3), ("jazz", 2), ("acoustic", 1), ("world-fusion", 1)],
                significance: ["A fine watch is bought once and serviced for a lifetime.",
                               "Precision is a form of respect: for the maker and for the wearer."]),
        Culture(heritage: ["Japanese"],
                firstNames: ["Yuki", "Haruto", "Sakura", "Ren", "Aoi", "Hina", "Kaito", "Mei", "Sota", "Emi", "Riku", "Naomi"],
                lastNames: ["Tanaka", "Sato", "Suzuki", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Fujiwara"],
                homes: [tokyo, tokyo, kyoto], languages: ["ja", "en"], weight: 7,
                values: [("harmony", 5), ("craftsmanship", 5), ("excellence", 3), ("spirituality", 2)],
                decisions: [3, 4, 3], communication: [1, 0, 6, 3],
                music: [("classical", 3), ("ambient", 4), ("jazz", 3), ("acoustic", 2), ("world-fusion", 1)],
                significance: ["Pearls are given for coming of age and worn at every ceremony after.",
                               "A piece should be quiet: its quality is felt before it is seen."]),
        Culture(heritage: ["Cantonese", "Chinese", "Shanghainese", "Taiwanese"],
                firstNames: ["Mei Ling", "Wei", "Jia Hui", "Hao", "Xin Yi", "Jun", "Li Na", "Kai", "Yan", "Zhi Wei", "Shu Fen", "Ming"],
                lastNames: ["Chen", "Wong", "Li", "Zhang", "Lau", "Cheung", "Huang", "Lin", "Ho", "Tsang"],
                homes: [hongKong, hongKong, shanghai, singapore, taipei], languages: ["zh-Hant", "zh-Hans", "en"], weight: 11,
                values: [("family-legacy", 5), ("harmony", 3), ("excellence", 3), ("celebration", 3), ("spirituality", 1)],
                decisions: [3, 5, 2], communication: [2, 1, 5, 2],
                music: [("classical", 4), ("ambient", 2), ("jazz", 2), ("acoustic", 2), ("world-fusion", 2)],
                significance: ["Jade and gold at a wedding bless the couple with harmony and prosperity.",
                               "Red-string bracelets and gold pendants protect children; the family gives them at the first birthday."]),
        Culture(heritage: ["Korean"],
                firstNames: ["Ji-woo", "Seo-yeon", "Min-jun", "Ha-eun", "Do-yun", "Soo-ah", "Ye-jin", "Joon-ho"],
                lastNames: ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Yoon", "Han"],
                homes: [seoul], languages: ["ko", "en"], weight: 4,
                values: [("family-legacy", 4), ("excellence", 4), ("innovation", 3), ("harmony", 2)],
                decisions: [3, 5, 2], communication: [2, 1, 5, 2],
                music: [("classical", 3), ("ambient", 3), ("jazz", 2), ("acoustic", 2), ("world-fusion", 1)],
                significance: ["Gold rings mark a child's first birthday (doljanchi) and return at every family milestone.",
                               "Couple rings announce a relationship long before an engagement."]),
        Culture(heritage: ["Indian", "Gujarati", "Punjabi", "Tamil", "Marwari"],
                firstNames: ["Priya", "Arjun", "Ananya", "Rohan", "Kavya", "Vikram", "Isha", "Aditya", "Meera", "Dev", "Nandini", "Kabir"],
                lastNames: ["Sharma", "Patel", "Mehta", "Iyer", "Kapoor", "Reddy", "Malhotra", "Agarwal", "Nair", "Singh"],
                homes: [mumbai, mumbai, delhi, dubai, london], languages: ["hi", "en", "gu", "ta"], weight: 8,
                values: [("family-legacy", 5), ("spirituality", 4), ("celebration", 5), ("excellence", 2)],
                decisions: [2, 7, 1], communication: [2, 3, 3, 2],
                music: [("world-fusion", 5), ("classical", 3), ("acoustic", 2), ("ambient", 1), ("jazz", 1)],
                significance: ["A bride's jewelry is her family's blessing and her own security; it is chosen together.",
                               "Gold bought at Dhanteras and Akshaya Tritiya brings prosperity to the household."]),
        Culture(heritage: ["Emirati", "Saudi", "Lebanese", "Arab"],
                firstNames: ["Fatima", "Layla", "Omar", "Noor", "Khalid", "Mariam", "Rashid", "Yasmin", "Hamdan", "Salma", "Zayed", "Reem"],
                lastNames: ["Al Maktoum", "Al Nahyan", "Haddad", "Al Saud", "Khoury", "Al Qasimi", "Nassar", "Al Mansouri", "Saab", "Al Falasi"],
                homes: [dubai, dubai, abuDhabi, riyadh, beirut], languages: ["ar", "en", "fr"], weight: 8,
                values: [("family-legacy", 5), ("excellence", 4), ("celebration", 4), ("spirituality", 2)],
                decisions: [3, 5, 2], communication: [1, 1, 6, 2],
                music: [("world-fusion", 4), ("classical", 3), ("ambient", 2), ("jazz", 1), ("acoustic", 1)],
                significance: ["Gold and diamonds given at a wedding (the mahr) are the bride's own, for life.",
                               "Eid and family weddings call for new pieces; old ones are passed to daughters."]),
        Culture(heritage: ["Yoruba", "Igbo", "Nigerian", "Edo"],
                firstNames: ["Adaeze", "Chidi", "Folake", "Tunde", "Ngozi", "Emeka", "Ayodele", "Amara", "Olumide", "Chiamaka"],
                lastNames: ["Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Adebayo", "Nwosu", "Ogunleye", "Obi", "Bello"],
                homes: [lagos, lagos, abuja, london], languages: ["en", "yo", "ig"], weight: 5,
                values: [("celebration", 5), ("family-legacy", 5), ("spirituality", 3), ("excellence", 2)],
                decisions: [3, 5, 2], communication: [4, 4, 1, 1],
                music: [("world-fusion", 7), ("jazz", 2), ("acoustic", 1), ("classical", 1), ("ambient", 1)],
                significance: ["Coral beads and gold are worn at weddings and chieftaincy ceremonies as signs of heritage and standing.",
                               "Aso ebi celebrations call for coordinated jewelry across the whole family."]),
        Culture(heritage: ["Akan", "Ghanaian", "Zulu", "South African"],
                firstNames: ["Akosua", "Kwame", "Ama", "Kofi", "Abena", "Thandiwe", "Sipho", "Nomvula", "Yaw", "Efua"],
                lastNames: ["Mensah", "Asante", "Owusu", "Boateng", "Dlamini", "Nkosi", "Appiah", "Mokoena", "Ofori", "Ndlovu"],
                homes: [accra, johannesburg, london], languages: ["en", "ak", "zu"], weight: 3,
                values: [("family-legacy", 4), ("celebration", 4), ("spirituality", 3), ("harmony", 3)],
                decisions: [2, 6, 2], communication: [3, 3, 2, 2],
                music: [("world-fusion", 7), ("jazz", 2), ("acoustic", 2), ("ambient", 1), ("classical", 1)],
                significance: ["Akan gold weights and adinkra symbols carry proverbs; a piece says something.",
                               "Beadwork colours tell of family, region and life stage."]),
        Culture(heritage: ["Brazilian", "Carioca", "Paulista"],
                firstNames: ["Ana Clara", "Beatriz", "Gabriel", "Larissa", "Rafael", "Mariana", "Thiago", "Juliana", "Lucas", "Fernanda"],
                lastNames: ["Silva", "Santos", "Oliveira", "Souza", "Costa", "Almeida", "Ferreira", "Carvalho", "Ribeiro", "Barbosa"],
                homes: [saoPaulo, saoPaulo, rio], languages: ["pt-BR", "en"], weight: 5,
                values: [("celebration", 5), ("harmony", 3), ("sustainability", 3), ("family-legacy", 3), ("innovation", 2)],
                decisions: [5, 4, 1], communication: [2, 6, 1, 1],
                music: [("world-fusion", 4), ("acoustic", 4), ("jazz", 3), ("ambient", 1), ("classical", 1)],
                significance: ["Colourful Brazilian stones, tourmaline and topaz, are worn with pride in their origin.",
                               "A fifteenth-birthday (debutante) piece is kept for the next generation."]),
        Culture(heritage: ["Mexican", "Oaxacan", "Mestizo"],
                firstNames: ["Valeria", "Santiago", "Ximena", "Diego", "Renata", "Emiliano", "Camila", "Mateo", "Regina", "Sebastián"],
                lastNames: ["García", "Hernández", "Martínez", "López", "González", "Ramírez", "Flores", "Torres", "Vargas", "Mendoza"],
                homes: [mexicoCity, mexicoCity, losAngeles], languages: ["es-MX", "es", "en"], weight: 4,
                values: [("family-legacy", 5), ("celebration", 4), ("spirituality", 3), ("craftsmanship", 3)],
                decisions: [3, 6, 1], communication: [2, 4, 2, 2],
                music: [("world-fusion", 4), ("acoustic", 4), ("classical", 2), ("jazz", 1), ("ambient", 1)],
                significance: ["Arras coins and a lazo at the wedding bind the couple; the coins are kept in the family.",
                               "Taxco silver and Oaxacan filigree are worn as pride in the country's craft."]),
        Culture(heritage: ["Persian", "Iranian American"],
                firstNames: ["Shirin", "Darius", "Parisa", "Cyrus", "Leila", "Kian", "Nazanin", "Arash", "Roya", "Babak"],
                lastNames: ["Tehrani", "Rahimi", "Farahani", "Javadi", "Karimi", "Moradi", "Sadeghi", "Hosseini", "Ebrahimi", "Amini"],
                homes: [losAngeles, losAngeles, toronto, london], languages: ["fa", "en"], weight: 3,
                values: [("family-legacy", 5), ("celebration", 4), ("craftsmanship", 3), ("spirituality", 2)],
                decisions: [3, 5, 2], communication: [2, 2, 4, 2],
                music: [("classical", 4), ("world-fusion", 4), ("acoustic", 2), ("jazz", 1), ("ambient", 1)],
                significance: ["Nowruz gifts of gold coins and turquoise bring luck for the new year.",
                               "A mother passes her wedding set to the daughter who marries first."]),
        Culture(heritage: ["Israeli", "Ashkenazi", "Sephardic"],
                firstNames: ["Noa", "Yael", "Eitan", "Maya", "Daniel", "Tamar", "Ariel", "Shira"],
                lastNames: ["Cohen", "Levi", "Mizrahi", "Friedman", "Peretz", "Avraham", "Katz", "Azoulay"],
                homes: [telAviv, newYork, paris], languages: ["he", "en", "fr"], weight: 2,
                values: [("family-legacy", 4), ("innovation", 4), ("spirituality", 2), ("celebration", 3)],
                decisions: [5, 4, 1], communication: [6, 3, 1, 0],
                music: [("jazz", 3), ("world-fusion", 3), ("classical", 3), ("acoustic", 2), ("ambient", 1)],
                significance: ["A bat mitzvah pendant is often a girl's first fine piece.",
                               "Wedding bands are plain, unbroken gold: the marriage should be whole."]),
        Culture(heritage: ["Swedish", "Norwegian", "Sámi"],
                firstNames: ["Astrid", "Elsa", "Linnea", "Erik", "Freja", "Oskar", "Ingrid", "Axel"],
                lastNames: ["Lindqvist", "Andersson", "Berg", "Nyström", "Johansson", "Eklund", "Holm", "Sandberg"],
                homes: [stockholm], languages: ["sv", "nb", "en"], weight: 2,
                values: [("sustainability", 5), ("harmony", 4), ("innovation", 3), ("craftsmanship", 3)],
                decisions: [6, 3, 1], communication: [3, 6, 1, 0],
                music: [("ambient", 4), ("acoustic", 4), ("classical", 2), ("jazz", 2), ("world-fusion", 1)],
                significance: ["Pieces should be few, lasting and ethically made.",
                               "Sámi silver, with its hanging discs, is worn for celebrations and to ward off harm."]),
    ]
}

extension Home {
    /// A phone number in the home's format: `+33 612 34 56 78`.
    func phoneNumber(random: inout DemoRandom) -> String {
        var text = phoneCode
        for (index, digits) in phoneGroups.enumerated() {
            text.append(" ")
            for position in 0..<digits {
                // A group that starts the national number never starts with 0.
                text.append(String(index == 0 && position == 0 ? random.int(in: 1...9) : random.int(below: 10)))
            }
        }
        return text
    }

    /// A postal code in the home's pattern, each `#` a digit.
    func postalCode(random: inout DemoRandom) -> String {
        String(postalPattern.map { $0 == "#" ? Character(String(random.int(below: 10))) : $0 })
    }

    /// A street address: a number and one of the home's streets.
    func street(random: inout DemoRandom) -> String {
        "\(random.int(in: 1...180)) \(random.pick(streets))"
    }

    /// The `address` object, with a map point a few kilometres around the city centre.
    func address(random: inout DemoRandom) -> JSONValue {
        [
            "_type": "address",
            "street": .string(street(random: &random)),
            "city": .string(city),
            "region": .string(region),
            "postalCode": .string(postalCode(random: &random)),
            "country": .string(country),
            "location": [
                "_type": "geopoint",
                "lat": .number(((latitude + random.uniform(in: -0.04...0.04)) * 10_000).rounded() / 10_000),
                "lng": .number(((longitude + random.uniform(in: -0.04...0.04)) * 10_000).rounded() / 10_000),
            ],
        ]
    }
}
