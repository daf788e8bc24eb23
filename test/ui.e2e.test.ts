/**
 * The Temporal UI paths of the README, in a real browser (Debian's Chromium driven by playwright-core)
 * against `npm run dev`'s stack with its Web UI and demo offers:
 *
 * 1. Workflows → Start Workflow → fill the form (with a Summary under More options), paste the JSON
 *    input → the run completes → User Metadata shows the summary → Queries → `progress` leads with
 *    its one-line `summary`.
 * 2. A long cancellation (demo offer `long-offer`), started as `npm start` starts it: the workflow
 *    list shows the run with its publisher, offer and phase (the README's three columns); the run page's timeline names each activity (`requestCancellation`, `poll #2`) and
 *    timer (`wait 2 s before poll #3`); User Metadata shows the static summary and the current
 *    details while polling; Queries shows `polling · …`; the **Request Cancellation** button and its
 *    *Confirm* end it `Canceled`; the current details and the query then say `workflowCanceled`,
 *    with no next poll.
 *
 * Screenshots of each step land in test/.cache/ui-e2e/ (look there when it fails; the list, the
 * run page's timeline and its current details are kept on success too).
 * Without /usr/bin/chromium (`apt-get install chromium`; .ci/run installs it) the test is skipped, loudly.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkflowBundle } from '../src/worker-process/workflow-bundle';
import { startDevStack, type DevStack } from '../scripts/dev';
import { DEFAULT_TASK_QUEUE, WORKFLOW_TYPE, progressQuery, type CancelOfferProgress, type CancelOfferResult } from '../src/contract';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { freePort } from '../temporal-cli/dev-server';
import { PROJECT_ROOT } from '../temporal-cli/resolve';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(
    [
      '',
      '!!! ================================================================== !!!',
      `!!! SKIPPING test/ui.e2e.test.ts: no Chromium at ${CHROMIUM}.`,
      '!!! Install it with `apt-get install -y chromium` (or set CHROMIUM_PATH).',
      '!!! The Temporal UI path is NOT tested in this run.',
      '!!! ================================================================== !!!',
      '',
    ].join('\n'),
  );
}

/** The flags that keep Chromium off the (closed) network and out of first-run prompts. */
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

/** The browser-side classes used inside `evaluate` (the project compiles without the DOM lib). */
interface BrowserGlobals {
  DataTransfer: new () => { setData(format: string, data: string): void };
  ClipboardEvent: new (type: string, init: { clipboardData: unknown; bubbles: boolean; cancelable: boolean }) => Event;
}

/** The search attributes the README has an operator add as workflow-list columns. */
const LIST_COLUMNS = ['CppPublisherId', 'CppOfferId', 'CppCancelPhase'];

const SCREENSHOTS = path.join(PROJECT_ROOT, 'test', '.cache', 'ui-e2e');

/** Retries `check` until it passes, reloading the page between tries (the UI refreshes a running workflow, but not always soon). */
async function eventually(page: Page, check: () => Promise<void>, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await check();
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
      await page.reload();
    }
  }
}

/** A DOM node as the evaluate callbacks below use it (the project compiles without the DOM lib). */
interface DomNode {
  parentElement: DomNode | null;
  innerText: string;
}

/**
 * The text of the Markdown blocks on the User Metadata tab, by their heading (Summary, Details,
 * Current Details; a block the run does not have is empty). The UI renders each in an iframe of its
 * own (`/render?content=…`).
 */
async function userMetadata(page: Page): Promise<{ summary: string; details: string; currentDetails: string }> {
  await page.getByRole('tab', { name: 'User Metadata' }).click();
  await page.getByText('Current Details').first().waitFor();
  const frames = page.locator('iframe[src*="/render?content="]');
  await frames.first().waitFor();
  // The blocks render one iframe each, not all at once: on a busy machine the last may still be empty.
  const until = Date.now() + 15_000;
  for (;;) {
    const blocks = await renderedBlocks(frames);
    if ((blocks['Current Details'] && blocks.Summary) || Date.now() > until) {
      return { summary: blocks.Summary ?? '', details: blocks.Details ?? '', currentDetails: blocks['Current Details'] ?? '' };
    }
    await page.waitForTimeout(250);
  }
}

/** The text of each rendered Markdown block, by the heading of the block that holds its iframe. */
async function renderedBlocks(frames: Locator): Promise<Record<string, string>> {
  const blocks: Record<string, string> = {};
  for (let i = 0; i < (await frames.count()); i++) {
    const frame = frames.nth(i);
    // The nearest enclosing block that starts with a heading names the iframe.
    const heading = await frame.evaluate((el) => {
      let node = (el as unknown as DomNode).parentElement;
      while (node && !/^(Summary|Details|Current Details)\b/.test(node.innerText.trim())) node = node.parentElement;
      return node ? (node.innerText.trim().split('\n')[0] ?? '').trim() : '';
    });
    blocks[heading] = (await frame.contentFrame().locator('body').innerText()).replace(/\s+/g, ' ').trim();
  }
  return blocks;
}

