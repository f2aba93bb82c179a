import Foundation

extension DataSet {
    /// Decimal String (DS) or IS values parsed straight from the bytes with `strtod` (correctly rounded,
    /// C locale), without building a String per value: contour data holds hundreds of thousands of DS
    /// values, and this is where reading an RT Structure Set spends its time. Same results as `doubles`.
    public func decimals(_ tag: Tag) throws -> [Double] {
        guard let e = self[tag] else { return [] }
        guard e.vr == .DS || e.vr == .IS, let raw = e.bytes else { return try doubles(tag) }
        return try DataSet.parseDecimals(raw, tag: tag, offset: e.offset)
    }

    static func parseDecimals(_ raw: ArraySlice<UInt8>, tag: Tag, offset: Int) throws -> [Double] {
        if raw.isEmpty { return [] }
        var buffer = [CChar](repeating: 0, count: raw.count + 1)
        var separators = 0
        for (i, b) in raw.enumerated() {
            buffer[i] = CChar(bitPattern: b)
            if b == 0x5C { separators += 1 }
        }
        var out: [Double] = []
        out.reserveCapacity(separators + 1)
        var failure: DICOMError?
        buffer.withUnsafeMutableBufferPointer { p in
            let base = p.baseAddress!
            var cur = base
            let end = base + raw.count
            while cur < end {
                // Skip padding before a value; an empty value between backslashes is skipped.
                while cur < end && (cur.pointee == 0x20 || cur.pointee == 0) { cur += 1 }
                if cur >= end { break }
                if cur.pointee == 0x5C { cur += 1; continue }
                var next: UnsafeMutablePointer<CChar>? = nil
                let v = strtod(cur, &next)
                guard let n = next, n > cur, v.isFinite else {
                    let text = String(decoding: raw.prefix(40), as: UTF8.self)
                    failure = DICOMError(.invalidValue, "DS value is not a number near '\(text)'", offset: offset, tag: tag)
                    return
                }
                out.append(v)
                cur = n
                while cur < end && (cur.pointee == 0x20 || cur.pointee == 0) { cur += 1 }
                if cur < end {
                    guard cur.pointee == 0x5C else {
                        failure = DICOMError(.invalidValue, "unexpected character in DS value", offset: offset, tag: tag)
                        return
                    }
                    cur += 1
                }
            }
        }
        if let failure { throw failure }
        return out
    }
}
