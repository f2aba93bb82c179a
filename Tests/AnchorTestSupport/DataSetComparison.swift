import AnchorDICOM

/// Compares two data sets element by element, values normalised to little endian, sequences recursively.
/// Returns the differences found (empty when equal). Group length elements and odd-length padding are
/// not differences (the writer drops the former and adds the latter, PS3.5 7.2 and 6.2).
public func differences(_ a: DataSet, _ b: DataSet, path: String = "") -> [String] {
    var out: [String] = []
    let ea = a.elements.filter { !$0.tag.isGroupLength }, eb = b.elements.filter { !$0.tag.isGroupLength }
    guard ea.map(\.tag) == eb.map(\.tag) else {
        let sa = Set(ea.map(\.tag)), sb = Set(eb.map(\.tag))
        return ["\(path): tags differ: only in first \(sa.subtracting(sb).sorted().map(\.description)), only in second \(sb.subtracting(sa).sorted().map(\.description))"]
    }
    for (x, y) in zip(ea, eb) {
        let here = path + x.tag.description
        switch (x.value, y.value) {
        case (.sequence(let ia), .sequence(let ib)):
            guard ia.count == ib.count else { out.append("\(here): \(ia.count) vs \(ib.count) items"); continue }
            for (n, (p, q)) in zip(ia, ib).enumerated() { out += differences(p, q, path: here + "[\(n)]") }
        case (.bytes(let ba), .bytes(let bb)):
            let cell = x.tag == .pixelData ? (a.int(.bitsAllocated) ?? 16) / 8 : nil
            let na = normalised(ba, vr: x.vr, little: a.isLittleEndian, word: cell), nb = normalised(bb, vr: y.vr, little: b.isLittleEndian, word: cell)
            if !sameIgnoringPadding(na, nb, vr: x.vr) { out.append("\(here): values differ (\(ba.count) vs \(bb.count) bytes)") }
        case (.fragments(let ta, let fa), .fragments(let tb, let fb)):
            if Array(ta) != Array(tb) || fa.count != fb.count || zip(fa, fb).contains(where: { !sameIgnoringPadding(Array($0), Array($1), vr: .OB) }) {
                out.append("\(here): fragments differ")
            }
        default:
            out.append("\(here): value kinds differ")
        }
    }
    return out
}

func normalised(_ b: ArraySlice<UInt8>, vr: VR, little: Bool, word: Int? = nil) -> [UInt8] {
    var out = Array(b)
    let w = word ?? (vr == .AT ? 2 : vr.wordSize)
    if !little && w > 1 && out.count % w == 0 {
        var i = 0
        while i < out.count { out[i..<(i + w)].reverse(); i += w }
    }
    return out
}

func sameIgnoringPadding(_ a: [UInt8], _ b: [UInt8], vr: VR) -> Bool {
    if a == b { return true }
    let (short, long) = a.count < b.count ? (a, b) : (b, a)
    return long.count == short.count + 1 && Array(long.prefix(short.count)) == short && (long.last == 0 || long.last == 0x20)
}
