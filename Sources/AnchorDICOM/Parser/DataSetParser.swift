/// Reads data elements from bytes (PS3.5 section 7): explicit or implicit VR, either byte order,
/// sequences and items of defined and undefined length, encapsulated pixel data.
///
/// Every length is checked against the bytes that remain before anything is sliced, values are slices
/// of the input (no copies), and nesting is capped, so no input can make it allocate out of proportion
/// to its size, recurse without bound or loop: each step consumes at least 8 bytes.
struct DataSetParser {
    let b: [UInt8]
    let path: String?
    /// Maximum sequence nesting (`ResourceLimits.maxSequenceDepth`).
    let maxDepth: Int
    static let undefinedLength: UInt32 = 0xFFFF_FFFF

    enum Mode { case top, definedItem, undefinedItem, metaGroup }

    init(bytes: [UInt8], path: String?, maxDepth: Int = ResourceLimits.default.maxSequenceDepth) {
        self.b = bytes
        self.path = path
        self.maxDepth = maxDepth
    }

    func error(_ code: DICOMError.Code, _ message: String, at offset: Int, tag: Tag? = nil) -> DICOMError {
        DICOMError(code, message, file: path, offset: offset, tag: tag)
    }

    @inline(__always) func u16(_ p: Int, _ little: Bool) -> UInt16 {
        little ? UInt16(b[p]) | UInt16(b[p + 1]) << 8 : UInt16(b[p]) << 8 | UInt16(b[p + 1])
    }

    @inline(__always) func u32(_ p: Int, _ little: Bool) -> UInt32 {
        little
            ? UInt32(b[p]) | UInt32(b[p + 1]) << 8 | UInt32(b[p + 2]) << 16 | UInt32(b[p + 3]) << 24
            : UInt32(b[p]) << 24 | UInt32(b[p + 1]) << 16 | UInt32(b[p + 2]) << 8 | UInt32(b[p + 3])
    }

    @inline(__always) func tag(at p: Int, _ little: Bool) -> Tag {
        Tag(group: u16(p, little), element: u16(p + 2, little))
    }

    /// True when the two bytes at `p` spell a VR.
    func hasVR(at p: Int) -> Bool {
        p + 1 < b.count && VR(byte0: b[p], byte1: b[p + 1]) != nil
    }

