"""Stage 8, the command line: every `policy` subcommand. Parses arguments, calls the stages below, prints, sets the exit code."""
