"""The committee board: server-rendered pages for the monthly product-marketing committee.

The live ranking next to the latest published one, why each item scores what it does,
what still needs an estimate, and publishing. Reads go through scoring.selectors, the
one write (publishing) through scoring.services.
"""
