// A workshop's load on one MLflow server, as a room of students makes it: 30 command-line
// clients train and push at once, each twice (as a retry after a lost answer would), each
// registering a version of one shared model, while 10 browser pages push the runs of the
// default notebook, run beforehand (two trainings: OLS and the trees; a page cannot push
// twice: once its runs are synced, the button says there is nothing to push). Run against a server on SQLite and one on PostgreSQL (Debian's, started here on a
// private data folder and port, with the pinned psycopg2-binary in the venv). Nothing may
// fail, nothing be lost, nothing duplicated: checked with MLflow's Python client. Prints
// each backend's wall time.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openPanel, REPO, runAll, SHARED_DATA } from '../app_page.mjs';
import { launchBrowser } from '../browser.mjs';
import { freePort, startMlflow, stopGroup, waitForOk } from '../servers.mjs';

const BASE_URL = process.env.FLOWBOOK_URL;
const VENV = process.env.FLOWBOOK_VENV || join(homedir(), '.cache', 'flowbook', 'venv');
const TARGET = process.env.CARGO_TARGET_DIR || resolve(REPO, 'target');
const FLOWBOOK = join(TARGET, 'debug', 'flowbook');
const CLIENTS = Number(process.env.FLOWBOOK_WORKSHOP_CLIENTS || 30);
const PAGES = Number(process.env.FLOWBOOK_WORKSHOP_PAGES || 10);
const MODEL = 'workshop-taxi-duration';
const LONG = { timeout: 600_000 };
const TRAIN = join(SHARED_DATA, 'green_tripdata_2021-01.parquet');
const VALIDATION = join(SHARED_DATA, 'green_tripdata_2021-02.parquet');

const quietEnv = { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true' };

/** Runs a command to its end; resolves to its exit code and what it wrote. */
function run(command, args, env = process.env) {
  return new Promise((done) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => done({ code, out, err }));
  });
}

async function startMlflowOn(backendUri, store) {
  const port = await freePort();
  const child = startMlflow(VENV, port, store, { backendUri, workers: 2 });
  return { child, uri: `http://127.0.0.1:${port}` };
}

/** Debian's PostgreSQL on a data folder and port of its own, trusting local connections. */
async function startPostgres() {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  assert.ok(versions.length, "Debian's postgresql is missing: run bash scripts/setup.sh");
  const bin = join('/usr/lib/postgresql', versions.at(-1), 'bin');
  const folder = mkdtempSync(join(tmpdir(), 'flowbook-postgres-'));
  // PostgreSQL refuses to run as root: as root, it runs as the postgres user.
  const asRoot = process.getuid?.() === 0;
  const as = (command, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args]);
  if (asRoot) {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres']).toString());
    chownSync(folder, id('-u'), id('-g'));
  }
  const data = join(folder, 'data');
  execFileSync(...as(join(bin, 'initdb'), ['-D', data, '--auth=trust', '-U', 'postgres', '-E', 'UTF8']), { stdio: 'ignore' });
  const port = await freePort();
  const child = spawn(
    ...as(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', folder, '-c', 'listen_addresses=127.0.0.1']),
    { stdio: 'ignore', detached: true },
  );
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await run(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]);
    if (ready.code === 0) break;
    if (Date.now() > deadline) throw new Error('PostgreSQL did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  execFileSync(join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'mlflow']);
  // The driver is named: SQLAlchemy 2.1 picks psycopg 3 for a bare postgresql://, and the
  // venv pins psycopg2-binary.
  return { child, uri: `postgresql+psycopg2://postgres@127.0.0.1:${port}/mlflow`, folder };
}

/** One student at the command line: trains and pushes, then pushes the same run again. */
async function cliStudent(uri, experiment, id) {
  const args = ['train', '--train', TRAIN, '--val', VALIDATION, '--json', '--mlflow-uri', uri,
    '--experiment', experiment, '--register-model', MODEL, '--client-id', id];
  const outcomes = [];
  for (let attempt = 0; attempt < 2; attempt += 1) outcomes.push(await run(FLOWBOOK, args));
  return outcomes;
}

