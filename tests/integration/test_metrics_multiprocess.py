"""Multiprocess metrics: counts made in separate processes (as Gunicorn workers and run_worker are) all reach
one scrape through PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode, security/metrics.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); "
COUNT = SETUP + "from security import metrics; metrics.WEBHOOK_DELIVERIES.labels(result='accepted').inc(3)"
SCRAPE = SETUP + "from bot.metrics_view import _process_metrics; print(_process_metrics().decode())"


def run(code: str, directory: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    command = [sys.executable, "-c", code]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout


def test_counts_from_two_processes_add_up_in_a_third_processs_scrape(tmp_path):
    run(COUNT, tmp_path)
    run(COUNT, tmp_path)

    scraped = run(SCRAPE, tmp_path)

    assert 'vimbiso_webhook_deliveries_total{result="accepted"} 6.0' in scraped
