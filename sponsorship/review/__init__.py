"""The review: scoring and ranking, pricing, decisions on delegates, and what follows the offer."""
