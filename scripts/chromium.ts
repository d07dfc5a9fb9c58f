/**
 * Debian's Chromium driven by playwright-core, as the console's browser tests and its screenshots
 * use it: no browser download (playwright's own builds are not fetched), headless, no sandbox (CI
 * runs as root), and none of Chromium's own network traffic (updates, first-run pings).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
] as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
}
