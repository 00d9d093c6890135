"""Stage 7, rendering: rulings and problems as text, JSON, markdown and HTML documents. Nothing here rules or reads files."""
