import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA):
/// the generator behind every choice a phantom makes, so a seed gives the same case on every machine
/// (Swift's `SystemRandomNumberGenerator` cannot be seeded).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    /// Uniform in [a, b).
    public mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }

    /// Standard normal (Box-Muller).
    public mutating func normal() -> Double {
        let u1 = max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

/// A 128-bit digest of a string (two FNV-1a 64-bit hashes with different offsets, each finished by the
/// SplitMix64 mixer): enough to derive UIDs that are stable for a given case and differ between cases.
/// Not a cryptographic hash.
func stableDigest(_ text: String) -> [UInt8] {
    func fnv(_ offset: UInt64) -> UInt64 {
        var h = offset
        for b in text.utf8 { h ^= UInt64(b); h = h &* 0x0000_0100_0000_01B3 }
        var g = SeededGenerator(seed: h)
        return g.next()
    }
    let a = fnv(0xCBF2_9CE4_8422_2325), b = fnv(0x84222325_CBF29CE4)
    return (0..<8).map { UInt8((a >> (8 * UInt64($0))) & 0xFF) } + (0..<8).map { UInt8((b >> (8 * UInt64($0))) & 0xFF) }
}
