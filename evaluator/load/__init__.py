"""Stage 1, loading: strict YAML and JSON (positions kept), JSON Schema validation, and the Problem type every stage reports with."""
