"""The applicant's journey: applications with their delegates and note, offers answered, reports."""