/**
 * One student in the browser: runs the default notebook (an OLS run and a trees run). In a
 * room each student trains on their own machine; here every page shares the server's two
 * cores, so the pages are ready before the room pushes and their training does not starve
 * the server during the push. The same pages push to each backend's server.
 */
async function browserStudent(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(BASE_URL, { waitUntil: 'load' });
  await runAll(page, LONG.timeout);
  await page.getByTestId('run-row').nth(1).waitFor({ ...LONG, state: 'attached' });
  const clientIds = await page.getByTestId('run-row').evaluateAll((rows) => rows.map((r) => r.dataset.clientId));
  return { page, clientIds, errors };
}

/** The student pushes their runs to `uri`, and then finds nothing left to push (the button
 * disabled, naming 0 runs). */
async function browserPush(student, uri, experiment) {
  const { page } = student;
  await openPanel(page, 'mlflow');
  await page.getByTestId('mlflow-url').fill(uri);
  await page.getByTestId('mlflow-experiment').fill(experiment);
  const push = page.getByTestId('mlflow-push');
  await push.click();
  // This push's outcome: its "done" names the experiment (an earlier push's named another).
  const status = page
    .locator('[data-testid="mlflow-status"][data-state="done"]', { hasText: experiment })
    .or(page.locator('[data-testid="mlflow-status"][data-state="failed"]'));
  await status.waitFor(LONG);
  const statuses = [`${await status.getAttribute('data-state')}: ${await status.textContent()}`];
  const synced = await page.locator('[data-testid="sync-state"][data-state="synced"]').count();
  const afterPush = { label: (await push.textContent()).trim(), disabled: await push.isDisabled() };
  return { clientIds: student.clientIds, statuses, synced, afterPush, errors: student.errors.splice(0) };
}

/** What the server holds: the experiment's runs by client id, and the model's versions. */
function serverView(uri, experiment) {
  const script = `
import json, sys
from mlflow import MlflowClient
c = MlflowClient(sys.argv[1])
e = c.get_experiment_by_name(sys.argv[2])
runs = []
token = None
while e is not None:
    page = c.search_runs([e.experiment_id], max_results=1000, page_token=token)
    runs += page
    token = page.token
    if not token:
        break
versions = c.search_model_versions(f"name = '{sys.argv[3]}'", max_results=1000)
print(json.dumps({
  "runs": [{"id": r.info.run_id, "status": r.info.status, "client": r.data.tags.get("flowbook.client_id"),
            "val_rmse": r.data.metrics.get("val_rmse")} for r in runs],
  "versions": [{"version": int(v.version), "run": v.run_id, "client": v.tags.get("flowbook.client_version_id")} for v in versions],
}))
`;
  return JSON.parse(execFileSync(join(VENV, 'bin', 'python'), ['-c', script, uri, experiment, MODEL], { encoding: 'utf8', env: quietEnv }));
}

/** A long message's start (what failed) and end (where), without its middle. */
function clip(text, keep = 900) {
  return text.length <= 2 * keep ? text : `${text.slice(0, keep)}\n…\n${text.slice(-keep)}`;
}

function countBy(values) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) || 0) + 1);
  return counts;
}

