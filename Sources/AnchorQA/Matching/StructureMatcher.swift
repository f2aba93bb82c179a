import Foundation

/// Matches a protocol's structure (TG-263 name plus aliases) to the ROI names of a structure set.
///
/// Names are compared at decreasing strictness, and the first level with a hit wins:
/// 1. exactly as written;
/// 2. ignoring case, spaces and punctuation (`Brain Stem`, `brain_stem`, `BrainStem`);
/// 3. as level 2, with laterality read from any word (`L`, `Lt`, `Left`; `R`, `Rt`, `Right`) wherever it
///    stands, so TG-263 `Cochlea_L` matches `L Cochlea`, `Left cochlea` and `Cochlea Lt`.
/// The protocol's own name is tried before its aliases at each level. TG-263 (AAPM Report 263, 2018)
/// puts laterality last (`_L`, `_R`); planning systems put it anywhere, hence level 3.
public struct StructureMatcher: Sendable {
    /// How a match was found, strictest first.
    public enum Level: Int, Sendable, Comparable {
        case exact = 0
        case normalised = 1
        case laterality = 2
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public struct Match: Sendable, Equatable {
        /// The ROI name matched.
        public var roi: String
        /// The protocol name or alias that matched it.
        public var via: String
        public var level: Level
        /// Other ROIs that matched equally well (the reviewer should check the choice).
        public var alsoMatching: [String]
    }

    public var roiNames: [String]

    public init(roiNames: [String]) { self.roiNames = roiNames }

    /// Lowercase letters and digits only.
    public static func normalised(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) }.map(Character.init))
    }

    static let left: Set<String> = ["l", "lt", "left", "lft"]
    static let right: Set<String> = ["r", "rt", "right", "rgt"]

    /// The name's words without laterality words, joined, plus the laterality ("L", "R" or "").
    public static func lateralityKey(_ name: String) -> String {
        let words = name.lowercased().components(separatedBy: CharacterSet.alphanumerics.inverted).filter { !$0.isEmpty }
        var side = ""
        var rest: [String] = []
        for w in words {
            if left.contains(w) { side = "L" } else if right.contains(w) { side = "R" } else { rest.append(w) }
        }
        // A name that is only a laterality word is not a structure.
        if rest.isEmpty { return name.lowercased() }
        return rest.joined() + "|" + side
    }

    /// The best ROI for `structure` (tried first) and its `aliases`; nil when none matches.
    public func match(structure: String, aliases: [String] = []) -> Match? {
        let names = [structure] + aliases
        let levels: [(Level, (String) -> String)] = [
            (.exact, { $0 }),
            (.normalised, StructureMatcher.normalised),
            (.laterality, StructureMatcher.lateralityKey),
        ]
        for (level, key) in levels {
            for n in names {
                let k = key(n)
                guard !k.isEmpty else { continue }
                let hits = roiNames.filter { key($0) == k }
                if let first = hits.first {
                    return Match(roi: first, via: n, level: level, alsoMatching: Array(Set(hits.dropFirst())).sorted())
                }
            }
        }
        return nil
    }

    /// Every ROI whose name matches a pattern with `*` wildcards (case and punctuation insensitive, as
    /// `normalised`), in structure-set order: `VB_*` matches VB_T10, VB_T11, VB_L1 ...
    public func matchAll(pattern: String) -> [String] {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map { StructureMatcher.normalised(String($0)) }
        return roiNames.filter { name in
            let n = StructureMatcher.normalised(name)
            var rest = Substring(n)
            for (k, part) in parts.enumerated() {
                if k == 0 {
                    guard rest.hasPrefix(part) else { return false }
                    rest = rest.dropFirst(part.count)
                } else if k == parts.count - 1 {
                    return part.isEmpty || rest.hasSuffix(part)
                } else if let r = rest.range(of: part) {
                    rest = rest[r.upperBound...]
                } else {
                    return false
                }
            }
            return rest.isEmpty
        }
    }
}