/** Queries → `progress` (preselected) → Run Query, and the JSON answer. */
async function runProgressQuery(page: Page): Promise<CancelOfferProgress> {
  await page.getByRole('tab', { name: 'Queries' }).click();
  await page.getByRole('button', { name: 'Run Query' }).click();
  const answer = page.locator('.cm-content').filter({ hasText: '"summary"' }).first();
  await answer.waitFor();
  return JSON.parse(await editorText(answer)) as CancelOfferProgress;
}

/**
 * The whole document of a CodeMirror editor. Its DOM holds only the lines near the viewport, so a
 * long answer's `innerText` has a gap (a JSON.parse failed on one in CI); the editor's state has it all.
 */
async function editorText(content: Locator): Promise<string> {
  return content.evaluate((el) => {
    // CodeMirror 6 keeps its view on the content element: `cmTile.root.view` (6.39+), `cmView.view` before.
    const node = el as unknown as { cmTile?: { root?: EditorLike }; cmView?: EditorLike };
    const view = node.cmTile?.root?.view ?? node.cmView?.view;
    if (!view) throw new Error('no CodeMirror view on .cm-content: the Temporal UI changed its editor');
    return view.state.doc.toString();
  });
}

interface EditorLike {
  view?: { state: { doc: { toString(): string } } };
}

