"""Stage 4, the cases: case files (facts checked and normalised before any ruling) and roster CSV files."""
