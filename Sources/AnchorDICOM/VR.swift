/// Value Representation (DICOM PS3.5 section 6.2, Table 6.2-1).
public enum VR: String, Sendable, CaseIterable {
    case AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV,
         TM, UC, UI, UL, UN, UR, US, UT, UV

    /// Builds a VR from the two bytes of an explicit VR header; nil when they name no VR.
    @inlinable public init?(byte0: UInt8, byte1: UInt8) {
        guard let vr = VR.table[Int(byte0) &<< 8 | Int(byte1)] else { return nil }
        self = vr
    }

    @usableFromInline static let table: [Int: VR] = {
        var t: [Int: VR] = [:]
        for vr in VR.allCases {
            let u = Array(vr.rawValue.utf8)
            t[Int(u[0]) << 8 | Int(u[1])] = vr
        }
        return t
    }()

    /// VRs whose explicit VR header has two reserved bytes and a 32-bit length (PS3.5 Table 7.1-1).
    @inlinable public var hasLongLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .UC, .UN, .UR, .UT, .SV, .UV: return true
        default: return false
        }
    }

    /// Character-string VRs.
    public var isText: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: return true
        default: return false
        }
    }

    /// Text VRs whose value is never split on backslash (PS3.5 section 6.4: LT, ST, UT, UR hold one value).
    public var isSingleValuedText: Bool { self == .LT || self == .ST || self == .UT || self == .UR }

    /// Text VRs affected by the Specific Character Set (PS3.5 section 6.1.2.3).
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .SH, .LO, .ST, .LT, .PN, .UC, .UT: return true
        default: return false
        }
    }

    /// Size in bytes of one binary number for byte swapping; 1 for text and bytes.
    public var wordSize: Int {
        switch self {
        case .US, .SS, .OW, .AT: return 2
        case .UL, .SL, .FL, .OF, .OL: return 4
        case .FD, .OD, .OV, .SV, .UV: return 8
        default: return 1
        }
    }

    /// Padding byte for odd-length values: space for text, NUL for UI and binary (PS3.5 section 6.2).
    public var paddingByte: UInt8 { isText && self != .UI ? 0x20 : 0x00 }
}
