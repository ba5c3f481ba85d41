"""The programme's reference data: States, meetings with their sessions, windows and rates."""
