"""Letters: the frozen context, the pure renderer and its fetcher, issuing and verifying."""
