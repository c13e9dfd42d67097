"""Fault injection on a running instance in queue mode: real worker processes, real Redis killed and
restarted, the database locked or made read-only, replies to the local fake Graph API. Each case is bounded
in time and uses the run's free ports."""
