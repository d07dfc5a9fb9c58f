/**
 * `rollcall serve` end to end in a real browser (README, "The web console"): Debian's Chromium,
 * driven by playwright-core, on the demo's inventory (Torq, Twingate and SCIM sharing people,
 * churned and re-polled) plus a Torq sandbox that lost its credentials and holds a user whose
 * email is markup. The console runs as the CLI runs it, a child process on loopback.
 */
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANGE_SERIES } from '../../console/pages/changes.tsx';
import { tokenCookieName } from '../../console/guard.ts';
import { launchChromium } from '../../scripts/chromium.ts';
import { DEMO_TORQ_EMAILS, HISTORY_DAYS, HOSTILE_EMAIL, OFFBOARDING_GAP_EMAIL, SANDBOX_CONNECTOR, seedConsoleInventory } from '../../scripts/console-inventory.ts';
import { createTestbed, runCli, startCli, type CliProcess } from '../cli/support.ts';
import { send } from './http-client.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 240_000 });

const bed = createTestbed();
let dataDir: string;
let serve: CliProcess;
let url: string;
let origin: string;
let port: number;
let browser: Browser;
let context: BrowserContext;
let page: Page;
/** Dialogs (alert, confirm) any page opened, and what the browser said about the CSP. */
const dialogs: string[] = [];
const cspViolations: string[] = [];

/** A person the demo's Torq workspace and Twingate network share (demo.ts gives every other Torq user a Twingate account). */
const SHARED_EMAIL = DEMO_TORQ_EMAILS[0] ?? '';

beforeAll(async () => {
  dataDir = await bed.tempDir('rollcall-console-');
  await seedConsoleInventory(dataDir, { hostileEmail: true });
  serve = startCli(['serve', '--data-dir', dataDir]);
  const printed = await serve.waitForStdout(/Open: (http\S+)/);
  url = /Open: (http\S+)/.exec(printed)?.[1] ?? '';
  const parsed = new URL(url);
  origin = parsed.origin;
  port = Number(parsed.port);
  browser = await launchChromium();
  context = await browser.newContext({ acceptDownloads: true });
  page = await context.newPage();
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  if (serve !== undefined && serve.child.exitCode === null) {
    serve.child.kill('SIGTERM');
    const run = await serve.exited;
    expect(run.code).toBe(0);
  }
  await bed.cleanup();
});

const rowsOf = (selector: string) => page.locator(`${selector} tbody tr`);

