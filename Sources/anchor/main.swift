import AnchorCLI
#if canImport(AnchorPlatformCLI)
import AnchorPlatformCLI
PlatformCommands.register()
#endif

await AnchorCommand.runAsync()
