"""What every feature stands on: domain errors, the stamped cache, audit, status
transitions, backup."""
