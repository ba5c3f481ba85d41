"""What every feature stands on: domain errors, the audit trail, status transitions, backup."""
