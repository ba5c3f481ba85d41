"""Bringing a programme's past years in from a workbook (the history import).

`template` defines the workbook (its sheets and columns, and the documented template
an administrator downloads), `reader` turns an uploaded workbook into checked rows,
`importer` writes them through the same services and ledger as live work, all or
nothing, and `export` writes existing data (the scale generator's) to the template.
"""
