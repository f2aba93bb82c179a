/// One data element (PS3.5 section 7.1): tag, VR and the value, kept as the raw bytes of the file.
///
/// Values are decoded on access (see `DataSet`), so reading a file costs no more than finding the
/// element boundaries; the byte order needed for decoding is the data set's.
public struct DataElement: Sendable {
    public enum Value: Sendable {
        /// The value bytes as stored (in the data set's byte order), without any header.
        case bytes(ArraySlice<UInt8>)
        /// A sequence of items (VR SQ, or UN of undefined length read as implicit VR little endian).
        case sequence([DataSet])
        /// Encapsulated pixel data (PS3.5 A.4): the Basic Offset Table then each fragment.
        case fragments(offsetTable: ArraySlice<UInt8>, fragments: [ArraySlice<UInt8>])
    }

    public var tag: Tag
    public var vr: VR
    public var value: Value
    /// Offset of the element's header in the file (or in the inflated stream), for error messages.
    public var offset: Int
    /// True when the element had undefined length in the file (PS3.5 section 7.1.1).
    public var hadUndefinedLength: Bool

    public init(tag: Tag, vr: VR, value: Value, offset: Int = 0, hadUndefinedLength: Bool = false) {
        self.tag = tag
        self.vr = vr
        self.value = value
        self.offset = offset
        self.hadUndefinedLength = hadUndefinedLength
    }

    /// The raw value bytes, or nil for sequences and encapsulated pixel data.
    public var bytes: ArraySlice<UInt8>? {
        if case .bytes(let b) = value { return b }
        return nil
    }

    /// The items of a sequence, or nil.
    public var items: [DataSet]? {
        if case .sequence(let s) = value { return s }
        return nil
    }

    /// Length of the value in bytes as stored (the sum of fragments for encapsulated data).
    public var valueLength: Int {
        switch value {
        case .bytes(let b): return b.count
        case .sequence: return 0
        case .fragments(let t, let f): return t.count + f.reduce(0) { $0 + $1.count }
        }
    }
}