    /// Parses elements from `pos` until `end` (or the item delimiter in an undefined-length item,
    /// or the end of group 0002 in `metaGroup` mode).
    func parseElements(pos: inout Int, end: Int, mode: Mode, explicit: Bool, little: Bool,
                       encapsulated: Bool, depth: Int, charset: SpecificCharacterSet, parent: Tag? = nil) throws -> DataSet {
        var elements: [DataElement] = []
        var charset = charset
        while true {
            if pos >= end {
                if mode == .undefinedItem {
                    throw error(.missingDelimiter, "item of undefined length ends without an Item Delimitation Item", at: pos, tag: parent)
                }
                break
            }
            let remaining = end - pos
            if remaining < 8 {
                if mode == .top && b[pos..<end].allSatisfy({ $0 == 0 }) { pos = end; break }
                throw error(.truncated, "\(remaining) bytes left where a data element header (8 bytes or more) was expected", at: pos,
                            tag: remaining >= 4 ? tag(at: pos, little) : nil)
            }
            if mode == .metaGroup && u16(pos, true) != 0x0002 { break }
            let start = pos
            let t = tag(at: pos, little)
            if t == .itemDelimitation {
                guard mode == .undefinedItem else {
                    throw error(.invalidItem, "Item Delimitation Item outside an item of undefined length", at: pos, tag: t)
                }
                pos += 8
                break
            }
            if t == .sequenceDelimitation || t == .item {
                throw error(.invalidItem, "\(t == .item ? "Item" : "Sequence Delimitation Item") outside a sequence", at: pos, tag: t)
            }
            var vr: VR
            var length: UInt32
            var header: Int
            if explicit {
                guard let v = VR(byte0: b[pos + 4], byte1: b[pos + 5]) else {
                    let shown = [b[pos + 4], b[pos + 5]].map { $0 >= 0x20 && $0 < 0x7F ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
                    throw error(.invalidVR, "unknown VR '\(shown)' in explicit VR data", at: pos + 4, tag: t)
                }
                vr = v
                if vr.hasLongLength {
                    guard remaining >= 12 else {
                        throw error(.truncated, "element header runs past the end of the data", at: pos, tag: t)
                    }
                    length = u32(pos + 8, little)
                    header = 12
                } else {
                    length = UInt32(u16(pos + 6, little))
                    header = 8
                }
            } else {
                length = u32(pos + 4, little)
                header = 8
                vr = DataSetParser.implicitVR(for: t)
            }
            let valueStart = pos + header
            let element: DataElement
            if length == DataSetParser.undefinedLength {
                if t == Tag.pixelData && (vr == .OB || vr == .OW) {
                    guard encapsulated || explicit else {
                        throw error(.invalidValue, "Pixel Data of undefined length in a native transfer syntax", at: start, tag: t)
                    }
                    pos = valueStart
                    let (table, fragments) = try parseFragments(pos: &pos, end: end, little: little, tag: t)
                    element = DataElement(tag: t, vr: vr, value: .fragments(offsetTable: table, fragments: fragments), offset: start, hadUndefinedLength: true)
                } else if vr == .SQ || vr == .UN || !explicit {
                    // UN of undefined length holds implicit VR little endian items (PS3.5 section 6.2.2);
                    // in implicit VR data an unknown element of undefined length can only be a sequence.
                    let asImplicit = vr == .UN && explicit
                    pos = valueStart
                    let items = try parseSequence(pos: &pos, end: end, undefined: true,
                                                  explicit: asImplicit ? false : explicit, little: asImplicit ? true : little,
                                                  encapsulated: encapsulated, depth: depth + 1, charset: charset, tag: t)
                    element = DataElement(tag: t, vr: .SQ, value: .sequence(items), offset: start, hadUndefinedLength: true)
                } else {
                    throw error(.invalidValue, "undefined length on a \(vr.rawValue) element", at: start, tag: t)
                }
            } else {
                let len = Int(length)
                guard len <= end - valueStart else {
                    throw error(.lengthPastEnd, "value length \(len) runs past the end of the \(mode == .top || mode == .metaGroup ? "data" : "enclosing item") (\(end - valueStart) bytes left)", at: start, tag: t)
                }
                pos = valueStart + len
                if vr == .SQ {
                    var p = valueStart
                    let items = try parseSequence(pos: &p, end: valueStart + len, undefined: false, explicit: explicit,
                                                  little: little, encapsulated: encapsulated, depth: depth + 1, charset: charset, tag: t)
                    element = DataElement(tag: t, vr: .SQ, value: .sequence(items), offset: start)
                } else if vr == .UN && explicit, let known = DataDictionary.entry(for: t), known.vrs.count == 1, known.vr != .UN {
                    // A UN element whose attribute the dictionary knows: read it with the dictionary's VR
                    // (its value is implicit VR little endian, PS3.5 6.2.2), as pydicom and dcmtk do.
                    if known.vr == .SQ {
                        var p = valueStart
                        if let items = try? parseSequence(pos: &p, end: valueStart + len, undefined: false, explicit: false,
                                                          little: true, encapsulated: false, depth: depth + 1, charset: charset, tag: t) {
                            element = DataElement(tag: t, vr: .SQ, value: .sequence(items), offset: start)
                        } else {
                            element = DataElement(tag: t, vr: .UN, value: .bytes(b[valueStart..<pos]), offset: start)
                        }
                    } else if little || known.vr.wordSize == 1 {
                        element = DataElement(tag: t, vr: known.vr, value: .bytes(b[valueStart..<pos]), offset: start)
                    } else {
                        element = DataElement(tag: t, vr: .UN, value: .bytes(b[valueStart..<pos]), offset: start)
                    }
                } else {
                    element = DataElement(tag: t, vr: vr, value: .bytes(b[valueStart..<pos]), offset: start)
                }
            }
            if t == Tag.specificCharacterSet, case .bytes(let v) = element.value {
                let terms = String(decoding: v, as: UTF8.self).split(separator: "\\", omittingEmptySubsequences: false)
                    .map { String($0).trimmingDICOMPadding() }
                charset = SpecificCharacterSet(terms: terms)
            }
            elements.append(element)
        }
        return DataSet(elements: elements, isLittleEndian: little, characterSet: charset)
    }

    /// The VR of an element in implicit VR data: from the dictionary (PS3.5 Annex A.1), UN when unknown.
    static func implicitVR(for t: Tag) -> VR {
        if t.isGroupLength { return .UL }
        if t == Tag.pixelData { return .OW }
        return DataDictionary.implicitVR(for: t) ?? .UN
    }

    func parseSequence(pos: inout Int, end: Int, undefined: Bool, explicit: Bool, little: Bool,
                       encapsulated: Bool, depth: Int, charset: SpecificCharacterSet, tag seqTag: Tag) throws -> [DataSet] {
        guard depth <= maxDepth else {
            throw error(.nestingTooDeep, "sequences nested more than \(maxDepth) deep", at: pos, tag: seqTag)
        }
        var items: [DataSet] = []
        while true {
            if pos >= end {
                if undefined {
                    throw error(.missingDelimiter, "sequence of undefined length ends without a Sequence Delimitation Item", at: pos, tag: seqTag)
                }
                break
            }
            guard end - pos >= 8 else {
                throw error(.truncated, "\(end - pos) bytes left where an item header (8 bytes) was expected", at: pos, tag: seqTag)
            }
            let t = tag(at: pos, little)
            let length = u32(pos + 4, little)
            if t == .sequenceDelimitation {
                pos += 8
                if undefined { break }
                continue // tolerated inside a defined-length sequence
            }
            guard t == .item else {
                throw error(.invalidItem, "expected an Item (FFFE,E000) in the sequence, found \(t)", at: pos, tag: seqTag)
            }
            let itemStart = pos + 8
            pos = itemStart
            if length == DataSetParser.undefinedLength {
                let item = try parseElements(pos: &pos, end: end, mode: .undefinedItem, explicit: explicit, little: little,
                                             encapsulated: encapsulated, depth: depth, charset: charset, parent: seqTag)
                items.append(item)
            } else {
                let len = Int(length)
                guard len <= end - itemStart else {
                    throw error(.lengthPastEnd, "item length \(len) runs past the end of its sequence (\(end - itemStart) bytes left)", at: itemStart - 8, tag: seqTag)
                }
                var p = itemStart
                let item = try parseElements(pos: &p, end: itemStart + len, mode: .definedItem, explicit: explicit, little: little,
                                             encapsulated: encapsulated, depth: depth, charset: charset, parent: seqTag)
                items.append(item)
                pos = itemStart + len
            }
        }
        return items
    }

    /// Encapsulated pixel data (PS3.5 A.4): items holding the Basic Offset Table then the fragments,
    /// closed by a Sequence Delimitation Item.
    func parseFragments(pos: inout Int, end: Int, little: Bool, tag pixelTag: Tag) throws -> (ArraySlice<UInt8>, [ArraySlice<UInt8>]) {
        var table: ArraySlice<UInt8>? = nil
        var fragments: [ArraySlice<UInt8>] = []
        while true {
            guard end - pos >= 8 else {
                throw error(.missingDelimiter, "encapsulated pixel data ends without a Sequence Delimitation Item", at: pos, tag: pixelTag)
            }
            let t = tag(at: pos, little)
            let len = Int(u32(pos + 4, little))
            if t == .sequenceDelimitation { pos += 8; break }
            guard t == .item else {
                throw error(.invalidItem, "expected a fragment Item (FFFE,E000) in encapsulated pixel data, found \(t)", at: pos, tag: pixelTag)
            }
            guard len <= end - pos - 8 else {
                throw error(.lengthPastEnd, "fragment length \(len) runs past the end of the data", at: pos, tag: pixelTag)
            }
            let slice = b[(pos + 8)..<(pos + 8 + len)]
            if table == nil { table = slice } else { fragments.append(slice) }
            pos += 8 + len
        }
        return (table ?? b[0..<0], fragments)
    }
}
