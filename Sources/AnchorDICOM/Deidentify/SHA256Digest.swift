import Crypto

/// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104, FIPS 198-1) through swift-crypto (BoringSSL's
/// implementation on Linux, CryptoKit on Apple platforms). De-identification uses HMAC-SHA-256 keyed
/// with the centre's secret to derive UIDs, pseudonyms and date offsets: deterministic for one centre,
/// not computable (nor reversible) without the secret.
public enum SHA256Digest {
    /// The 32-byte SHA-256 digest of `message`.
    public static func hash(_ message: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: message))
    }

    /// HMAC-SHA-256 (RFC 2104): keys longer than the 64-byte block are hashed first (section 2).
    public static func hmac(key: [UInt8], message: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// Lowercase hexadecimal digits of bytes.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 0xF)]) }
        return s
    }
}
