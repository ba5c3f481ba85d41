"""Demo and scale data for development and the benches; no feature imports this package."""
