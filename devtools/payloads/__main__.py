"""`python -m devtools.payloads [TEXT]`: print one text-message delivery (`deliveries.main`)."""

import sys

from devtools.payloads.deliveries import main

main(sys.argv[1:])
