"""Marketing's web pages: submitting evidence and importing files of it."""
