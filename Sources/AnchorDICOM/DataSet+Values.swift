import Foundation

/// Decoding values on access (PS3.5 section 6.2).
extension DataSet {
    /// The element's value as text, decoded with the character set, padding kept.
    public func rawText(_ tag: Tag) -> String? {
        guard let e = self[tag], let b = e.bytes else { return nil }
        return decodeText(b, vr: e.vr)
    }

    /// Decodes text bytes with this data set's character set where the VR uses it (PS3.5 6.1.2.3),
    /// otherwise as ISO 646 (ASCII; bytes above 127 read as Latin-1 rather than failing).
    public func decodeText(_ bytes: ArraySlice<UInt8>, vr: VR) -> String {
        vr.usesSpecificCharacterSet ? characterSet.decode(bytes) : SpecificCharacterSet.default.decode(bytes)
    }

    /// All values of a text element, split on backslash (except LT, ST, UT, UR), each trimmed of padding.
    public func strings(_ tag: Tag) -> [String] {
        guard let e = self[tag], let b = e.bytes, !b.isEmpty else { return [] }
        let text = decodeText(b, vr: e.vr)
        if e.vr.isSingleValuedText { return [text.trimmingDICOMPaddingEnd()] }
        return text.split(separator: "\\", omittingEmptySubsequences: false).map { String($0).trimmingDICOMPadding() }
    }

    /// The first value of a text element, trimmed; nil when absent or empty.
    public func string(_ tag: Tag) -> String? {
        guard let s = strings(tag).first, !s.isEmpty else { return nil }
        return s
    }

    /// Numeric values of an element as Double: DS and IS parsed from text; US, SS, UL, SL, UV, SV, FL, FD,
    /// OF, OD read in the data set's byte order. Empty when absent; nil entries are never produced:
    /// an unparseable DS value throws.
    public func doubles(_ tag: Tag) throws -> [Double] {
        guard let e = self[tag], let b = e.bytes else { return [] }
        switch e.vr {
        case .DS, .IS:
            return try strings(tag).compactMap { s in
                if s.isEmpty { return nil }
                guard let v = Double(s) else {
                    throw DICOMError(.invalidValue, "\(e.vr.rawValue) value '\(s)' is not a number", offset: e.offset, tag: tag)
                }
                return v
            }
        case .FL, .OF: return readFloats(b).map(Double.init)
        case .FD, .OD: return readDoubles(b)
        case .US: return readUInt16s(b).map(Double.init)
        case .SS: return readUInt16s(b).map { Double(Int16(bitPattern: $0)) }
        case .UL, .OL: return readUInt32s(b).map(Double.init)
        case .SL: return readUInt32s(b).map { Double(Int32(bitPattern: $0)) }
        case .UV, .OV: return readUInt64s(b).map(Double.init)
        case .SV: return readUInt64s(b).map { Double(Int64(bitPattern: $0)) }
        default:
            throw DICOMError(.invalidValue, "\(e.vr.rawValue) value is not numeric", offset: e.offset, tag: tag)
        }
    }

    /// The first numeric value, or nil when absent, empty or not a number.
    public func double(_ tag: Tag) -> Double? { (try? doubles(tag))?.first }

    /// Integer values (IS, US, SS, UL, SL, UV, SV; DS when integral).
    public func ints(_ tag: Tag) throws -> [Int] {
        guard let e = self[tag], let b = e.bytes else { return [] }
        switch e.vr {
        case .US: return readUInt16s(b).map(Int.init)
        case .SS: return readUInt16s(b).map { Int(Int16(bitPattern: $0)) }
        case .UL: return readUInt32s(b).map(Int.init)
        case .SL: return readUInt32s(b).map { Int(Int32(bitPattern: $0)) }
        case .UV: return readUInt64s(b).map { Int(truncatingIfNeeded: $0) }
        case .SV: return readUInt64s(b).map { Int(Int64(bitPattern: $0)) }
        default:
            return try doubles(tag).map { v in
                guard v.rounded() == v, abs(v) < 9e18 else {
                    throw DICOMError(.invalidValue, "value \(v) is not an integer", offset: e.offset, tag: tag)
                }
                return Int(v)
            }
        }
    }

    /// The first integer value, or nil.
    public func int(_ tag: Tag) -> Int? { (try? ints(tag))?.first }

    /// AT values (PS3.5 6.2: pairs of 16-bit group and element).
    public func tags(_ tag: Tag) -> [Tag] {
        guard let e = self[tag], let b = e.bytes, e.vr == .AT || e.vr == .UN else { return [] }
        let w = readUInt16s(b)
        return stride(from: 0, to: w.count - 1, by: 2).map { Tag(group: w[$0], element: w[$0 + 1]) }
    }

    /// Items of a sequence; empty when absent.
    public func sequence(_ tag: Tag) -> [DataSet] { self[tag]?.items ?? [] }

    // MARK: Raw number readers in this data set's byte order

    public func readUInt16s(_ b: ArraySlice<UInt8>) -> [UInt16] {
        let n = b.count / 2
        var out = [UInt16](repeating: 0, count: n)
        let s = b.startIndex
        if isLittleEndian {
            for i in 0..<n { out[i] = UInt16(b[s + 2 * i]) | UInt16(b[s + 2 * i + 1]) << 8 }
        } else {
            for i in 0..<n { out[i] = UInt16(b[s + 2 * i]) << 8 | UInt16(b[s + 2 * i + 1]) }
        }
        return out
    }

    public func readUInt32s(_ b: ArraySlice<UInt8>) -> [UInt32] {
        let n = b.count / 4
        var out = [UInt32](repeating: 0, count: n)
        let s = b.startIndex
        for i in 0..<n {
            var v: UInt32 = 0
            for k in 0..<4 {
                let byte = UInt32(b[s + 4 * i + (isLittleEndian ? 3 - k : k)])
                v = v << 8 | byte
            }
            out[i] = v
        }
        return out
    }

    public func readUInt64s(_ b: ArraySlice<UInt8>) -> [UInt64] {
        let n = b.count / 8
        var out = [UInt64](repeating: 0, count: n)
        let s = b.startIndex
        for i in 0..<n {
            var v: UInt64 = 0
            for k in 0..<8 {
                let byte = UInt64(b[s + 8 * i + (isLittleEndian ? 7 - k : k)])
                v = v << 8 | byte
            }
            out[i] = v
        }
        return out
    }

    public func readFloats(_ b: ArraySlice<UInt8>) -> [Float] { readUInt32s(b).map { Float(bitPattern: $0) } }
    public func readDoubles(_ b: ArraySlice<UInt8>) -> [Double] { readUInt64s(b).map { Double(bitPattern: $0) } }
}

extension String {
    /// Removes trailing spaces and NULs only (LT, ST, UT keep leading spaces: PS3.5 Table 6.2-1).
    public func trimmingDICOMPaddingEnd() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " || last == "\0" { s.removeLast() }
        return String(s)
    }
}
