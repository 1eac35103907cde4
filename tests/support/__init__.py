"""Fakes and fixtures shared by several test modules (never import a test module)."""
