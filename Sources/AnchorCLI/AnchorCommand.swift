public struct AnchorCommand { public static func main() {} }
