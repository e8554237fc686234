"""The benchmark's quick mode, end to end: it proves the suite runs and reports every scenario, not how fast
anything is (benchmarks are not tests; nothing here asserts a timing)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import default_scenarios
from devstack.elasticsearch_cluster import ElasticsearchCluster

pytestmark = [pytest.mark.e2e, pytest.mark.elasticsearch]

QUICK = ["--quick", "--products", "400", "--seconds", "0.2", "--repetitions", "1", "--disorder-events", "400"]


def test_quick_mode_reports_a_ratio_for_every_scenario(elasticsearch_url: str, tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    command = [sys.executable, "-m", "bench", *QUICK, "--elasticsearch-url", elasticsearch_url, "--out", str(out)]
    # A bound against a hang, not a timing: nine scenarios, some starting `catalog serve`, on two shared cores.
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)

    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["skipped"] == [], results["details"].get("tracebacks")
    reported = {row["scenario"] for row in results["rows"]}
    run_by_default = default_scenarios(postgres=False)  # sync_workers needs --postgres
    assert reported == set(run_by_default)
    for scenario in run_by_default:
        ratios = [row["ratio"] for row in results["rows"] if row["scenario"] == scenario]
        assert any(ratio is not None for ratio in ratios), f"{scenario} reported no ratio"
    assert "catalog benchmark" in finished.stdout


@pytest.mark.cluster
def test_quick_mode_runs_on_a_cluster_with_a_replica_of_each_shard(
    elasticsearch_cluster: ElasticsearchCluster, tmp_path: Path
) -> None:
    out = tmp_path / "results.json"
    scenarios = ["read", "sync", "rebuild"]
    command = [sys.executable, "-m", "bench", *QUICK, "--scenarios", ",".join(scenarios), "--out", str(out)]
    command += ["--elasticsearch-url", elasticsearch_cluster.url]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)

    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    results = json.loads(out.read_text())
    assert results["skipped"] == [], results["details"].get("tracebacks")
    assert (results["settings"]["elasticsearch_nodes"], results["settings"]["replicas"]) == (3, 1)
    for scenario in scenarios:
        ratios = [row["ratio"] for row in results["rows"] if row["scenario"] == scenario]
        assert any(ratio is not None for ratio in ratios), f"{scenario} reported no ratio"
    assert "3 Elasticsearch nodes, 1 replica(s)" in finished.stdout


def test_the_ab_comparison_runs_both_revisions_and_prints_their_ratio(elasticsearch_url: str) -> None:
    command = [sys.executable, "-m", "bench.ab", "--rounds", "2", "--burst", "40", "--concurrency", "4"]
    command += ["--elasticsearch-url", elasticsearch_url]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)

    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    lines = finished.stdout.splitlines()
    assert [line.split()[0] for line in lines[:2]] == ["base", "work"]
    assert all(line.count("median") == 1 and "ms CPU per command" in line for line in lines[:2])
    assert lines[2].startswith("work / base: ")


def test_the_ab_comparison_of_bulk_requests_counts_rows(elasticsearch_url: str) -> None:
    command = [sys.executable, "-m", "bench.ab", "--rounds", "1", "--burst", "3", "--concurrency", "1", "--bulk", "20"]
    command += ["--elasticsearch-url", elasticsearch_url]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)

    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    lines = finished.stdout.splitlines()
    assert all("bulkCreateProducts rows/s" in line and "ms CPU per row" in line for line in lines[:2])
    assert lines[2].startswith("work / base: ")
    assert "of the rows/s" in lines[2]
