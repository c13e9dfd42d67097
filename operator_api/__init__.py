"""The operator API (`/api/`): JWT-authenticated staff endpoints for health, breaker, audit and GDPR."""
