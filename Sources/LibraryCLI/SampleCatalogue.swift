import LibraryApp
import Models
import Foundation

/// A made-up but plausible catalogue for demos and benchmarks: varied titles from a few
/// patterns and word lists, authors from name lists, genres with realistic weights, years
/// leaning recent, valid and distinct ISBN-13s, a few copies each. The same seed gives the same
/// books, so benchmarks can be repeated.
struct SampleCatalogue {
    struct Entry {
        var title: String
        var author: String
        var isbn: ISBN
        var publishedYear: Int
        var genre: String
        var description: String?
        var copies: Int
    }

    private var random: SplitMix64
    private let currentYear: Int
    /// ISBN bodies walk the 10^9 nine-digit numbers with a stride coprime to 10, so the first
    /// 10^9 books all get different ISBNs.
    private var isbnBody: UInt64
    private static let isbnStride: UInt64 = 7_919

    init(seed: UInt64, currentYear: Int) {
        random = SplitMix64(seed: seed)
        self.currentYear = currentYear
        isbnBody = random.next() % 1_000_000_000
    }

    mutating func next() -> Entry {
        let genre = pick(weighted: Self.genres)
        let author = "\(pick(Self.firstNames)) \(pick(Self.lastNames))"
        // Skewed towards recent years: most of a library is from the last few decades.
        let age = Int(Double(currentYear - 1800) * pow2(random.unit()))
        return Entry(
            title: title(), author: author, isbn: nextISBN(), publishedYear: currentYear - age, genre: genre,
            description: random.unit() < 0.25 ? nil : description(genre: genre), copies: copies())
    }

    private mutating func title() -> String {
        let adjective = pick(Self.adjectives), noun = pick(Self.nouns), other = pick(Self.nouns), place = pick(Self.places)
        switch random.next() % 10 {
        case 0: return "The \(adjective) \(noun)"
        case 1: return "The \(noun) of \(place)"
        case 2: return "\(noun)s of the \(adjective) \(other)"
        case 3: return "A \(noun) in \(place)"
        case 4: return "The \(noun) and the \(other)"
        case 5: return "\(adjective) \(noun)s"
        case 6: return "Beyond the \(adjective) \(noun)"
        case 7: return "The Last \(noun) of \(place)"
        case 8: return "\(place): A \(adjective) \(noun)"
        default: return "When the \(noun) Came to \(place)"
        }
    }

    private mutating func description(genre: String) -> String {
        let adjective = pick(Self.adjectives).lowercased(), noun = pick(Self.nouns).lowercased(), place = pick(Self.places)
        return
            "\(Self.article(adjective).capitalized) \(adjective) \(genre.lowercased()) about \(Self.article(noun)) \(noun) from \(place), and what it costs to go home."
    }

    private static func article(_ word: String) -> String {
        "aeiou".contains(word.first ?? "x") ? "an" : "a"
    }

    private mutating func copies() -> Int {
        let roll = random.unit()
        switch roll {
        case ..<0.03: return 0
        case ..<0.40: return 1
        case ..<0.65: return 2
        case ..<0.82: return 3
        case ..<0.92: return 4
        case ..<0.97: return 5
        default: return 6 + Int(random.next() % 5)
        }
    }

    private mutating func nextISBN() -> ISBN {
        isbnBody = (isbnBody + Self.isbnStride) % 1_000_000_000
        let digits = String(isbnBody)
        let prefix = isbnBody % 8 == 0 ? "979" : "978"
        return ISBN(prefix12: prefix + String(repeating: "0", count: 9 - digits.count) + digits)!
    }

    private mutating func pick(_ list: [String]) -> String {
        list[Int(random.next() % UInt64(list.count))]
    }

    private mutating func pick(weighted list: [(String, Int)]) -> String {
        var roll = Int(random.next() % UInt64(list.reduce(0) { $0 + $1.1 }))
        for (value, weight) in list {
            if roll < weight { return value }
            roll -= weight
        }
        return list[0].0
    }

    private func pow2(_ x: Double) -> Double { x * x }

