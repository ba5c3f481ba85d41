"""Award letters: a frozen, primitives-only context in, PDF bytes out.

`context` (the snapshot), `fetcher` (what a letter may load) and `render` (the
long-lived renderer). Nothing here touches the database or the request.
"""
