import Foundation
/// Setting values when building or editing a data set. Values are encoded little endian, so these are
/// for little endian data sets (everything Anchor writes is explicit VR little endian).
extension DataSet {
    /// Sets raw value bytes.
    public mutating func set(_ tag: Tag, _ vr: VR, bytes: [UInt8]) {
        set(DataElement(tag: tag, vr: vr, value: .bytes(bytes[...])))
    }

    /// Sets a text value; several values are joined with backslash (PS3.5 6.4).
    public mutating func set(_ tag: Tag, _ vr: VR, _ values: [String]) {
        let text = values.joined(separator: "\\")
        set(tag, vr, bytes: vr.usesSpecificCharacterSet ? characterSet.encode(text) : Array(text.utf8))
    }

    public mutating func set(_ tag: Tag, _ vr: VR, _ value: String) { set(tag, vr, [value]) }

    /// Sets numbers: DS and IS as text (DS with up to 16 characters, PS3.5 Table 6.2-1), binary VRs in little endian.
    public mutating func set(_ tag: Tag, _ vr: VR, numbers: [Double]) {
        switch vr {
        case .DS: set(tag, vr, numbers.map(formatDS))
        case .IS: set(tag, vr, numbers.map { String(Int($0.rounded())) })
        case .US: set(tag, vr, bytes: numbers.flatMap { le16(UInt16(clamping: Int($0.rounded()))) })
        case .SS: set(tag, vr, bytes: numbers.flatMap { le16(UInt16(bitPattern: Int16(clamping: Int($0.rounded())))) })
        case .UL: set(tag, vr, bytes: numbers.flatMap { le32(UInt32(clamping: Int($0.rounded()))) })
        case .SL: set(tag, vr, bytes: numbers.flatMap { le32(UInt32(bitPattern: Int32(clamping: Int($0.rounded())))) })
        case .FL, .OF: set(tag, vr, bytes: numbers.flatMap { le32(Float($0).bitPattern) })
        case .FD, .OD: set(tag, vr, bytes: numbers.flatMap { v in (0..<8).map { UInt8((v.bitPattern >> (8 * UInt64($0))) & 0xFF) } })
        default: set(tag, vr, numbers.map { String($0) })
        }
    }

    public mutating func set(_ tag: Tag, _ vr: VR, number: Double) { set(tag, vr, numbers: [number]) }

    /// Sets a sequence.
    public mutating func set(_ tag: Tag, items: [DataSet]) {
        set(DataElement(tag: tag, vr: .SQ, value: .sequence(items)))
    }
}

@inline(__always) func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

/// Formats a Decimal String value in at most 16 characters (PS3.5 Table 6.2-1), keeping as many
/// significant digits as fit.
public func formatDS(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e15 { return String(Int(v)) }
    for digits in stride(from: 15, through: 1, by: -1) {
        var s = String(format: "%.\(digits)g", v)
        if s.contains("e") {
            // 1e-05 style: keep the exponent form, which DS allows.
            s = s.replacingOccurrences(of: "e+0", with: "e").replacingOccurrences(of: "e-0", with: "e-")
        }
        if s.count <= 16 { return s }
    }
    return String(format: "%.6e", v)
}
