import ArgumentParser

LibraryCommand.main()
