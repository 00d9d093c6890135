"""The HTTP API (policy serve): FastAPI over the Python API, with its OpenAPI document."""
