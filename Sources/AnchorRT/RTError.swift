import AnchorDICOM

/// The one error type of AnchorRT: an RT object that cannot be understood, with the file it came from.
public struct RTError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case missingAttribute = "missing_attribute"
        case invalidGeometry = "invalid_geometry"
        case inconsistentSeries = "inconsistent_series"
        case unsupported = "unsupported"
        /// A size above a `ResourceLimits` value: refused before it was allocated.
        case limitExceeded = "limit_exceeded"
    }
    public var code: Code
    public var message: String
    public var file: String?
    public var tag: Tag?

    public init(_ code: Code, _ message: String, file: String? = nil, tag: Tag? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.tag = tag
    }

    public var description: String {
        var place: [String] = []
        if let file { place.append(file) }
        if let tag { place.append("tag \(tag)") }
        return (place.isEmpty ? "" : place.joined(separator: ", ") + ": ") + message
    }
}

extension DataSet {
    /// A required numeric vector, or an `RTError` naming the attribute.
    func requireDoubles(_ tag: Tag, count: Int, file: String?, what: String) throws -> [Double] {
        let v: [Double]
        do { v = try doubles(tag) } catch { throw RTError(.missingAttribute, "\(what) is not numeric: \(error)", file: file, tag: tag) }
        guard v.count >= count else {
            throw RTError(.missingAttribute, "\(what) \(tag) needs \(count) values, has \(v.count)", file: file, tag: tag)
        }
        return v
    }
}
