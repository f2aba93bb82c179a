/// SOP Class UIDs Anchor handles (PS3.4 Annex B.5, PS3.6 Annex A).
public enum SOPClass {
    public static let ctImage = "1.2.840.10008.5.1.4.1.1.2"
    public static let enhancedCTImage = "1.2.840.10008.5.1.4.1.1.2.1"
    public static let mrImage = "1.2.840.10008.5.1.4.1.1.4"
    public static let petImage = "1.2.840.10008.5.1.4.1.1.128"
    public static let rtImage = "1.2.840.10008.5.1.4.1.1.481.1"
    public static let rtDose = "1.2.840.10008.5.1.4.1.1.481.2"
    public static let rtStructureSet = "1.2.840.10008.5.1.4.1.1.481.3"
    public static let rtPlan = "1.2.840.10008.5.1.4.1.1.481.5"
    public static let rtIonPlan = "1.2.840.10008.5.1.4.1.1.481.8"
}
