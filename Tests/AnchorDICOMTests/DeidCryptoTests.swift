import AnchorDICOM
import Foundation
import Testing

/// SHA-256 against FIPS 180-4 examples (NIST CSRC "Examples with intermediate values") and HMAC-SHA-256
/// against RFC 4231 section 4; the de-identification's UIDs and pseudonyms rest on both.
struct DeidCryptoTests {
    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = hex.makeIterator()
        while let a = it.next(), let b = it.next() { out.append(UInt8(String([a, b]), radix: 16)!) }
        return out
    }

    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256MatchesFIPS180Examples(_ message: String, _ digest: String) {
        #expect(SHA256Digest.hex(SHA256Digest.hash(Array(message.utf8))) == digest)
    }

    @Test func sha256OfAMillionAsMatchesFIPS180() {
        let message = [UInt8](repeating: 0x61, count: 1_000_000)
        #expect(SHA256Digest.hex(SHA256Digest.hash(message)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test(arguments: [
        // RFC 4231 test cases 1, 2, 3, 4, 6, 7 (case 5 truncates the output).
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
         String(repeating: "dd", count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819",
         String(repeating: "cd", count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "aa", count: 131),
         "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131),
         "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func hmacMatchesRFC4231(_ key: String, _ data: String, _ mac: String) {
        #expect(SHA256Digest.hex(SHA256Digest.hmac(key: Self.bytes(hex: key), message: Self.bytes(hex: data))) == mac)
    }

    @Test func hashFedInPiecesEqualsHashOfTheWhole() {
        // Lengths around the 64-byte block and the 56-byte padding boundary.
        for n in [55, 56, 63, 64, 65, 119, 120, 128, 1000] {
            let message = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let digest = SHA256Digest.hash(message)
            #expect(digest.count == 32)
            #expect(SHA256Digest.hash(message) == digest)
            #expect(digest != SHA256Digest.hash(message + [0]), "length \(n)")
        }
    }

    @Test func derivedUIDsAreValidAndDependOnTheSecret() throws {
        let a = try CentreSecret(bytes: Array("centre A secret 0123456789".utf8))
        let b = try CentreSecret(bytes: Array("centre B secret 0123456789".utf8))
        let uid = "1.2.246.352.71.3.2088656855.2381134.20110921150951"
        let ua = a.uid(replacing: uid)
        #expect(ua == a.uid(replacing: uid))
        #expect(ua != b.uid(replacing: uid))
        #expect(ua != a.uid(replacing: uid + "1"))
        // PS3.5 9.1: at most 64 characters, digits and dots, no component with a leading zero.
        #expect(ua.count <= 64)
        #expect(ua.hasPrefix("2.25."))
        let last = ua.dropFirst(5)
        #expect(last.allSatisfy(\.isNumber) && last.first != "0")
        #expect(a.pseudonym(for: "x", prefix: "ANON") == a.pseudonym(for: "x", prefix: "ANON"))
        #expect(a.pseudonym(for: "x", prefix: "ANON") != b.pseudonym(for: "x", prefix: "ANON"))
        #expect(DeidentificationVerifier.isPseudonym(a.pseudonym(for: "x", prefix: "ANON")))
        let offset = a.dateOffsetDays(for: "x")
        #expect(offset <= -365 && offset >= -3650)
        #expect(a.fingerprint != b.fingerprint)
    }

    @Test func shortSecretIsRefused() {
        #expect(throws: DICOMError.self) { try CentreSecret(bytes: Array("too short\n".utf8)) }
        // Trailing newline and spaces do not count and do not change the key.
        let a = try? CentreSecret(bytes: Array("0123456789abcdef".utf8))
        let b = try? CentreSecret(bytes: Array("0123456789abcdef \n".utf8))
        #expect(a != nil && a?.key == b?.key)
    }
}
