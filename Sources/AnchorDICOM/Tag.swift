/// A DICOM attribute tag: a (group, element) pair of 16-bit numbers (DICOM PS3.5 section 7.1).
public struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Group in the upper 16 bits, element in the lower 16 bits.
    public let rawValue: UInt32

    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    @inlinable public init(group: UInt16, element: UInt16) {
        rawValue = UInt32(group) << 16 | UInt32(element)
    }

    @inlinable public var group: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    @inlinable public var element: UInt16 { UInt16(truncatingIfNeeded: rawValue) }
    /// Private tags have an odd group number (PS3.5 section 7.8).
    @inlinable public var isPrivate: Bool { group & 1 == 1 && group > 0x0008 }
    /// Group length elements (gggg,0000), retired outside the file meta group (PS3.5 section 7.2).
    @inlinable public var isGroupLength: Bool { element == 0 }

    @inlinable public static func < (a: Tag, b: Tag) -> Bool { a.rawValue < b.rawValue }

    /// `(0008,0016)` form.
    public var description: String { "(\(hex4(group)),\(hex4(element)))" }
    /// `00080016` form, as used in JSON fixtures.
    public var hex: String { hex4(group) + hex4(element) }

    /// Parses `00080016`, `0008,0016` or `(0008,0016)`.
    public init?(hex text: String) {
        let digits = text.filter { $0.isHexDigit }
        guard digits.count == 8, let value = UInt32(digits, radix: 16) else { return nil }
        rawValue = value
    }
}

@usableFromInline func hex4(_ v: UInt16) -> String {
    let s = String(v, radix: 16, uppercase: true)
    return String(repeating: "0", count: 4 - s.count) + s
}

// Item and delimitation tags (PS3.5 section 7.5).
extension Tag {
    public static let item = Tag(0xFFFE_E000)
    public static let itemDelimitation = Tag(0xFFFE_E00D)
    public static let sequenceDelimitation = Tag(0xFFFE_E0DD)
}

/// Alias for code that also imports a module with its own `Tag` (Swift Testing has one).
public typealias DICOMTag = Tag
