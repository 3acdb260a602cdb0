"""Switchyard differential driver: real servers vs the reference, and conformance reports."""
