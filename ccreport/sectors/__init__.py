"""Sector packs for the guided `ccreport init`: one YAML file per sector (see ccreport/strategy/skeleton.py)."""
