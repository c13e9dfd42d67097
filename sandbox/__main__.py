"""`python -m sandbox [--host H] [--port P] [--threads N]`: migrate, seed if empty, serve (see serve.py)."""

from sandbox.serve import main

main()
