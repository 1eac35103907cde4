"""Marketing's campaign pages: campaigns and their funnel snapshots (forms), and the
friction the funnels propose (confirm with links to items, or dismiss)."""
