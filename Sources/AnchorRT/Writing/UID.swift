import Foundation

/// UIDs for objects Anchor creates: `2.25.` followed by the decimal value of a 128-bit UUID, the
/// registration-free scheme of PS3.5 B.2 (ISO/IEC 9834-8).
public enum UIDFactory {
    /// A new random UID.
    public static func make() -> String { "2.25." + decimal(UUID().uuid) }

    /// A UID derived deterministically from bytes (the first 16 bytes are used as the UUID value).
    public static func make(fromHash bytes: [UInt8]) -> String {
        var b = Array(bytes.prefix(16))
        while b.count < 16 { b.append(0) }
        // Mark as a version 8 (custom) UUID, RFC 9562 section 5.8.
        b[6] = (b[6] & 0x0F) | 0x80
        b[8] = (b[8] & 0x3F) | 0x80
        return "2.25." + decimal((b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    /// Decimal digits of a 128-bit big-endian value, no leading zeros (PS3.5 9.1: components have no leading 0).
    static func decimal(_ u: uuid_t) -> String {
        var words: [UInt32] = withUnsafeBytes(of: u) { p in
            (0..<4).map { w in (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(p[w * 4 + $1]) } }
        }
        var digits: [Character] = []
        while words.contains(where: { $0 != 0 }) {
            var rem: UInt64 = 0
            for i in 0..<4 {
                let cur = rem << 32 | UInt64(words[i])
                words[i] = UInt32(cur / 10)
                rem = cur % 10
            }
            digits.append(Character(String(rem)))
        }
        return digits.isEmpty ? "0" : String(digits.reversed())
    }
}
