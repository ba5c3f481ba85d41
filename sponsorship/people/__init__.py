"""People: one person across the participations (delegates) that name them."""
