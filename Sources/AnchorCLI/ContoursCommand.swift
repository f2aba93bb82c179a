import AnchorDICOM
import AnchorDosimetry
import AnchorQA
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor contours`: compare delineations of the same structures, and build a consensus of several.
struct ContoursCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contours",
        abstract: "Compare delineations (Dice, Hausdorff, HD95, surface Dice, APL) and build STAPLE or majority consensus.",
        subcommands: [ContoursCompareCommand.self, ContoursConsensusCommand.self]
    )
}

/// An error of the contours commands: what went wrong and the file and structure it concerns.
struct ContoursError: Error, CustomStringConvertible {
    enum Code: String { case input = "input", frameOfReference = "frame_of_reference", structure = "structure", output = "output" }
    var code: Code
    var message: String
    var file: String?
    var structure: String?
    var description: String {
        var place: [String] = []
        if let file { place.append(file) }
        if let structure { place.append("structure '\(structure)'") }
        return (place.isEmpty ? "" : place.joined(separator: ", ") + ": ") + message
    }
}

/// One RT Structure Set read from a file or a case folder, with the images it sits on when the folder
/// holds them.
struct LoadedStructureSet {
    var path: String
    var file: DICOMFile
    var structureSet: StructureSet
    var images: ImageSeries?

    var frameOfReferenceUID: String? { structureSet.frameOfReferenceUIDs.first ?? file.dataSet.string(.frameOfReferenceUID) }

    static func load(_ path: String) throws -> LoadedStructureSet {
        let loaded = DICOMLoader.load([path])
        if !loaded.missingPaths.isEmpty { throw ContoursError(code: .input, message: "no such file or folder", file: path) }
        let sets = loaded.members.filter { if case .structureSet = $0.object { return true }; return false }
        if sets.isEmpty {
            if let f = loaded.failures.first { throw ContoursError(code: .input, message: "\(f.message) (\(f.code))", file: f.file) }
            throw ContoursError(code: .input, message: "holds no RT Structure Set", file: path)
        }
        guard sets.count == 1, case .structureSet(let rs) = sets[0].object else {
            throw ContoursError(code: .input, message: "holds \(sets.count) RT Structure Sets; give the one to use", file: path)
        }
        let c = Case(members: loaded.members)
        let forUID = rs.frameOfReferenceUIDs.first
        let images = c.series.first { s in rs.referencedSeriesUIDs.contains(s.seriesInstanceUID) }
            ?? c.series.first { forUID != nil && $0.frameOfReferenceUID == forUID }
        return LoadedStructureSet(path: sets[0].file.path ?? path, file: sets[0].file, structureSet: rs, images: images)
    }

    /// Throws when the ROI has no contours, or (with images) lies outside them.
    func check(_ roi: StructureSet.ROI) throws {
        guard !roi.contours.isEmpty else { throw ContoursError(code: .structure, message: "the structure is empty (no contours)", file: path, structure: roi.name) }
        if let f = roi.frameOfReferenceUID, let mine = frameOfReferenceUID, f != mine {
            throw ContoursError(code: .frameOfReference, message: "the structure is on frame of reference \(f), the structure set on \(mine)", file: path, structure: roi.name)
        }
        guard let s = images else { return }
        let g = s.grid
        // Inside the images: within the outer faces of the outer voxels, plus 1 mm for rounding.
        let mi = 0.5 + 1 / g.spacingI, mj = 0.5 + 1 / g.spacingJ, mk = 0.5 + 1 / max(g.spacing.k, 0.1)
        var outside = 0, total = 0
        for c in roi.contours {
            for p in c.points {
                total += 1
                let x = g.continuousIndex(of: p)
                if !(x.i >= -mi && x.i <= Double(g.columns - 1) + mi && x.j >= -mj && x.j <= Double(g.rows - 1) + mj && x.k >= -mk && x.k <= Double(g.frames - 1) + mk) { outside += 1 }
            }
        }
        if outside > 0 {
            throw ContoursError(code: .structure, message: "\(outside) of the structure's \(total) contour points lie outside the images (series \(s.seriesInstanceUID))", file: path, structure: roi.name)
        }
    }

    /// The ROI for a name: exactly as written, else by TG-263 matching (case, punctuation, laterality).
    func roi(matching name: String) -> StructureSet.ROI? {
        if let r = structureSet.roi(named: name) { return r }
        guard let m = StructureMatcher(roiNames: structureSet.rois.map(\.name)).match(structure: name) else { return nil }
        return structureSet.roi(named: m.roi)
    }

    /// Context of new objects written for the same patient, study and frame of reference.
    var context: RTWriter.Context {
        let ds = file.dataSet
        return RTWriter.Context(patientID: ds.string(.patientID) ?? "", patientName: ds.string(.patientName) ?? "",
                                patientSex: ds.string(.patientSex), studyInstanceUID: ds.string(.studyInstanceUID) ?? UIDFactory.make(),
                                frameOfReferenceUID: frameOfReferenceUID ?? UIDFactory.make(), studyDate: ds.string(.studyDate) ?? "",
                                manufacturer: "Anchor")
    }

    /// The contour spacing for a structure drawn on one plane: the structure set's median, else the images'.
    var singlePlaneSpacingMM: Double? { medianContourSpacingMM(structureSet) ?? images?.grid.uniformFrameSpacing }
}

/// Requires all structure sets to share one frame of reference.
func requireCommonFrame(_ sets: [LoadedStructureSet]) throws {
    for s in sets where s.frameOfReferenceUID == nil {
        throw ContoursError(code: .frameOfReference, message: "the structure set names no frame of reference: it cannot be placed against the others", file: s.path)
    }
    let first = sets[0]
    for s in sets.dropFirst() where s.frameOfReferenceUID != first.frameOfReferenceUID {
        throw ContoursError(code: .frameOfReference, message: "frame of reference \(s.frameOfReferenceUID!) differs from \(first.path)'s \(first.frameOfReferenceUID!): contours on different frames of reference cannot be compared (register them first)", file: s.path)
    }
}

/// `anchor contours compare REFERENCE TEST`.
struct ContoursCompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two delineations of the same structures: overlap, surface distances, surface Dice, added path length.",
        discussion: """
        REFERENCE and TEST are RT Structure Set files, or folders holding one (with its images, which \
        are then used to check that every structure lies inside them). Both must be on the same frame \
        of reference. Structures pair up by name: each --structure NAME is looked for in both; without \
        --structure, every reference structure is paired with the test structure of the same name, \
        matched as protocols match (exact, then ignoring case and punctuation, then laterality words in \
        any position: Cochlea_L = L Cochlea). --match REF=TEST pairs two names explicitly (the other \
        structures are still paired by name unless --structure is given).

        Each structure is the solid of the slab convention (every contour plane a slab half-way to its \
        neighbours, the DVH's convention). Volumes and overlaps are exact polygon areas times slab \
        thickness. Surfaces are the solids' exact boundaries (contour edges across their slabs plus the \
        end caps), sampled in patches at most --surface-spacing on a side with area weights; each \
        distance is to the other structure's exact surface, so every surface distance is within \
        spacing/sqrt(2) of its exact value (0.18 mm at the default 0.25 mm).

        --tolerance sets the surface Dice and added path length tolerance: a number for every pair, or \
        NAME=MM for one reference structure (repeatable). hd95_mm is the larger directed area-weighted \
        95th percentile; hd95_pooled_mm the 95th percentile of both directions pooled.

        Exit status: 0 when compared, 65 when an input cannot be read or compared (different frames of \
        reference, an empty structure, a structure outside the images, non-parallel contour planes), \
        66 when a path does not exist.
        """
    )

    @Argument(help: "The reference RT Structure Set (file or case folder).")
    var reference: String

    @Argument(help: "The test RT Structure Set (file or case folder).")
    var test: String

    @Option(name: .customLong("structure"), help: "A structure to compare (repeatable; default: every reference structure).")
    var structures: [String] = []

    @Option(name: .customLong("match"), help: "Pair reference structure REF with test structure TEST: REF=TEST (repeatable).")
    var matches: [String] = []

    @Option(name: .customLong("tolerance"), help: "Surface Dice and APL tolerance, mm: MM, or NAME=MM for one structure (repeatable).")
    var tolerances: [String] = []

    @Option(name: .customLong("surface-spacing"), help: "Largest side of a surface sample patch, mm.")
    var surfaceSpacing: Double = 0.25

    @Flag(help: "Print one JSON document (snake_case keys).")
    var json = false

    @Flag(help: "Print one CSV row per structure pair.")
    var csv = false

    func parsedTolerances() throws -> (global: Double, byName: [String: Double]) {
        var global = 2.0
        var byName: [String: Double] = [:]
        for t in tolerances {
            if let eq = t.lastIndex(of: "=") {
                let name = String(t[..<eq]), value = String(t[t.index(after: eq)...])
                guard !name.isEmpty, let v = Double(value), v >= 0, v.isFinite else { throw ValidationError("--tolerance \(t): expected NAME=MM with MM a number of 0 or more") }
                byName[name] = v
            } else {
                guard let v = Double(t), v >= 0, v.isFinite else { throw ValidationError("--tolerance \(t): expected a number of millimetres (or NAME=MM)") }
                global = v
            }
        }
        return (global, byName)
    }

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv cannot be used together") }
        _ = try parsedTolerances()
        for m in matches where m.split(separator: "=", omittingEmptySubsequences: false).count != 2 || m.hasPrefix("=") || m.hasSuffix("=") {
            throw ValidationError("--match \(m): expected REF=TEST")
        }
        guard surfaceSpacing.isFinite, surfaceSpacing >= 0.01, surfaceSpacing <= 10 else { throw ValidationError("--surface-spacing must be between 0.01 and 10 mm") }
    }

    func run() throws {
        let missing = [reference, test].filter { !FileManager.default.fileExists(atPath: $0) }
        if !missing.isEmpty {
            for p in missing { printError("\(p): no such file or folder") }
            throw ExitCode(ExitStatus.noInput)
        }
        do {
            try compare()
        } catch let e as ContoursError {
            printError("\(e)")
            throw ExitCode(ExitStatus.dataError)
        }
    }

    struct Pair { var reference: StructureSet.ROI; var test: StructureSet.ROI; var via: String }

    func compare() throws {
        let ref = try LoadedStructureSet.load(reference)
        let tst = try LoadedStructureSet.load(test)
        try requireCommonFrame([ref, tst])
        let (globalTolerance, toleranceByName) = try parsedTolerances()

        var pairs: [Pair] = []
        var unmatched: [JSON] = []
        func note(_ name: String, _ side: String, _ reason: String) {
            unmatched.append(.object([("name", .string(name)), ("side", .string(side)), ("reason", .string(reason))]))
        }
        var usedRef = Set<String>(), usedTest = Set<String>()
        for m in matches {
            let parts = m.split(separator: "=", maxSplits: 1).map(String.init)
            guard let r = ref.roi(matching: parts[0]) else { throw ContoursError(code: .structure, message: "no such structure (--match \(m))", file: ref.path, structure: parts[0]) }
            guard let t = tst.roi(matching: parts[1]) else { throw ContoursError(code: .structure, message: "no such structure (--match \(m))", file: tst.path, structure: parts[1]) }
            try ref.check(r); try tst.check(t)
            pairs.append(Pair(reference: r, test: t, via: "--match"))
            usedRef.insert(r.name); usedTest.insert(t.name)
        }
        let testMatcher = StructureMatcher(roiNames: tst.structureSet.rois.map(\.name))
        if !structures.isEmpty {
            for name in structures {
                guard let r = ref.roi(matching: name) else { throw ContoursError(code: .structure, message: "no such structure", file: ref.path, structure: name) }
                guard let t = tst.roi(matching: name) else { throw ContoursError(code: .structure, message: "no such structure", file: tst.path, structure: name) }
                try ref.check(r); try tst.check(t)
                pairs.append(Pair(reference: r, test: t, via: name == t.name ? "exact" : "name matching"))
                usedRef.insert(r.name); usedTest.insert(t.name)
            }
        } else {
            for r in ref.structureSet.rois where !usedRef.contains(r.name) {
                guard r.contours.contains(where: { $0.geometricType != .point && $0.points.count >= 3 }) else {
                    note(r.name, "reference", r.contours.isEmpty ? "empty (no contours)" : "no closed contours")
                    continue
                }
                let available = testMatcher.roiNames.filter { !usedTest.contains($0) }
                guard let m = StructureMatcher(roiNames: available).match(structure: r.name), let t = tst.structureSet.roi(named: m.roi) else {
                    note(r.name, "reference", "no structure of that name in the test")
                    continue
                }
                usedTest.insert(t.name)
                if t.contours.isEmpty { note(t.name, "test", "empty (no contours), so \(r.name) is not compared"); continue }
                try ref.check(r); try tst.check(t)
                pairs.append(Pair(reference: r, test: t, via: m.level == .exact ? "exact" : "name matching"))
            }
        }
        for t in tst.structureSet.rois where structures.isEmpty && !usedTest.contains(t.name) {
            note(t.name, "test", t.contours.isEmpty ? "empty (no contours)" : "no structure of that name in the reference")
        }

        var results: [(Pair, ContourComparison)] = []
        var failures: [String] = []
        let progress = ProgressLine("Comparing structures", enabled: !json && !csv)
        for (n, p) in pairs.enumerated() {
            progress.update(n, pairs.count)
            var o = ContourComparisonOptions()
            o.surfaceSpacingMM = surfaceSpacing
            o.toleranceMM = toleranceByName[p.reference.name] ?? toleranceByName[p.test.name] ?? globalTolerance
            o.geometry.singlePlaneSpacingMM = ref.singlePlaneSpacingMM ?? tst.singlePlaneSpacingMM
            do {
                results.append((p, try ContourComparator.compare(reference: p.reference, test: p.test, options: o)))
            } catch let e as DosimetryError {
                let which = (e.structure == p.test.name && p.test.name != p.reference.name) ? tst.path : ref.path
                failures.append("\(which): structure '\(e.structure ?? p.reference.name)': \(e.message)")
            }
        }
        progress.finish()
        if !failures.isEmpty {
            for f in failures { printError(f) }
            throw ContoursError(code: .structure, message: "\(failures.count) structure pair(s) could not be compared")
        }
        var o = ContourComparisonOptions()
        o.surfaceSpacingMM = surfaceSpacing
        if json {
            let doc = JSON.object([
                ("reference", .string(ref.path)),
                ("test", .string(tst.path)),
                ("method", o.methodJSON),
                ("pairs", .array(results.map { p, c in
                    guard case .object(var kv) = c.json else { return c.json }
                    kv.insert(("matched_by", .string(p.via)), at: 2)
                    return .object(kv)
                })),
                ("unmatched", .array(unmatched)),
            ])
            print(doc.serialized())
        } else if csv {
            print(ContourComparison.csvHeader.joined(separator: ","))
            for (_, c) in results { print(c.csvRow.map(csvField).joined(separator: ",")) }
        } else {
            print("Reference: \(ref.path)\nTest:      \(tst.path)")
            print("Surfaces sampled every \(surfaceSpacing) mm: distances within \(String(format: "%.3f", o.distanceErrorBoundMM)) mm of exact.\n")
            let head = ["structure", "Dice", "Jaccard", "V ref cc", "V test cc", "HD mm", "HD95 mm", "MSD mm", "sDice", "tol mm", "APL mm"]
            var rows: [[String]] = [head]
            for (p, c) in results {
                let name = p.reference.name == p.test.name ? p.reference.name : "\(p.reference.name) / \(p.test.name)"
                rows.append([name, f(c.dice, 4), f(c.jaccard, 4), f(c.volumeReferenceCC, 2), f(c.volumeTestCC, 2), f(c.hausdorffMM, 2),
                             f(c.hd95MM, 2), f(c.msdMM, 2), f(c.surfaceDice, 4), f(c.toleranceMM, 1), f(c.aplMM, 1)])
            }
            let widths = head.indices.map { i in rows.map { $0[i].count }.max()! }
            for r in rows { print(r.enumerated().map { i, s in i == 0 ? s.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - s.count) + s }.joined(separator: "  ")) }
            for u in unmatched {
                if case .object(let kv) = u, case .string(let n) = kv[0].1, case .string(let side) = kv[1].1, case .string(let why) = kv[2].1 {
                    print("unmatched (\(side)): \(n): \(why)")
                }
            }
            for (_, c) in results { for w in c.warnings { print("note: \(w)") } }
        }
    }

    func f(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }
    func csvField(_ s: String) -> String { s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s }
}

/// `anchor contours consensus STRUCTURESET... --structure NAME --out RS.dcm`.
struct ContoursConsensusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consensus",
        abstract: "Build a STAPLE or majority-vote consensus of several raters' delineations of one structure.",
        discussion: """
        Each STRUCTURESET (file or case folder) is one rater's; all must be on the same frame of \
        reference. The structure is found in each by name (exact, then TG-263 matching). Every rater's \
        structure (slab convention) is sampled on one lattice: pixels of --pixel-spacing in every plane \
        any rater drew on, over the box of all contours grown by --margin. STAPLE (Warfield et al. \
        2004) estimates the probability of each voxel and each rater's sensitivity and specificity by \
        expectation-maximisation; majority vote takes the fraction of raters. The consensus is where \
        the probability is above --threshold.

        --out is written as an RT Structure Set on the same frame of reference (and images, when the \
        first input is a case folder holding them) with two ROIs: NAME_STAPLE (or NAME_MAJORITY), the \
        consensus, and NAME_P50, the probability map's 50 % level. Specificities count the voxels of \
        the lattice only, so they depend on --margin.

        Exit status: 0 when written, 65 when an input cannot be read or combined, 66 when a path does \
        not exist, 73 when --out cannot be written.
        """
    )

    @Argument(help: "The raters' RT Structure Sets (files or case folders), two or more.")
    var structureSets: [String]

    @Option(name: .customLong("structure"), help: "The structure to combine.")
    var structure: String

    @Option(name: .customLong("out"), help: "The RT Structure Set to write.")
    var out: String

    @Option(help: "staple or majority.")
    var method: String = "staple"

    @Option(help: "Probability above which a voxel is in the consensus.")
    var threshold: Double = 0.5

    @Option(name: .customLong("pixel-spacing"), help: "Pixel spacing of the rater masks, mm.")
    var pixelSpacing: Double = 0.5

    @Option(help: "Background margin around the contours, mm.")
    var margin: Double = 5

    @Flag(help: "Print one JSON document (snake_case keys).")
    var json = false

    var options: ConsensusOptions {
        var o = ConsensusOptions()
        o.method = ConsensusOptions.Method(rawValue: method.lowercased()) ?? .staple
        o.threshold = threshold
        o.pixelSpacingMM = pixelSpacing
        o.marginMM = margin
        return o
    }

    func validate() throws {
        guard structureSets.count >= 2 else { throw ValidationError("give at least two structure sets (one per rater)") }
        guard ConsensusOptions.Method(rawValue: method.lowercased()) != nil else { throw ValidationError("--method must be staple or majority, not \(method)") }
        do { try options.validate() } catch let e as DosimetryError { throw ValidationError(e.message) }
    }

    func run() throws {
        let missing = structureSets.filter { !FileManager.default.fileExists(atPath: $0) }
        if !missing.isEmpty {
            for p in missing { printError("\(p): no such file or folder") }
            throw ExitCode(ExitStatus.noInput)
        }
        let sets: [LoadedStructureSet]
        var rois: [StructureSet.ROI] = []
        do {
            sets = try structureSets.map(LoadedStructureSet.load)
            try requireCommonFrame(sets)
            for s in sets {
                guard let r = s.roi(matching: structure) else { throw ContoursError(code: .structure, message: "no such structure", file: s.path, structure: structure) }
                try s.check(r)
                rois.append(r)
            }
        } catch let e as ContoursError {
            printError("\(e)")
            throw ExitCode(ExitStatus.dataError)
        }
        var o = options
        o.geometry.singlePlaneSpacingMM = sets.lazy.compactMap(\.singlePlaneSpacingMM).first
        let progress = ProgressLine("Consensus of \(rois.count) raters", enabled: !json)
        progress.update(0, 1)
        let result: ConsensusResult
        do {
            result = try ContourConsensus.compute(raters: rois, options: o)
        } catch let e as DosimetryError {
            progress.finish()
            let idx = rois.firstIndex { $0.name == e.structure } ?? 0
            printError("\(sets[idx].path): structure '\(e.structure ?? structure)': \(e.message)")
            throw ExitCode(ExitStatus.dataError)
        }
        progress.finish()
        let first = sets[0]
        let suffix = o.method == .staple ? "STAPLE" : "MAJORITY"
        let base = String(structure.prefix(56))
        let consensusName = "\(base)_\(suffix)", halfName = "\(base)_P50"
        let forUID = first.frameOfReferenceUID
        var rs = StructureSet(sopInstanceUID: UIDFactory.make(), label: "CONSENSUS", frameOfReferenceUID: forUID,
                              referencedSeriesUIDs: first.structureSet.referencedSeriesUIDs, rois: [
                                StructureSet.ROI(number: 1, name: consensusName, frameOfReferenceUID: forUID, generationAlgorithm: "AUTOMATIC",
                                                 color: rois[0].color, interpretedType: rois[0].interpretedType, contours: result.consensus),
                                StructureSet.ROI(number: 2, name: halfName, frameOfReferenceUID: forUID, generationAlgorithm: "AUTOMATIC",
                                                 color: (r: 255, g: 255, b: 0), interpretedType: rois[0].interpretedType, contours: result.halfLevel),
                              ])
        rs.name = "\(o.method == .staple ? "STAPLE" : "Majority vote") consensus of \(structure)"
        var file = RTWriter.structureSetFile(rs, context: first.context, referencedSeries: first.images)
        file.dataSet.set(Tag(0x0008_103E), .LO, "\(suffix) consensus of \(rois.count) raters")   // Series Description
        do { try DICOMWriter.write(file, to: out) } catch {
            printError("\(out): \(error)")
            throw ExitCode(73) // EX_CANTCREAT (sysexits.h)
        }
        if json {
            var doc: [(String, JSON)] = [
                ("structure", .string(structure)),
                ("method", .string(o.method.rawValue)),
                ("threshold", .number(o.threshold)),
                ("out", .string(out)),
                ("raters", .array(zip(sets, result.raters).map { s, r in
                    .object([("file", .string(s.path)), ("roi_name", .string(r.name)), ("sensitivity", .number(r.sensitivity)),
                             ("specificity", .number(r.specificity)), ("volume_cc", .number(r.maskVolumeCC))])
                })),
                ("consensus", .object([("roi_name", .string(consensusName)), ("volume_cc", .number(result.consensusVolumeCC)), ("contours", .int(result.consensus.count))])),
                ("p50", .object([("roi_name", .string(halfName)), ("volume_cc", .number(result.halfLevelVolumeCC)), ("contours", .int(result.halfLevel.count))])),
            ]
            if let p = result.prior, let i = result.iterations, let c = result.converged {
                doc.append(("staple", .object([("prior", .number(p)), ("iterations", .int(i)), ("converged", .bool(c))])))
            }
            doc.append(("lattice", .object([("pixel_spacing_mm", .number(result.pixelSpacingMM)), ("margin_mm", .number(o.marginMM)),
                                            ("columns", .int(result.lattice.columns)), ("rows", .int(result.lattice.rows)), ("planes", .int(result.lattice.planes))])))
            print(JSON.object(doc).serialized())
        } else {
            print("\(suffix) consensus of \(structure) from \(rois.count) raters written to \(out)")
            print("  \(consensusName): \(String(format: "%.3f", result.consensusVolumeCC)) cc; \(halfName): \(String(format: "%.3f", result.halfLevelVolumeCC)) cc")
            for (s, r) in zip(sets, result.raters) {
                print("  \(s.path) (\(r.name)): sensitivity \(String(format: "%.4f", r.sensitivity)), specificity \(String(format: "%.4f", r.specificity)), \(String(format: "%.3f", r.maskVolumeCC)) cc")
            }
            if let c = result.converged, !c { print("  note: STAPLE stopped after \(result.iterations ?? 0) iterations without converging") }
        }
    }
}
