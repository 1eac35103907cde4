"""Closing the loop after a launch: the results a launch plan expects (and the verdict
once outcomes are measured), and the notifications sent to whoever brought the evidence
when an item ships."""
