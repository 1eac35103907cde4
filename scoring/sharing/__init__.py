"""Read-only share links of the roadmap view (scoring.models.RoadmapShareLink)."""
