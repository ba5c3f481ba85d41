"""The slate: an optimal, explainable proposal of whom to sponsor at a meeting, which the
Donors' Group approves before it is offered.

`problem` (the data, pure), `fitting` (the ledger's own rules run in memory: rank order
and the offer plan), `model` (the mixed-integer program), `explain` (reasons in words),
`inputs` (a meeting's candidates and money read from the database), `approval` (the
Donors' Group and the offers), `views` and `donor_views` (the pages).
"""
