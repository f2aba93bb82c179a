// AnchorQA: protocols and their grading. The protocol YAML format (`ProtocolParser`,
// `TreatmentProtocol`), the library under Resources/Protocols (`ProtocolLibrary`), TG-263 structure
// matching (`StructureMatcher`), grading (`ProtocolEvaluator`, `CaseGrading`, `CaseQA`) and the
// report (`QAReport`: text, JSON, HTML with an inline SVG DVH). See AnchorQA.docc.
import AnchorDosimetry
