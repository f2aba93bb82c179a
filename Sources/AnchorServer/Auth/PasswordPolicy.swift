import Foundation

/// What a password must be (NIST SP 800-63B 5.1.1.2: a minimum length, and a check against a list
/// of passwords known to be common or compromised; no composition rules). The list ships with the
/// server (`Resources/common-passwords.txt`, one a line, compared without case); it holds the most
/// common passwords of public breach corpora and the words of this domain that people reach for.
enum PasswordPolicy {
    static let minimumLength = 12
    static let maximumLength = 200

    struct Refusal: Error, CustomStringConvertible { var description: String }

    static let common: Set<String> = {
        let url = AnchorServerResources.root.appendingPathComponent("common-passwords.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return Set(text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty && !$0.hasPrefix("#") })
    }()

    /// Throws a `Refusal` saying why `password` is not accepted for the person with `email`.
    static func check(_ password: String, email: String) throws {
        guard password.count >= minimumLength else {
            throw Refusal(description: "the password must have at least \(minimumLength) characters")
        }
        guard password.count <= maximumLength else { throw Refusal(description: "the password must have at most \(maximumLength) characters") }
        let lower = password.lowercased()
        if common.contains(lower) || common.contains(lower.trimmingCharacters(in: .decimalDigits.union(.punctuationCharacters).union(.symbols))) {
            throw Refusal(description: "the password is on the list of common passwords")
        }
        if Set(lower).count <= 3 {
            throw Refusal(description: "the password repeats too few characters")
        }
        let scalars = Array(lower.unicodeScalars.map(\.value))
        if zip(scalars, scalars.dropFirst()).allSatisfy({ $1 == $0 + 1 || $1 == $0 &- 1 }) {
            throw Refusal(description: "the password is a run of consecutive characters")
        }
        let local = email.lowercased().split(separator: "@").first.map(String.init) ?? ""
        if local.count >= 4 && lower.contains(local) {
            throw Refusal(description: "the password contains the e-mail name")
        }
    }
}
