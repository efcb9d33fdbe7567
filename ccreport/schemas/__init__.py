"""JSON Schemas of the metrics JSON (build.py builds them; the .json files are shipped)."""