    static let genres: [(String, Int)] = [
        ("Fiction", 20), ("Mystery", 9), ("Thriller", 8), ("Romance", 8), ("Science Fiction", 7), ("Fantasy", 7),
        ("Historical Fiction", 6), ("Biography", 5), ("History", 5), ("Science", 4), ("Poetry", 2),
        ("Horror", 3), ("Children", 5), ("Young Adult", 4), ("Philosophy", 2), ("Travel", 2), ("Cookery", 2),
        ("Self-Help", 2), ("Graphic Novel", 2), ("Drama", 1),
    ]
    static let firstNames = [
        "Ada", "Alan", "Amara", "Ana", "Arjun", "Astrid", "Bao", "Beatrice", "Carlos", "Chiara", "Chloé", "Daniel", "Dmitri",
        "Elena", "Emeka", "Emily", "Fatima", "François", "Grace", "Hana", "Hiroshi", "Ingrid", "Isaac", "Jamal", "Jane",
        "Javier", "Jin", "José", "Karin", "Kofi", "Lars", "Leila", "Li", "Lucía", "Maya", "Mei", "Miguel", "Nadia",
        "Noah", "Olga", "Omar", "Priya", "Rafael", "Rosa", "Ruth", "Sakura", "Samuel", "Sofia", "Søren", "Tariq",
        "Thomas", "Valentina", "Victor", "Wei", "Yara", "Yusuf", "Zoë", "Zofia",
    ]
    static let lastNames = [
        "Abara", "Andersen", "Bauer", "Becker", "Brontë", "Castillo", "Chen", "Costa", "Dubois", "Eriksen", "Fischer",
        "García", "Gonzalez", "Haddad", "Hughes", "Ibrahim", "Ivanova", "Jensen", "Kim", "Kowalski", "Kumar", "Laurent",
        "Lindqvist", "López", "Martin", "Moreau", "Müller", "Nakamura", "Novak", "Nwosu", "O'Brien", "Okafor", "Olsen",
        "Patel", "Petrov", "Quinn", "Rossi", "Russo", "Sato", "Schmidt", "Silva", "Singh", "Smith", "Suzuki", "Tanaka",
        "Thompson", "Varga", "Wagner", "Walsh", "Wang", "Weber", "Wójcik", "Yamamoto", "Yilmaz", "Zhang", "Zimmermann",
    ]
    static let adjectives = [
        "Silent", "Crimson", "Hidden", "Broken", "Golden", "Forgotten", "Endless", "Burning", "Quiet", "Wandering",
        "Distant", "Frozen", "Secret", "Restless", "Shattered", "Painted", "Lonely", "Wild", "Hollow", "Bright",
        "Midnight", "Iron", "Paper", "Glass", "Salt", "Velvet", "Shadowed", "Sleeping", "Electric", "Ancient",
        "Invisible", "Drowned", "Northern", "Southern", "Little", "Last", "First", "Second", "Bitter", "Sweet",
    ]
    static let nouns = [
        "River", "Garden", "Lighthouse", "Kingdom", "Orchard", "Library", "Harbor", "Mirror", "Clockmaker", "Cartographer",
        "Island", "Mountain", "Daughter", "Son", "Stranger", "Winter", "Summer", "Storm", "Map", "Letter", "Promise",
        "Empire", "Forest", "Bridge", "Archive", "Crown", "Song", "Shadow", "Voyage", "Machine", "Engine", "Tide",
        "Hunter", "Witness", "Meadow", "Echo", "Alchemist", "Orchid", "Sparrow", "Wolf", "Raven", "Fox", "Lantern",
        "Compass", "Station", "House", "Feather", "Thread", "Ember", "Comet", "Star", "Moon", "Dream", "Memory",
    ]
    static let places = [
        "Avalon", "Lisbon", "Kyoto", "the North", "the Deep", "Samarkand", "Venice", "the Valley", "Marrakesh", "Oslo",
        "Patagonia", "Alexandria", "Prague", "the Coast", "Timbuktu", "Kraków", "Havana", "the Steppe", "Dublin",
        "the Fens", "Zanzibar", "Reykjavík", "Byzantium", "the Moor", "Atlantis", "Babylon", "Valparaíso", "Lagos",
    ]
}

extension SplitMix64 {
    /// Uniform in [0, 1).
    mutating func unit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
