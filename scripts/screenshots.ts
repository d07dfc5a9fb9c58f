/**
 * Regenerates the console's screenshots in docs/ (shown in the README): the demo's inventory
 * (scripts/console-inventory.ts), the console on loopback, Debian's Chromium through
 * playwright-core, one PNG per main page.
 *
 *   npm run screenshots
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConsole } from '../console/server.ts';
import { openInventory } from '../cli/runtime.ts';
import { stopStoreServer } from '../cli/store/connect.ts';
import { launchChromium } from './chromium.ts';
import { OFFBOARDING_GAP_EMAIL, seedConsoleInventory } from './console-inventory.ts';

// As bin/rollcall.mjs: the AWS SDK's notice about future Node.js versions says nothing here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const DOCS = join(import.meta.dirname, '..', 'docs');
const VIEWPORT = { width: 1360, height: 860 };

const SHOTS: readonly { readonly file: string; readonly path: string }[] = [
  { file: 'console-connectors.png', path: '/' },
  { file: 'console-people.png', path: '/people' },
  // A person who left one app and is still in another: both accounts, each with its history.
  { file: 'console-person.png', path: `/people/${encodeURIComponent(OFFBOARDING_GAP_EMAIL)}` },
  { file: 'console-accounts.png', path: '/connectors/tg-acme/accounts?presence=all' },
  { file: 'console-changes.png', path: '/changes' },
  { file: 'console-insights.png', path: '/insights' },
  { file: 'console-review.png', path: '/review/tg-acme' },
];

/** Evaluated in the page: Chart.js has drawn the changes chart. */
const CHART_DRAWN = "typeof Chart !== 'undefined' && Chart.getChart(document.getElementById('changes-chart')) !== undefined";

const dataDir = await mkdtemp(join(tmpdir(), 'rollcall-screenshots-'));
try {
  await seedConsoleInventory(dataDir);
  const inventory = await openInventory({ dataDir }, { stopStoreServer: true });
  const console = await startConsole({ reader: inventory.reader, source: 'the demo inventory' });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    await page.goto(console.url);
    await mkdir(DOCS, { recursive: true });
    for (const shot of SHOTS) {
      await page.goto(`${console.origin}${shot.path}`);
      if (shot.path.startsWith('/changes')) await page.waitForFunction(CHART_DRAWN);
      await page.screenshot({ path: join(DOCS, shot.file) });
      process.stdout.write(`docs/${shot.file}\n`);
    }
  } finally {
    await browser.close();
    await console.close();
    await inventory.close();
  }
} finally {
  // The store server stops on its own once idle; the data dir goes only after it has ended.
  await stopStoreServer(dataDir);
  await rm(dataDir, { recursive: true, force: true });
}
