import AnchorCLI
AnchorCommand.main()
