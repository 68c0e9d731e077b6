from ddsketch.ddsketch import DDSketch  # noqa: F401
