"""Personal data that leaves when its job is done.

* `registry`: every purgeable kind of personal data, each counting and purging itself
  for a set of delegates (a meeting's, or one delegate's); a feature that keeps more
  personal data (receipts' images, a person across meetings) registers its own.
* `retention`: the scheduled purge RETENTION_DAYS after each meeting, and its dry run.
* `erasure`: one delegate's data purged early, on request, with the same guarantees.
* `subject`: everything held about one delegate, for an export (JSON or PDF).
* `views`, `cli`: the administrators' pages and `flask retention run [--dry-run]`.

What stays after a purge and why is in docs/privacy.md.
"""