describe(`A workshop: ${CLIENTS} command-line clients and ${PAGES} browser pages pushing at once`, () => {
  let browser;
  let students;
  const stops = [];

  before(async () => {
    assert.ok(BASE_URL, 'set FLOWBOOK_URL to the served app');
    assert.ok(existsSync(FLOWBOOK), `${FLOWBOOK} is missing: cargo build -p flowbook-cli`);
    browser = await launchBrowser();
    students = await Promise.all(Array.from({ length: PAGES }, () => browserStudent(browser)));
  });

  after(async () => {
    await browser?.close();
    for (const stop of stops.reverse()) stop();
  });

  async function workshop(backend, backendUri, store) {
    const server = await startMlflowOn(backendUri, store);
    stops.push(() => stopGroup(server.child));
    await waitForOk(`${server.uri}/health`, 180_000, server.child);
    const experiment = `workshop-${backend}`;
    const started = Date.now();
    const ids = Array.from({ length: CLIENTS }, (_, i) => `workshop-${backend}-${i + 1}`);
    const [clients, pages] = await Promise.all([
      Promise.all(ids.map((id) => cliStudent(server.uri, experiment, id))),
      Promise.all(students.map((student) => browserPush(student, server.uri, experiment))),
    ]);
    const seconds = (Date.now() - started) / 1000;

    // Every failure at once: one client's message rarely explains a load problem.
    const failures = [];
    clients.forEach((outcomes, i) =>
      outcomes.forEach((o, attempt) => {
        if (o.code !== 0) failures.push(`client ${ids[i]}, push ${attempt + 1}: exit ${o.code}\n${clip(o.err)}`);
      }),
    );
    pages.forEach((page, i) => {
      const problems = [...page.errors.map((e) => `page error: ${e}`)];
      for (const status of page.statuses) if (!/^done/.test(status)) problems.push(status);
      if (page.synced !== 2) problems.push(`${page.synced} runs shown synced, not 2`);
      if (!/\b0 run/.test(page.afterPush.label) || !page.afterPush.disabled) {
        problems.push(`after the push the button reads "${page.afterPush.label}" (disabled: ${page.afterPush.disabled})`);
      }
      if (problems.length) failures.push(`page ${i + 1}: ${problems.join('; ')}`);
    });
    assert.equal(failures.length, 0, `${failures.length} failed (server log: ${store}/server.log):\n${failures.join('\n')}`);

    const view = serverView(server.uri, experiment);
    const wanted = [...ids, ...pages.flatMap((p) => p.clientIds)];
    const byClient = countBy(view.runs.map((r) => r.client));
    for (const id of wanted) assert.equal(byClient.get(id), 1, `run ${id} is on the server exactly once`);
    assert.equal(view.runs.length, wanted.length, 'no other run');
    for (const r of view.runs) {
      assert.equal(r.status, 'FINISHED', `${r.client}`);
      assert.ok(Number.isFinite(r.val_rmse), `${r.client} has its val_rmse`);
    }
    const byVersionClient = countBy(view.versions.map((v) => v.client));
    for (const id of ids) assert.equal(byVersionClient.get(`${id}/model`), 1, `one version of ${MODEL} for ${id}`);
    assert.equal(view.versions.length, CLIENTS, 'no other version');
    assert.deepEqual(
      view.versions.map((v) => v.version).sort((a, b) => a - b),
      Array.from({ length: CLIENTS }, (_, i) => i + 1),
      'versions 1…N, none skipped or repeated',
    );
    const runIds = new Map(view.runs.map((r) => [r.client, r.id]));
    for (const v of view.versions) assert.equal(v.run, runIds.get(v.client.replace(/\/model$/, '')), `version ${v.version}'s run`);
    console.log(
      `# workshop on ${backend}: ${CLIENTS} clients × 2 pushes + ${PAGES} pages in ${seconds.toFixed(1)} s; ` +
        `${view.runs.length} runs, ${view.versions.length} versions, nothing duplicated`,
    );
  }

  test('on a SQLite-backed server', LONG, async () => {
    const store = mkdtempSync(join(tmpdir(), 'flowbook-workshop-sqlite-'));
    await workshop('sqlite', `sqlite:///${store}/mlflow.db`, store);
  });

  test('on a PostgreSQL-backed server', LONG, async () => {
    const postgres = await startPostgres();
    stops.push(() => stopGroup(postgres.child));
    const store = mkdtempSync(join(tmpdir(), 'flowbook-workshop-postgres-'));
    mkdirSync(join(store, 'artifacts'));
    await workshop('postgresql', postgres.uri, store);
  });
});
