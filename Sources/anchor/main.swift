import AnchorCLI

await AnchorCommand.main()
