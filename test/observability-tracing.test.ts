/**
 * Tracing end to end: a client span in this process, then the worker process (bundling the
 * workflows from source with the OpenTelemetry workflow interceptors, as `npm run worker` does)
 * exporting over OTLP/HTTP JSON to a receiver here. One trace, linked parent to child:
 * StartWorkflow → RunWorkflow → StartActivity → RunActivity → HTTP POST to the CPP API.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Client } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../simulator/server';
import { startOfferCancellation } from '../src/client/start-cancellation';
import { connectToTestServer, uniqueTaskQueue, type TemporalTestContext } from './helpers/temporal';
import { spawnWorker, waitUntilReady, type WorkerProcess, workerBaseEnv } from './helpers/observability';

const PUBLISHER = 'contoso';
const TOKEN = `trace-token-SECRET-${randomUUID()}`;

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service?: string;
  attributes: Record<string, unknown>;
}

let ctx: TemporalTestContext;
let simulator: RunningSimulator;
let worker: WorkerProcess;
let receiver: Server;
let taskQueue: string;
const received: ReceivedSpan[] = [];
const clientSpans = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(clientSpans)] });

/** OTLP/JSON ids are hex strings (protobuf-JSON base64 is accepted too). */
function hexId(id: unknown): string | undefined {
  if (typeof id !== 'string' || id === '') return undefined;
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpBody {
  resourceSpans?: Array<{
    resource?: { attributes?: Array<{ key: string; value: OtlpValue }> };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: Array<{ key: string; value: OtlpValue }> }> }>;
  }>;
}

const valueOf = (v: OtlpValue) => v.stringValue ?? v.intValue ?? v.boolValue;

beforeAll(async () => {
  provider.register();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces' && String(req.headers['content-type']).includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody;
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue;
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              received.push({
                traceId: hexId(s.traceId)!,
                spanId: hexId(s.spanId)!,
                parentSpanId: hexId(s.parentSpanId),
                name: s.name,
                service,
                attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
              });
            }
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const { port } = receiver.address() as AddressInfo;

  ctx = await connectToTestServer();
  simulator = await startSimulator({ port: 0, tokens: [TOKEN] });
  taskQueue = uniqueTaskQueue('trace');
  worker = spawnWorker({
    ...workerBaseEnv(taskQueue, simulator.url, TOKEN),
    // No WORKFLOW_BUNDLE_PATH: the worker bundles src/workflows with the tracing interceptors.
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
    OTEL_SERVICE_NAME: 'cpp-worker-under-test',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  const ready = await waitUntilReady(worker);
  expect(ready.tracing).toBe('otlp');
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await simulator?.close();
  await ctx?.close();
  await provider.shutdown();
  await new Promise((r) => receiver?.close(r));
});

it('links client, workflow, activity and HTTP spans in one trace', async () => {
  const offerId = `traced-${randomUUID().slice(0, 8)}`;
  simulator.setScenario(PUBLISHER, offerId, { cancel: { mode: 'accepted', completeAfterPolls: 1 } });
  const client = new Client({ connection: ctx.connection, namespace: ctx.namespace, interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } });
  const handle = await startOfferCancellation(
    client,
    { publisherId: PUBLISHER, offerId, notificationEmails: ['jondoe@contoso.com'], polling: { initialIntervalSeconds: 0.1 } },
    { taskQueue },
  );
  await handle.result();

  // The one start this file makes, of this run.
  const starts = clientSpans.getFinishedSpans().filter((s) => s.name === 'StartWorkflow:cancelOfferOperation');
  expect(starts.map((s) => s.attributes.temporalWorkflowId)).toEqual([handle.workflowId]);
  const start = starts[0]!;
  const traceId = start.spanContext().traceId;
  const inTrace = () => received.filter((s) => s.traceId === traceId);
  const names = ['RunWorkflow:cancelOfferOperation', 'StartActivity:requestCancellation', 'RunActivity:requestCancellation', 'POST', 'RunActivity:getOperationStatus', 'GET'];
  const deadline = Date.now() + 20_000;
  while (!names.every((n) => inTrace().some((s) => s.name === n)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const spans = inTrace();
  const one = (name: string, parent?: ReceivedSpan) => {
    const found = spans.filter((s) => s.name === name && (parent === undefined || s.parentSpanId === parent.spanId));
    expect(found, `${name} under ${parent?.name ?? '-'}; got ${JSON.stringify(spans.map((s) => [s.name, s.spanId, s.parentSpanId]))}`).toHaveLength(1);
    return found[0]!;
  };

  const run = one('RunWorkflow:cancelOfferOperation');
  expect(run.parentSpanId).toBe(start.spanContext().spanId);
  const startActivity = one('StartActivity:requestCancellation', run);
  const runActivity = one('RunActivity:requestCancellation', startActivity);
  const post = one('POST', runActivity);
  expect(String(post.attributes['url.full'])).toContain(`/offers/${offerId}/cancel`);
  expect(post.attributes['http.response.status_code']).toBe(202);
  const poll = one('RunActivity:getOperationStatus', one('StartActivity:getOperationStatus', run));
  one('GET', poll);
  expect(run.service).toBe('cpp-worker-under-test');

  // The trace context reached the API too (W3C traceparent on the POST).
  const [request] = simulator.requests({ offerId, endpoint: 'cancel' });
  expect(request?.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-${post.spanId}-0[01]$`));
  // No span attribute carries the token.
  expect(JSON.stringify(received)).not.toContain(TOKEN);
}, 60_000);