describe.skipIf(!haveChromium)('Temporal UI', () => {
  let tmp: string;
  let stack: DevStack | undefined;
  let browser: BrowserContext | undefined;
  let page: Page;
  let step = 0;

  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({ path: path.join(SCREENSHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: true }).catch(() => undefined);
  };

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'cpp-ui-e2e-'));
    await rm(SCREENSHOTS, { recursive: true, force: true });
    await mkdir(SCREENSHOTS, { recursive: true });
    const { outFile } = await buildWorkflowBundle({ outFile: path.join(tmp, 'workflow-bundle.js') });
    const env: NodeJS.ProcessEnv = { ...process.env, WORKFLOW_BUNDLE_PATH: outFile };
    for (const name of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'CPP_BASE_URL', 'CPP_ACCESS_TOKEN', 'DEV_DATA_DIR']) delete env[name];
    stack = await startDevStack({ env, temporalPort: await freePort(), uiPort: await freePort(), simulatorPort: 0, dataDir: path.join(tmp, 'data') });

    browser = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 1000 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    // Generous: the UI, the dev server and the worker share two cores with the rest of the suite.
    page.setDefaultTimeout(30_000);
    page.setDefaultNavigationTimeout(60_000);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('Start Workflow form: the run completes; User Metadata shows the summary typed; Queries → progress leads with its summary', async () => {
    // A demo offer that answers 202 and is done at the 3rd poll; polling every second keeps it short.
    const offerId = 'contoso-offer';
    const workflowId = `cpp-cancel/contoso/${offerId}-${randomUUID().slice(0, 8)}`;
    const summary = `Cancel operation on contoso/${offerId}`;
    const input = JSON.stringify({ publisherId: 'contoso', offerId, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 1 } });

    try {
      // Workflows → Start Workflow (the dev server's UI has it on by default).
      await page.goto(`${stack!.uiUrl}/namespaces/default/workflows`);
      await page.getByRole('link', { name: 'Start Workflow' }).click();
      await page.getByRole('heading', { name: 'Start Workflow' }).waitFor();
      await shot('start-form');

      await page.getByRole('textbox', { name: 'Workflow ID' }).fill(workflowId);
      await page.getByRole('textbox', { name: 'Task Queue' }).fill(DEFAULT_TASK_QUEUE);
      await page.getByRole('textbox', { name: 'Workflow Type' }).fill(WORKFLOW_TYPE);
      // The UI checks the queue when the field is left: our worker must be polling it. (Leave it again
      // if the first check came too early.)
      for (let attempt = 1; ; attempt++) {
        try {
          await page.getByText('Task Queue is Active').waitFor({ timeout: 20_000 });
          break;
        } catch (err) {
          if (attempt >= 3) throw err;
          await page.getByRole('textbox', { name: 'Task Queue' }).focus();
          await page.getByRole('textbox', { name: 'Workflow Type' }).focus();
        }
      }

      // Input → Data is a code editor (CodeMirror); paste the JSON as a person would.
      const data = page.getByRole('textbox', { name: 'Data' });
      await data.click();
      await data.evaluate((el, text) => {
        const browser = globalThis as unknown as BrowserGlobals;
        const clipboardData = new browser.DataTransfer();
        clipboardData.setData('text/plain', text);
        (el as unknown as EventTarget).dispatchEvent(new browser.ClipboardEvent('paste', { clipboardData, bubbles: true, cancelable: true }));
      }, input);
      expect(JSON.parse(await data.innerText())).toEqual(JSON.parse(input));
      await expect(page.getByRole('radio', { name: 'json/plain' }).isChecked()).resolves.toBe(true);
      // Leaving the editor reformats the JSON and moves the button: leave it first.
      await data.blur();

      // More options → User Metadata → Summary (optional in the README; what the other start paths set).
      await page.getByRole('button', { name: 'More options' }).click();
      await page.getByText('User Metadata').waitFor();
      const summaryEditor = page.locator('.cm-content').nth(1);
      await summaryEditor.click();
      await page.keyboard.type(summary);
      await shot('form-filled');

      await page.getByRole('button', { name: 'Start Workflow' }).click();
      // UI 2.54 stays on the form and says so in a toast that links to the run.
      const started = page.getByRole('link', { name: 'Workflow started successfully' });
      await started.waitFor();
      await shot('started-toast');
      await started.click();
      await page.waitForURL((url) => url.pathname.includes(`/workflows/${encodeURIComponent(workflowId)}/`) || url.pathname.includes(`/workflows/${workflowId}/`));
      await page.getByRole('heading', { name: workflowId }).waitFor();

      // The run's status badge; the page refreshes a running workflow, and a reload makes sure.
      await eventually(page, () => page.getByRole('status').getByText('Completed', { exact: true }).waitFor({ timeout: 20_000 }));
      await shot('completed');

      // The page may still hold the details it loaded while the run polled (CI once read "polling · 0 polls"
      // beside a Completed badge): read them again until they are the last ones.
      await eventually(page, async () => {
        const metadata = await userMetadata(page);
        expect(metadata.summary).toBe(summary);
        expect(metadata.currentDetails).toMatch(/^succeeded · asynchronous · 3 polls/);
        expect(metadata.currentDetails).not.toContain('Next poll');
      });

      const progress = await runProgressQuery(page);
      await shot('progress-query');
      expect(Object.keys(progress).slice(0, 2)).toEqual(['summary', 'percent']);
      expect(progress.summary).toMatch(/^succeeded · asynchronous · 3 polls · 100 % · after \d+ s$/);
      expect(progress).toMatchObject({ phase: 'succeeded', publisherId: 'contoso', offerId, mode: 'asynchronous', percent: 100 });
      // Three polls a second apart (initialIntervalSeconds 1), the first a second after the 202: 3 s at least.
      expect(Date.parse(progress.finishedAt!) - Date.parse(progress.startedAt)).toBeGreaterThanOrEqual(3_000);
      expect(progress.nextPollAt).toBeUndefined();
    } catch (err) {
      await shot('failure');
      throw err;
    }

    // The same run seen through the client: the form started exactly what the CLI would have.
    const connection = await Connection.connect({ address: stack!.temporalAddress });
    try {
      const handle = new Client({ connection }).workflow.getHandle(workflowId);
      const description = await handle.describe();
      expect(description.status.name).toBe('COMPLETED');
      expect(description.type).toBe(WORKFLOW_TYPE);
      expect(description.taskQueue).toBe(DEFAULT_TASK_QUEUE);
      expect(await description.staticSummary()).toBe(summary);
      // The progress's end is the run's own, as its result gives it.
      expect(await handle.query(progressQuery)).toMatchObject({ phase: 'succeeded', finishedAt: ((await handle.result()) as CancelOfferResult).finishedAt });
    } finally {
      await connection.close();
    }
  }, 240_000);

  it('a long cancellation: list, timeline summaries, current details while polling, Request Cancellation → Confirm, nothing stale after the end', async () => {
    const offerId = 'long-offer';
    const workflowId = `cpp-cancel/contoso/${offerId}`;
    const connection = await Connection.connect({ address: stack!.temporalAddress });
    try {
      // Started as `npm start -- --publisher contoso --offer long-offer --poll-initial 1 --poll-max 2` starts it.
      const client = new Client({ connection });
      await startOfferCancellation(client, { publisherId: 'contoso', offerId, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 1, maxIntervalSeconds: 2 } });

      // The workflow list: the run is there, Running. UI 2.54's list cannot show a run's summary (the
      // list API returns no user metadata); its columns can show our search attributes, added as the
      // README says: Configure Columns → + beside CppPublisherId, CppOfferId, CppCancelPhase (− beside
      // Run ID, Type, Start and End, to make room: with Start kept, CppCancelPhase was cut off at 1400 px).
      await page.goto(`${stack!.uiUrl}/namespaces/default/workflows`);
      const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: workflowId, exact: true }) });
      await eventually(page, () => row.getByText('Running', { exact: true }).waitFor({ timeout: 10_000 }));
      await page.getByRole('button', { name: 'Configure Columns' }).click();
      for (const attribute of LIST_COLUMNS) await page.getByTestId(`orderable-list-item-${attribute}-add-button`).click();
      for (const column of ['Run ID', 'Type', 'Start', 'End']) await page.getByTestId(`orderable-list-item-${column}-remove-button`).click();
      await shot('configure-columns');
      // The columns are kept in the browser's storage; a reload closes the drawer.
      await page.reload();
      // Cells: …, Workflow ID, then the three added.
      await eventually(page, async () => {
        await row.getByRole('cell').last().waitFor({ timeout: 10_000 });
        const cells = (await row.getByRole('cell').allInnerTexts()).map((text) => text.trim());
        expect(cells.slice(-3)).toEqual(['contoso', 'long-offer', expect.stringMatching(/^(requesting|polling)$/)]);
      });
      const header = (await page.getByRole('row').first().innerText()).replace(/\s+/g, ' ');
      for (const attribute of LIST_COLUMNS) expect(header).toContain(attribute);
      // Every added column is on screen, whole, in the test's 1400 px window (the phase once was cut off).
      for (const attribute of LIST_COLUMNS) {
        const box = await page.getByRole('columnheader', { name: attribute }).boundingBox();
        expect(box, attribute).not.toBeNull();
        expect(box!.x + box!.width, attribute).toBeLessThanOrEqual(1400);
      }
      await shot('workflow-list');

      // The run page opens on its timeline: every activity and timer says what it is.
      await row.getByRole('link', { name: workflowId, exact: true }).click();
      await page.getByRole('heading', { name: workflowId }).waitFor();
      await eventually(page, async () => {
        // The POST is a local activity: UI 2.54 names it by type with a `local` tag, without its summary.
        await page.getByText('requestCancellation', { exact: true }).first().waitFor({ timeout: 10_000 });
        await page.getByText('getOperationStatus • poll #2', { exact: true }).waitFor({ timeout: 10_000 });
        await page.getByText(/^wait \d+ s before poll #3$/).first().waitFor({ timeout: 10_000 });
      });
      await shot('timeline-summaries');

      // User Metadata while polling: the static summary and details, and the current details.
      let polling = await userMetadata(page);
      await eventually(page, async () => {
        polling = await userMetadata(page);
        expect(polling.currentDetails).toMatch(/^polling · asynchronous · \d+ polls?/);
      });
      await shot('current-details-polling');
      expect(polling.summary).toBe(`Cancel operation on contoso/${offerId}`);
      expect(polling.details).toContain('Offer: long-offer');
      expect(polling.currentDetails).toMatch(/Operation: running · overall \d+ %/);
      expect(polling.currentDetails).toMatch(/Next poll: \d\d:\d\d:\d\dZ/);

      const progress = await runProgressQuery(page);
      await shot('progress-query-polling');
      expect(Object.keys(progress).slice(0, 2)).toEqual(['summary', 'percent']);
      expect(progress.summary).toMatch(/^polling · asynchronous · \d+ polls? · \d+ % · \w+ \d+ % · next poll at \d\d:\d\d:\d\dZ$/);
      expect(typeof progress.percent).toBe('number');

      // Request Cancellation (its own button, beside More Actions) → the Cancel Workflow dialog → Confirm.
      await page.getByRole('button', { name: 'Request Cancellation' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByText('Are you sure you want to cancel this workflow?').waitFor();
      await shot('cancel-dialog');
      await dialog.getByRole('button', { name: 'Confirm' }).click();
      await eventually(page, () => page.getByRole('status').getByText('Canceled', { exact: true }).waitFor({ timeout: 15_000 }));

      // The page may still hold the details it loaded before the end: read them again until they are the last ones.
      await eventually(page, async () => {
        const ended = await userMetadata(page);
        expect(ended.currentDetails).toMatch(/^workflowCanceled · asynchronous · \d+ polls?/);
        expect(ended.currentDetails).not.toContain('Next poll');
        expect(ended.currentDetails).toMatch(/Ended \d\d:\d\d:\d\dZ, after \d+ s/);
      });
      await shot('current-details-ended');

      const after = await runProgressQuery(page);
      await shot('progress-query-ended');
      expect(after.phase).toBe('workflowCanceled');
      expect(after.summary).toMatch(/^workflowCanceled · asynchronous · \d+ polls? · .*after \d+ s · operation last seen running, no longer polled$/);
      expect(after.nextPollAt).toBeUndefined();

      const description = await client.workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('CANCELLED');
    } catch (err) {
      await shot('failure');
      throw err;
    } finally {
      await connection.close();
    }
  }, 240_000);
});
