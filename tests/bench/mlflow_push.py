"""Benchmark: Flowbook's sync (`flowbook push`) against MLflow's Python client, both
logging the same runs to the same fresh MLflow server.

    python tests/bench/mlflow_push.py [--flowbook target/release/flowbook] [--runs 100] [--rounds 5]

Each run: 10 params, 5 metrics × 50 steps, a description, two small artifacts.
Starts its own server (sqlite store, proxied artifacts) and stops it at the end.
The two sides alternate for several rounds (Flowbook first in odd rounds, Python first in
even ones), each round into fresh experiments, so a slow moment of a shared machine hits
both; the figure is the median time of each side and their ratio, with every round shown.
Also counts the HTTP requests each side sends (from the server's access log): unlike the
times, those counts do not depend on how busy the machine is.
"""

import argparse
import contextlib
import io
import json
import statistics
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_run(i, now_ms):
    params = {f"p{k}": f"value-{i}-{k}" for k in range(10)}
    metrics = [
        {"key": f"m{k}", "value": (i + 1) * 0.001 * step + k, "timestamp_ms": now_ms + step, "step": step}
        for k in range(5)
        for step in range(50)
    ]
    artifacts = [
        {"path": "notes.txt", "bytes": list(f"run {i}\n".encode() * 64)},
        {"path": "data/weights.bin", "bytes": list(bytes(range(256)) * 16)},
    ]
    return {
        "format_version": 1, "client_id": f"bench-{i:04d}", "name": f"bench-{i}", "experiment": "bench",
        "start_time_ms": now_ms, "end_time_ms": now_ms + 1000, "status": "finished", "params": params,
        "metrics": metrics, "tags": {"bench": "yes"}, "description": f"benchmark run {i}",
        "inputs": [], "artifacts": artifacts,
    }


def python_client_push(uri, experiment, runs, tmp):
    client = MlflowClient(uri)
    exp_id = client.create_experiment(experiment)
    started = time.perf_counter()
    for run in runs:
        created = client.create_run(exp_id, run_name=run["name"], start_time=run["start_time_ms"],
                                    tags={"client_id": run["client_id"]})
        run_id = created.info.run_id
        client.log_batch(
            run_id,
            metrics=[Metric(m["key"], m["value"], m["timestamp_ms"], m["step"]) for m in run["metrics"]],
            params=[Param(k, v) for k, v in run["params"].items()],
            tags=[RunTag(k, v) for k, v in run["tags"].items()] + [RunTag("mlflow.note.content", run["description"])],
        )
        for artifact in run["artifacts"]:
            directory, _, name = artifact["path"].rpartition("/")
            local = os.path.join(tmp, name)
            with open(local, "wb") as f:
                f.write(bytes(artifact["bytes"]))
            client.log_artifact(run_id, local, directory or None)
        client.set_terminated(run_id, "FINISHED", end_time=run["end_time_ms"])
    return time.perf_counter() - started


def quiet_python_push(uri, experiment, runs, tmp):
    """The client prints a "View run" line per run; kept out of the report."""
    with contextlib.redirect_stdout(io.StringIO()):
        return python_client_push(uri, experiment, runs, tmp)


def count_requests(log_path):
    """Requests the server has answered so far: one access-log line each."""
    with open(log_path, errors="replace") as f:
        return sum(1 for line in f if '"' in line and " HTTP/1.1\" " in line)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--flowbook", default="target/release/flowbook")
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
    with tempfile.TemporaryDirectory() as tmp:
        log_path = os.path.join(tmp, "server.log")
        port = free_port()
        uri = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [mlflow_bin, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
             "--backend-store-uri", f"sqlite:///{tmp}/mlflow.db", "--artifacts-destination", f"{tmp}/artifacts"],
            stdout=open(log_path, "w"), stderr=subprocess.STDOUT, start_new_session=True)
        try:
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{uri}/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.2)
            now_ms = int(time.time() * 1000)
            runs = [make_run(i, now_ms) for i in range(a.runs)]
            files = []
            for i, run in enumerate(runs):
                files.append(os.path.join(tmp, f"run-{i:04d}.json"))
                with open(files[-1], "w") as f:
                    json.dump(run, f)
            def flowbook_push(experiment, paths):
                started = time.perf_counter()
                subprocess.run([a.flowbook, "push", "--mlflow-uri", uri, "--experiment", experiment, *paths],
                               check=True, stdout=subprocess.DEVNULL)
                return time.perf_counter() - started

            # Warm both paths up (server imports, database pages) before timing.
            flowbook_push("warm-up-flowbook", files[:5])
            quiet_python_push(uri, "warm-up-python", runs[:5], tmp)
            # The access log is written as requests finish: wait for it to settle.
            def settled_count():
                time.sleep(0.5)
                return count_requests(log_path)
            flowbook_times, python_times, flowbook_requests, python_requests = [], [], [], []
            for round_no in range(1, a.rounds + 1):
                sides = [("flowbook", lambda: flowbook_push(f"bench-flowbook-{round_no}", files)),
                         ("python", lambda: quiet_python_push(uri, f"bench-python-{round_no}", runs, tmp))]
                if round_no % 2 == 0:
                    sides.reverse()
                for side, push in sides:
                    before = settled_count()
                    seconds = push()
                    requests = settled_count() - before
                    (flowbook_times if side == "flowbook" else python_times).append(seconds)
                    (flowbook_requests if side == "flowbook" else python_requests).append(requests)
                print(f"round {round_no}: flowbook {flowbook_times[-1]:6.2f} s, python {python_times[-1]:6.2f} s,"
                      f" ratio {flowbook_times[-1] / python_times[-1]:.2f}", flush=True)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    flowbook_s, python_s = statistics.median(flowbook_times), statistics.median(python_times)
    print(f"{a.runs} runs (10 params, 5 metrics x 50 steps, 2 artifacts each) to MLflow at {uri},"
          f" {a.rounds} alternating rounds; medians:")
    print(f"flowbook push:        {flowbook_s:7.2f} s  ({1000 * flowbook_s / a.runs:6.1f} ms/run)")
    print(f"MLflow Python client: {python_s:7.2f} s  ({1000 * python_s / a.runs:6.1f} ms/run)")
    print(f"ratio flowbook/python: {flowbook_s / python_s:.2f} (median of the rounds' ratios:"
          f" {statistics.median(f / p for f, p in zip(flowbook_times, python_times)):.2f};"
          f" Flowbook faster in {sum(f < p for f, p in zip(flowbook_times, python_times))} of {a.rounds} rounds)")
    flowbook_n, python_n = statistics.median(flowbook_requests), statistics.median(python_requests)
    print(f"requests: flowbook {flowbook_n:.0f} ({flowbook_n / a.runs:.2f}/run, including its connection"
          f" check and experiment lookup), python {python_n:.0f} ({python_n / a.runs:.2f}/run)")

if __name__ == "__main__":
    main()