describe('rollcall serve in a browser', () => {
  it('opens on the printed URL, leaves the token out of the address bar, and highlights the connector that needs a reconnect', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    const response = await page.goto(url);
    expect(page.url()).toBe(`${origin}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

    await expect(rowsOf('table.connectors').count()).resolves.toBe(4);
    const sandbox = page.locator(`tr#connector-${SANDBOX_CONNECTOR}`);
    await expect(sandbox.getAttribute('class')).resolves.toBe('attention');
    await expect(sandbox.locator('.badge').textContent()).resolves.toBe('RECONNECT_REQUIRED');
    await expect(sandbox.locator('td.reason').textContent()).resolves.toMatch(/credentials|rejected|401/i);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain(SANDBOX_CONNECTOR);
    for (const id of ['torq-prod', 'tg-acme', 'torque']) {
      await expect(page.locator(`tr#connector-${id} .badge`).textContent()).resolves.toBe('CONNECTED');
    }
  });

  it("follows a connector to its runs", async () => {
    await page.goto(`${origin}/`);
    await page.locator(`tr#connector-${SANDBOX_CONNECTOR} td.links a`, { hasText: 'runs' }).click();
    await page.waitForURL(`${origin}/connectors/${SANDBOX_CONNECTOR}/runs`);
    // Newest first: today's refused poll, then one completed poll a day.
    const outcomes = await page.locator('table.runs tbody tr td:nth-child(2)').allTextContents();
    expect(outcomes).toEqual(['reconnect-required', ...Array.from({ length: HISTORY_DAYS }, () => 'completed')]);
    await expect(page.locator('table.runs tbody tr').first().getAttribute('class')).resolves.toBe('attention');
  });

  it("filters a connector's accounts by state, group and removal", async () => {
    await page.goto(`${origin}/connectors/tg-acme/accounts`);
    const all = await rowsOf('table.accounts').count();
    expect(all).toBeGreaterThan(20);

    await page.selectOption('select[name=state]', 'disabled');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/state=disabled/);
    const disabled = await page.locator('table.accounts tbody tr td:nth-child(6)').allTextContents();
    expect(disabled.length).toBeGreaterThan(0);
    expect(disabled.length).toBeLessThan(all);
    expect(new Set(disabled)).toEqual(new Set(['disabled']));

    await page.goto(`${origin}/connectors/tg-acme/accounts`);
    const groupOptions = await page.locator('select[name=group] option').allTextContents();
    const group = groupOptions.find((name) => name !== 'any') ?? '';
    await page.selectOption('select[name=group]', { label: group });
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/group=/);
    const groupCells = await page.locator('table.accounts tbody tr td:nth-child(4)').allTextContents();
    expect(groupCells.length).toBeGreaterThan(0);
    expect(groupCells.length).toBeLessThan(all);
    for (const cell of groupCells) expect(cell).toContain(group);

    await page.goto(`${origin}/connectors/tg-acme/accounts`);
    await page.selectOption('select[name=presence]', 'removed');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/presence=removed/);
    const removed = await page.locator('table.accounts tbody tr td:nth-child(6)').allTextContents();
    expect(removed.length).toBeGreaterThan(0);
    expect(new Set(removed)).toEqual(new Set(['removed']));

    await page.goto(`${origin}/connectors/tg-acme/accounts?since=tomorrow`);
    await expect(page.locator('.callout').textContent()).resolves.toContain('new since');
  });

  it('pages through people by the store\'s cursor', async () => {
    await page.goto(`${origin}/people`);
    const first = await page.locator('table.people tbody td.email').allTextContents();
    expect(first.length).toBe(50);
    expect([...first].sort()).toEqual(first);
    await page.click('nav.pager a[rel=next]');
    await page.waitForURL(/\/people\?cursor=/);
    const second = await page.locator('table.people tbody td.email').allTextContents();
    expect(second.length).toBeGreaterThan(0);
    expect((second[0] ?? '') > (first.at(-1) ?? '')).toBe(true);
    await page.click('nav.pager a:text("first page")');
    await page.waitForURL(`${origin}/people`);
    await expect(page.locator('table.people tbody td.email').allTextContents()).resolves.toEqual(first);
  });

  it('searches people and follows one person across apps', async () => {
    await page.goto(`${origin}/people`);
    await page.fill('input[name=q]', SHARED_EMAIL.split('@')[0] ?? '');
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/\/people\?q=/);
    const row = page.locator('table.people tbody tr', { hasText: SHARED_EMAIL });
    await expect(row.count()).resolves.toBe(1);
    const apps = await row.locator('.account-line a').allTextContents();
    expect(apps).toEqual(expect.arrayContaining(['torq-prod', 'tg-acme']));

    await row.locator('td.email a').click();
    await page.waitForURL(/\/people\/[^?]+$/);
    await expect(page.locator('dd.email').textContent()).resolves.toBe(SHARED_EMAIL);
    const sections = await page.locator('section.person-account h2 a').allTextContents();
    expect(sections).toEqual(expect.arrayContaining(['torq-prod', 'tg-acme']));
    const histories = await page.locator('ol.history').allTextContents();
    for (const history of histories) expect(history).toContain('first seen');
  });

  it('draws the changes per day with Chart.js, served by the console itself', async () => {
    await page.goto(`${origin}/changes`);
    // Evaluated in the page (a string: the tests' TypeScript has no DOM types).
    const labels = await page.waitForFunction(
      "typeof Chart !== 'undefined' && Chart.getChart(document.getElementById('changes-chart'))?.data.datasets.map((d) => d.label)",
    );
    expect(await labels.jsonValue()).toEqual(CHANGE_SERIES.map((series) => series.label));
    // Every day of the sandbox's history had changes, and today the demo's polls.
    const days = await page.locator('table.changes tbody tr td:first-child').allTextContents();
    expect(days.length).toBe(HISTORY_DAYS + 1);
    expect(days.at(-1)).toBe(new Date().toISOString().slice(0, 10));
    const todayRow = page.locator('table.changes tbody tr').last();
    const newPeople = Number(await todayRow.locator('td:nth-child(2)').textContent());
    expect(newPeople).toBeGreaterThan(40);

    // One connector only: the sandbox's days, and no more people than it ever had.
    await page.selectOption('select[name=connector]', SANDBOX_CONNECTOR);
    await page.click('form.filters button[type=submit]');
    await page.waitForURL(/connector=torq-sandbox/);
    const sandboxDays = await page.locator('table.changes tbody tr td:first-child').allTextContents();
    expect(sandboxDays.length).toBe(HISTORY_DAYS);
    expect(sandboxDays).not.toContain(new Date().toISOString().slice(0, 10));
  });

  it('shows the insights', async () => {
    await page.goto(`${origin}/insights`);
    await expect(page.locator('.cards .card').count()).resolves.toBe(5);
    const headings = await page.locator('main h2').allTextContents();
    expect(headings).toEqual(
      expect.arrayContaining(['Offboarding gaps', 'Admins per app', 'Active accounts without email']),
    );
    const adminApps = await page.locator('table.admins tbody tr td:first-child').allTextContents();
    expect(adminApps).toEqual(expect.arrayContaining(['torq-prod', 'tg-acme']));
    // The demo's Torq person who left the sandbox is still active in Torq.
    const gap = page.locator('table.gaps tbody tr', { hasText: OFFBOARDING_GAP_EMAIL });
    await expect(gap.count()).resolves.toBe(1);
    await expect(gap.locator('td:nth-child(3)').textContent()).resolves.toContain(SANDBOX_CONNECTOR);
    await expect(gap.locator('td:nth-child(4)').textContent()).resolves.toContain('torq-prod');
    await gap.locator('td.email a').click();
    await page.waitForURL(/\/people\//);
    await expect(page.locator(`section.person-account:has(h2 a:text-is("${SANDBOX_CONNECTOR}")) ol.history`).textContent()).resolves.toContain('removed');
  });

  it("downloads a connector's access review as CSV, with every account the page lists", async () => {
    await page.goto(`${origin}/review/tg-acme`);
    const shown = (await page.locator('table.review tbody tr td.email').allTextContents()).sort();
    expect(shown.length).toBeGreaterThan(20);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a.button[download]')]);
    expect(download.suggestedFilename()).toMatch(/^rollcall-review-tg-acme-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('connector,app,account id,email,name,role,groups,state,status,last login,first seen');
    const rows = lines.slice(1).map((line) => line.split(','));
    expect(rows.length).toBe(shown.length);
    expect(rows.map((cells) => cells[3]).sort()).toEqual(shown);
    for (const cells of rows) expect(cells.slice(0, 2)).toEqual(['tg-acme', 'twingate']);
    // The same file as the CLI's review prints, byte for byte.
    const cli = await runCli(['review', '--connector', 'tg-acme', '--format', 'csv', '--data-dir', dataDir]);
    expect(cli.code).toBe(0);
    expect(csv).toBe(cli.stdout);
  });

  it('shows an email that is markup as text, and runs none of it', async () => {
    await page.goto(`${origin}/people?q=onerror`);
    const link = page.locator('table.people td.email a');
    await expect(link.textContent()).resolves.toBe(HOSTILE_EMAIL);
    await link.click();
    await page.waitForURL(/\/people\/%3Cimg/);
    await expect(page.locator('dd.email').textContent()).resolves.toBe(HOSTILE_EMAIL);
    for (const path of [`/connectors/${SANDBOX_CONNECTOR}/accounts`, `/review/${SANDBOX_CONNECTOR}`, '/insights']) {
      await page.goto(`${origin}${path}`);
      await expect(page.locator('main').textContent(), path).resolves.toContain(HOSTILE_EMAIL);
      await expect(page.locator('main img').count(), path).resolves.toBe(0);
    }
    expect(dialogs).toEqual([]);
  });

  it('refuses a browser without the token', async () => {
    const stranger = await browser.newContext();
    try {
      const other = await stranger.newPage();
      const response = await other.goto(`${origin}/people`);
      expect(response?.status()).toBe(401);
      await expect(other.locator('body').textContent()).resolves.toContain('rollcall serve');
      await expect(other.locator('body').textContent()).resolves.not.toContain(SHARED_EMAIL);
    } finally {
      await stranger.close();
    }
  });

  it('refuses a wrong Host and a POST, even with the token cookie', async () => {
    const cookies = await context.cookies(origin);
    const token = cookies.find((cookie) => cookie.name === tokenCookieName(port));
    expect(token?.httpOnly).toBe(true);
    expect(token?.sameSite).toBe('Strict');
    const cookie = `${token?.name}=${token?.value}`;
    expect((await send({ port, path: '/', cookie })).status).toBe(200);
    expect((await send({ port, path: '/', cookie, host: `rebound.example:${port}` })).status).toBe(403);
    const post = await send({ port, path: '/', cookie, method: 'POST', body: 'x=1' });
    expect(post.status).toBe(405);
    expect(post.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('met no Content-Security-Policy violation on any page', () => {
    expect(cspViolations).toEqual([]);
  });
});
