"""Security primitives: signatures, production guard, redaction and (later) limits, audit and alerts."""
