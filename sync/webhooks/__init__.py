"""Webhook delivery: a second subscription to the outbox beside the index projection. See docs/webhooks.md."""
