import Foundation

/// The secret a centre keeps to de-identify its cases: every replacement UID, pseudonym and date offset
/// is an HMAC-SHA-256 of the original value under this key, so the same case de-identified twice (a
/// resubmission) gets the same new UIDs and pseudonym, while nobody without the secret can compute
/// them from the originals.
///
/// The file holds at least 16 bytes of anything (trailing spaces and newlines are ignored, so editors
/// that add a newline do not change the key). A good one: `head -c 32 /dev/urandom | base64 > centre.secret`.
public struct CentreSecret: Sendable {
    public let key: [UInt8]

    /// Minimum key length in bytes: 128 bits, the size of the UIDs derived from it.
    public static let minimumLength = 16

    public init(bytes: [UInt8], file: String? = nil) throws {
        var b = bytes[...]
        while let last = b.last, last == 0x20 || last == 0x0A || last == 0x0D || last == 0x09 { b.removeLast() }
        guard b.count >= CentreSecret.minimumLength else {
            throw DICOMError(.invalidValue, "the centre secret has \(b.count) bytes; at least \(CentreSecret.minimumLength) are needed (e.g. head -c 32 /dev/urandom | base64 > FILE)", file: file)
        }
        key = Array(b)
    }

    /// Reads the secret from a file.
    public static func read(path: String) throws -> CentreSecret {
        try CentreSecret(bytes: try readFileBytes(path), file: path)
    }

    /// A short public fingerprint of the secret (first 8 bytes of an HMAC of a fixed label), written in the
    /// key file so that a run with another secret is caught before it mixes two pseudonym schemes.
    public var fingerprint: String { SHA256Digest.hex(Array(mac("fingerprint", "").prefix(8))) }

    /// The replacement for an instance UID: `2.25.` followed by the decimal value of a 128-bit number
    /// (PS3.5 B.2, ISO/IEC 9834-8), here the first 16 bytes of HMAC(secret, uid) marked as an RFC 9562
    /// version 8 UUID. At most 44 characters, within the 64 of PS3.5 9.1.
    public func uid(replacing uid: String) -> String {
        var b = Array(mac("uid", uid).prefix(16))
        b[6] = (b[6] & 0x0F) | 0x80
        b[8] = (b[8] & 0x3F) | 0x80
        return "2.25." + decimalDigits(b)
    }

    /// The pseudonym of a patient identity: `prefix-` and 10 characters of Crockford base32 (50 bits of the
    /// HMAC; two patients of one centre share a pseudonym with probability about n²/2⁵¹).
    public func pseudonym(for identity: String, prefix: String) -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        let h = mac("patient", identity)
        var bits: UInt64 = 0
        for i in 0..<8 { bits = bits << 8 | UInt64(h[i]) }
        var out = prefix + "-"
        for n in 0..<10 { out.append(alphabet[Int((bits >> UInt64(59 - 5 * n)) & 0x1F)]) }
        return out
    }

    /// Days by which all dates of one patient move under the Retain Longitudinal Temporal Information
    /// with Modified Dates Option (PS3.15 E.3.6): between 365 and 3650 days into the past, the same for
    /// every date of the patient so that intervals survive.
    public func dateOffsetDays(for identity: String) -> Int {
        let h = mac("date-offset", identity)
        let v = Int(UInt32(h[0]) << 24 | UInt32(h[1]) << 16 | UInt32(h[2]) << 8 | UInt32(h[3]))
        return -(365 + v % (3650 - 365 + 1))
    }

    /// HMAC(secret, label NUL value): the label keeps the derivations apart.
    private func mac(_ label: String, _ value: String) -> [UInt8] {
        SHA256Digest.hmac(key: key, message: Array(("anchor-deid/" + label).utf8) + [0] + Array(value.utf8))
    }
}

/// Decimal digits of a big-endian unsigned number, without leading zeros (PS3.5 9.1).
func decimalDigits(_ bytes: [UInt8]) -> String {
    var words: [UInt32] = stride(from: 0, to: bytes.count, by: 4).map { i in
        (i..<min(i + 4, bytes.count)).reduce(UInt32(0)) { $0 << 8 | UInt32(bytes[$1]) }
    }
    var digits: [UInt8] = []
    while words.contains(where: { $0 != 0 }) {
        var rem: UInt64 = 0
        for i in words.indices {
            let cur = rem << 32 | UInt64(words[i])
            words[i] = UInt32(cur / 10)
            rem = cur % 10
        }
        digits.append(UInt8(rem) + 0x30)
    }
    return digits.isEmpty ? "0" : String(decoding: digits.reversed(), as: UTF8.self)
}
