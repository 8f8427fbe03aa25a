// Helpers for tests that start servers of their own (MLflow, Trunk): free ports, waiting
// for an answer, and starting or stopping a real `mlflow server`.

import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A loopback port with nothing listening on it (yet). */
export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** Waits until `url` answers 2xx; fails early when `child` (the server) has exited. */
export async function waitForOk(url, ms, child) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`${url}: the server process exited (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within ${ms} ms`);
}

/** `mlflow server` from `venv` on 127.0.0.1:`port`: SQLite store and proxied artifacts in
 * `store`, and its log in `store`/server.log for a failing test to point at. */
export function startMlflow(venv, port, store, { backendUri = `sqlite:///${store}/mlflow.db`, workers = 1 } = {}) {
  const log = openSync(join(store, 'server.log'), 'a');
  const child = spawn(
    join(venv, 'bin', 'mlflow'),
    ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', String(workers),
      '--backend-store-uri', backendUri, '--artifacts-destination', `${store}/artifacts`],
    { stdio: ['ignore', log, log], detached: true, env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true' } },
  );
  closeSync(log);
  return child;
}

/** Stops a server started with `detached: true`, with everything it started. */
export function stopGroup(child) {
  if (!child) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
