"""“My evidence”: what became of the reports and signals a user submitted. In scoring,
since it reads live positions and score contributions."""
