"""Rules the mutation run (tests/mutation) found unguarded; filled in below."""
