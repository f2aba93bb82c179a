import AnchorQA
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor protocols [--json]`: the protocol library.
struct ProtocolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocols",
        abstract: "List the protocol library (ids for `anchor check --protocol`).",
        discussion: """
        The library holds reference sets for review support, not a substitute for the trial protocol \
        documents; every constraint names its source. Exit status 65 if a library file cannot be read.
        """
    )

    @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
    var json = false

    func run() throws {
        let library = ProtocolLibrary.bundled()
        if json {
            print(ProtocolsCommand.document(library).serialized())
        } else {
            let idWidth = library.protocols.map(\.id.count).max() ?? 0
            for p in library.protocols {
                let kind = p.kind == .constraintSet ? "constraint set" : "protocol"
                print("\(p.id.padding(toLength: idWidth, withPad: " ", startingAt: 0))  v\(p.version)  \(p.name) [\(kind), \(p.constraints.count) constraints]")
                print(String(repeating: " ", count: idWidth + 2) + "source: \(p.source)")
            }
        }
        for e in library.errors { printError("error: \(e)") }
        if !library.errors.isEmpty { throw ExitCode(ExitStatus.dataError) }
    }

    static func document(_ library: ProtocolLibrary) -> JSON {
        .object([
            ("protocols", .array(library.protocols.map { p in
                var structures: [String] = []
                for c in p.constraints where !structures.contains(c.structure) { structures.append(c.structure) }
                return .object([
                    ("id", .string(p.id)), ("name", .string(p.name)), ("version", .string(p.version)),
                    ("kind", .string(p.kind.rawValue)), ("source", .string(p.source)),
                    ("prescription_gy", .from(p.prescriptionGy)),
                    ("constraint_count", .int(p.constraints.count)),
                    ("structures", .array(structures.map { .string($0) })),
                    ("file", .from(p.file.map { ($0 as NSString).lastPathComponent })),
                ])
            })),
            ("errors", .array(library.errors.map { .string($0.description) })),
        ])
    }
}
