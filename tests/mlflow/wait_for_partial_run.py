"""Watches an MLflow server's SQLite store for the run a Flowbook push is creating.

    python wait_for_partial_run.py DB CLIENT_ID [--timeout S]   # wait: run exists, metrics stored, not finished
    python wait_for_partial_run.py DB CLIENT_ID --expect-unfinished   # check once: run is still RUNNING

Reads the database directly (read-only) so that the test can kill the server at a known
point of the push. Prints what it saw; exits 1 when the condition is not met.
"""

import argparse
import sqlite3
import sys
import time


def state(db, client_id):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = con.execute(
            "SELECT r.run_uuid, r.status FROM runs r JOIN tags t ON t.run_uuid = r.run_uuid "
            "WHERE t.key = 'flowbook.client_id' AND t.value = ?",
            (client_id,),
        ).fetchall()
        if not row:
            return None
        run_id, status = row[0]
        metrics = con.execute("SELECT COUNT(*) FROM metrics WHERE run_uuid = ?", (run_id,)).fetchone()[0]
        return {"runs": len(row), "run_id": run_id, "status": status, "metric_points": metrics}
    finally:
        con.close()


def describe(s):
    return f"{s['runs']} run(s), status {s['status']}, {s['metric_points']} metric points stored"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("db")
    p.add_argument("client_id")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--expect-unfinished", action="store_true")
    a = p.parse_args()
    if a.expect_unfinished:
        s = state(a.db, a.client_id)
        if s is None or s["status"] == "FINISHED":
            print(f"run state: {s}")
            sys.exit(1)
        print(describe(s))
        return
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline:
        try:
            s = state(a.db, a.client_id)
        except sqlite3.OperationalError:  # locked or not created yet
            s = None
        if s and s["metric_points"] > 0 and s["status"] != "FINISHED":
            print(describe(s))
            return
        if s and s["status"] == "FINISHED":
            print(f"too late: {describe(s)}")
            sys.exit(1)
        time.sleep(0.05)
    print("timed out")
    sys.exit(1)


if __name__ == "__main__":
    main()
