"""The money: the fund ledger, donors and contributions, the fund's overview."""
