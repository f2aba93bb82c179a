import AnchorDICOM

/// The UIDs that the upper layer and DIMSE name (PS3.6 Annex A, PS3.4 B.5, PS3.7 Annex A).
public enum DICOMUID {
    /// DICOM Application Context Name (PS3.7 A.2.1): the only one the standard defines.
    public static let applicationContext = "1.2.840.10008.3.1.1.1"
    /// Verification SOP Class (PS3.4 A.4, used by C-ECHO).
    public static let verification = "1.2.840.10008.1.1"
}

/// The storage SOP classes Anchor's SCP accepts and its SCU proposes (PS3.4 B.5, Table B.5-1): the
/// objects of a radiotherapy case.
public enum StorageSOPClass {
    public static let ctImage = "1.2.840.10008.5.1.4.1.1.2"
    public static let mrImage = "1.2.840.10008.5.1.4.1.1.4"
    public static let petImage = "1.2.840.10008.5.1.4.1.1.128"
    public static let rtImage = "1.2.840.10008.5.1.4.1.1.481.1"
    public static let rtDose = "1.2.840.10008.5.1.4.1.1.481.2"
    public static let rtStructureSet = "1.2.840.10008.5.1.4.1.1.481.3"
    public static let rtPlan = "1.2.840.10008.5.1.4.1.1.481.5"
    public static let rtIonPlan = "1.2.840.10008.5.1.4.1.1.481.8"
    public static let spatialRegistration = "1.2.840.10008.5.1.4.1.1.66.1"
    public static let deformableSpatialRegistration = "1.2.840.10008.5.1.4.1.1.66.3"

    /// Every class above, in that order.
    public static let radiotherapy: [String] = [
        ctImage, mrImage, petImage, rtImage, rtDose, rtStructureSet, rtPlan, rtIonPlan,
        spatialRegistration, deformableSpatialRegistration,
    ]
}

/// Transfer syntaxes as the network names them (PS3.5 Annex A, PS3.6 Annex A).
public enum NetworkTransferSyntax {
    public static let implicitVRLittleEndian = TransferSyntax.implicitVRLittleEndian.uid
    public static let explicitVRLittleEndian = TransferSyntax.explicitVRLittleEndian.uid
    public static let deflatedExplicitVRLittleEndian = TransferSyntax.deflatedExplicitVRLittleEndian.uid
    public static let explicitVRBigEndian = TransferSyntax.explicitVRBigEndian.uid

    /// Uncompressed little endian syntaxes: every SCP must accept implicit VR LE (PS3.5 10.1).
    public static let uncompressed: [String] = [explicitVRLittleEndian, implicitVRLittleEndian]

    /// Syntaxes the SCP stores as they arrive, without decoding: deflate, big endian (retired) and the
    /// encapsulated pixel syntaxes that AnchorDICOM reads as explicit VR little endian with fragments
    /// (PS3.5 A.4): RLE, JPEG baseline, extended and lossless, JPEG-LS, JPEG 2000 and HTJ2K.
    public static let storedAsIs: [String] = [
        deflatedExplicitVRLittleEndian, explicitVRBigEndian,
        "1.2.840.10008.1.2.5",     // RLE Lossless
        "1.2.840.10008.1.2.4.50",  // JPEG Baseline (Process 1)
        "1.2.840.10008.1.2.4.51",  // JPEG Extended (Process 2 & 4)
        "1.2.840.10008.1.2.4.57",  // JPEG Lossless, Non-Hierarchical (Process 14)
        "1.2.840.10008.1.2.4.70",  // JPEG Lossless, First-Order Prediction (Process 14, SV1)
        "1.2.840.10008.1.2.4.80",  // JPEG-LS Lossless
        "1.2.840.10008.1.2.4.81",  // JPEG-LS Near-Lossless
        "1.2.840.10008.1.2.4.90",  // JPEG 2000 Lossless Only
        "1.2.840.10008.1.2.4.91",  // JPEG 2000
        "1.2.840.10008.1.2.4.201", // High-Throughput JPEG 2000 Lossless Only
        "1.2.840.10008.1.2.4.202", // High-Throughput JPEG 2000 with RPCL Lossless Only
        "1.2.840.10008.1.2.4.203", // High-Throughput JPEG 2000
    ]
}
