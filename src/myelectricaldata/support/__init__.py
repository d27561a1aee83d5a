"""Policies shared by every layer: retries with backoff, redaction of secrets.

Nothing here knows about the gateway, the store or a destination; each caller classifies its
own failures and hands them to the one retry loop, and masks its own secrets with the one
redactor.
"""
