/// The one error type of AnchorQA: a protocol file that cannot be read or is malformed, an unknown
/// protocol id, or a case that cannot be graded. A protocol error names the file, the line and column
/// (1-based, from the YAML parser's marks) and the field, so a physicist can fix the file directly.
public struct QAError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The protocol file could not be read from disk.
        case unreadableProtocol = "unreadable_protocol"
        /// The file is not valid YAML (the YAML parser's own problem is in the message).
        case invalidYAML = "invalid_yaml"
        /// The YAML is valid but a field is missing, unknown or has a value outside the grammar.
        case malformedProtocol = "malformed_protocol"
        /// A protocol id that is not in the library.
        case unknownProtocol = "unknown_protocol"
        /// The case has no structure set or no usable dose, so nothing can be graded.
        case notGradable = "not_gradable"
        /// A metric could not be computed for a structure (missing structure, no dose, undefined metric).
        case notEvaluable = "not_evaluable"
    }

    public var code: Code
    public var message: String
    /// The protocol file concerned, when there is one.
    public var file: String?
    /// 1-based line in `file`.
    public var line: Int?
    /// 1-based column in `file` (counted in Unicode scalars, as libyaml does).
    public var column: Int?
    /// The YAML field concerned, as a path: `constraints[2].per_protocol`.
    public var field: String?

    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil, field: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
    }

    /// `file:line:column: field: message`, the shape compilers use so editors can jump to the place.
    public var description: String {
        var s = ""
        if let f = file {
            s += f
            if let l = line { s += ":\(l)"; if let c = column { s += ":\(c)" } }
            s += ": "
        } else if let l = line {
            s += "line \(l): "
        }
        if let f = field { s += "\(f): " }
        return s + message
    }
}
