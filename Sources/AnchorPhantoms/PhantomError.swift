/// The one error type of AnchorPhantoms: a request that cannot make a case, or a case that cannot be
/// written, with the value or path it concerns.
public struct PhantomError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case invalidSite = "invalid_site"
        case invalidVariant = "invalid_variant"
        case invalidAge = "invalid_age"
        case writeFailed = "write_failed"
    }
    public var code: Code
    public var message: String
    /// The value or path the error is about.
    public var concerns: String?

    public init(_ code: Code, _ message: String, concerns: String? = nil) {
        self.code = code
        self.message = message
        self.concerns = concerns
    }

    public var description: String { message }
}
