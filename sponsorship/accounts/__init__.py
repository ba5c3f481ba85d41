"""Accounts: users, invitations, signing in and out."""
