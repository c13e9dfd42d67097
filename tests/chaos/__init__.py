"""Fault injection on real parts (issue 21): real Redis processes stopped and started, the sandbox ledger's
faults over real HTTP, members talking through the signed webhook. Each case is bounded in time."""
