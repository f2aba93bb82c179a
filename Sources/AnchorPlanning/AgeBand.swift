import Foundation

/// An age band in whole years, both ends included: `0-14` is from birth to the 15th birthday.
public struct AgeBand: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var first: Int
    public var last: Int

    public init(_ first: Int, _ last: Int) {
        self.first = first
        self.last = last
    }

    /// Reads `0-14`, `0–14` (en dash) or a single year `5`.
    public init?(text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "–", with: "-")
        let parts = t.split(separator: "-", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), let a = Int(parts[0]), let b = Int(parts[parts.count - 1]),
              a >= 0, b >= a, b <= 120 else { return nil }
        self.init(a, b)
    }

    public var description: String { first == last ? "\(first)" : "\(first)-\(last)" }

    /// Number of single years in the band.
    public var years: Int { last - first + 1 }

    public func contains(_ other: AgeBand) -> Bool { first <= other.first && other.last <= last }
    public func contains(year: Int) -> Bool { first <= year && year <= last }
    public func overlaps(_ other: AgeBand) -> Bool { first <= other.last && other.first <= last }

    public static func < (a: AgeBand, b: AgeBand) -> Bool { (a.first, a.last) < (b.first, b.last) }
}
