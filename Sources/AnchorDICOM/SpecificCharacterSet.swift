import Foundation

/// The character repertoire of text values, from Specific Character Set (0008,0005) (PS3.3 C.12.1.1.2,
/// PS3.5 section 6.1). Supported: the default repertoire (ISO-IR 6), ISO_IR 100 (Latin-1), ISO_IR 101
/// (Latin-2), ISO_IR 192 (UTF-8), GB18030/GBK read as UTF-8 when valid, and the ISO 2022 forms of IR 6 and
/// IR 100 without code extensions. Other terms fall back to UTF-8 when the bytes are valid UTF-8, else Latin-1,
/// so decoding never fails.
public struct SpecificCharacterSet: Hashable, Sendable {
    public enum Encoding: Sendable, Hashable { case ascii, latin1, latin2, utf8 }

    /// The defined terms as found in the file.
    public let terms: [String]
    public let encoding: Encoding

    public static let `default` = SpecificCharacterSet(terms: [], encoding: .ascii)

    public init(terms: [String], encoding: Encoding) {
        self.terms = terms
        self.encoding = encoding
    }

    /// From the values of (0008,0005).
    public init(terms: [String]) {
        self.terms = terms
        let first = terms.first(where: { !$0.isEmpty }) ?? ""
        switch first.uppercased() {
        case "", "ISO_IR 6", "ISO 2022 IR 6": encoding = .ascii
        case "ISO_IR 100", "ISO 2022 IR 100": encoding = .latin1
        case "ISO_IR 101", "ISO 2022 IR 101": encoding = .latin2
        default: encoding = .utf8 // ISO_IR 192, GB18030, GBK and unknown terms: UTF-8 first (see decode)
        }
    }

    /// Decodes bytes to a String. Never fails.
    public func decode(_ bytes: ArraySlice<UInt8>) -> String {
        switch encoding {
        case .ascii:
            if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
            return SpecificCharacterSet.latin1(bytes)
        case .latin1:
            return SpecificCharacterSet.latin1(bytes)
        case .latin2:
            return String(data: Data(bytes), encoding: .isoLatin2) ?? SpecificCharacterSet.latin1(bytes)
        case .utf8:
            if let s = String(validating: bytes, as: UTF8.self) { return s }
            return SpecificCharacterSet.latin1(bytes)
        }
    }

    /// Encodes text for writing.
    public func encode(_ text: String) -> [UInt8] {
        switch encoding {
        case .ascii, .utf8:
            if encoding == .ascii, !text.unicodeScalars.allSatisfy({ $0.value < 0x80 }) {
                return text.unicodeScalars.map { $0.value < 0x100 ? UInt8($0.value) : 0x3F }
            }
            return Array(text.utf8)
        case .latin1:
            return text.unicodeScalars.map { $0.value < 0x100 ? UInt8($0.value) : 0x3F }
        case .latin2:
            return Array(text.data(using: .isoLatin2, allowLossyConversion: true) ?? Data(text.utf8))
        }
    }

    static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        var s = String.UnicodeScalarView()
        s.reserveCapacity(bytes.count)
        for b in bytes { s.append(Unicode.Scalar(b)) }
        return String(s)
    }
}
