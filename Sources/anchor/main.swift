import AnchorCLI

await AnchorCommand.runAsync()
