/**
 * Liveness and readiness over HTTP for orchestrators (Docker, Kubernetes):
 * `GET /livez` answers 200 while the process runs; `GET /readyz` answers 200 while the worker
 * polls (state `RUNNING`) and 503 otherwise — starting, draining on SIGTERM, stopped, failed.
 * Both answer a small JSON body with the worker's state and what it knows of its dependencies
 * (CPP: reachable or not). A dependency never makes the worker unready: it keeps polling, and the
 * cancellations retry until CPP is back.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { splitHostPort } from './listen-address';

/** The worker's state as the SDK names it (`RUNNING`, `DRAINING`, …), or `STARTING` before there is a worker. */
export type StateSource = () => string;

export interface HealthServer {
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  close(): Promise<void>;
}

/** Starts the health endpoints on `address` (`host:port`; port 0 picks a free one). */
export async function startHealthServer(address: string, state: StateSource, dependencies: () => Record<string, unknown> = () => ({})): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: Record<string, unknown>) => {
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, { error: 'method not allowed' });
    const current = state();
    const extra = dependencies();
    if (path === '/livez') return reply(200, { status: 'ok', state: current, ...extra });
    if (path === '/readyz') return current === 'RUNNING' ? reply(200, { status: 'ready', state: current, ...extra }) : reply(503, { status: 'not ready', state: current, ...extra });
    return reply(404, { error: 'not found', paths: ['/livez', '/readyz'] });
  });
  // Probes must never keep a stopping process alive.
  server.keepAliveTimeout = 1_000;
  const { host, port } = splitHostPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    url: `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
