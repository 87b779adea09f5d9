"""The self-contained HTML report: dataset, quality, baselines, review and provenance."""
