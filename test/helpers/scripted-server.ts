/**
 * A real `node:http` server on port 0 that answers each request with the next scripted handler,
 * and records every request exactly as received. For client tests that must not depend on the
 * simulator's reading of the API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CppHttpClient } from '../../src/cpp/client';
import { StaticTokenProvider } from '../../src/cpp/token-provider';

export interface Recorded {
  method: string;
  /** Raw request target as received: path and query, encoding untouched. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A server answering each request with the next scripted handler; unscripted requests get 599. */
export class ScriptedServer {
  readonly requests: Recorded[] = [];
  #script: Handler[] = [];
  #server: Server;
  origin = '';

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const handler = this.#script.shift() ?? ((_q, r) => reply(r, 599, 'unscripted request'));
        handler(req, res, body);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  /** Scripts the next answers, one handler per request. */
  script(...handlers: Handler[]): void {
    this.#script = handlers;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export function reply(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export const answer =
  (status: number, body?: unknown, headers?: Record<string, string>): Handler =>
  (_req, res) =>
    reply(res, status, body, headers);


/**
 * A scripted server for the whole test file (started before, closed after) and a factory of CPP
 * clients pointed at it with a static token, closed after each test.
 */
export function useScriptedCppServer(): { server: ScriptedServer; makeClient: () => CppHttpClient } {
  const server = new ScriptedServer();
  const clients: CppHttpClient[] = [];
  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  const makeClient = (): CppHttpClient => {
    const client = new CppHttpClient({ baseUrl: server.origin, tokenProvider: new StaticTokenProvider('scripted-server-token') });
    clients.push(client);
    return client;
  };
  return { server, makeClient };
}
