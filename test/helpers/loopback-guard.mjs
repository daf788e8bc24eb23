/**
 * Preloaded into the worker processes the reliability suite starts (`node --import tsx --import
 * ./test/helpers/loopback-guard.mjs src/worker.ts`): refuses every outgoing TCP connection that is
 * not to a loopback address and says so on stderr with a marker, so a test keeps its traffic on this
 * machine and can prove nothing tried to leave it. Plain JavaScript: the SDK's workflow thread
 * inherits the preloads but not tsx's loader.
 *
 * Only sockets opened from JavaScript are covered (undici, node:http, @azure/identity); the Temporal
 * connection is made by the SDK's native core and points at 127.0.0.1 in these tests.
 */
import net from 'node:net';

/** Keep in sync with test/helpers/loopback-guard-marker.ts. */
const MARKER = '[loopback-guard] blocked';
const LOOPBACK = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;

/** The target of a connect call: normalised arguments ([options, callback]) or (port, host). */
function targetOf(args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) return first;
  if (typeof args[1] === 'string') return { host: args[1] };
  return {};
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const target = targetOf(args);
  const host = target.host ?? 'localhost';
  if (target.path === undefined && !LOOPBACK.test(host)) {
    process.stderr.write(`${MARKER} connection to ${host}\n`);
    process.nextTick(() => this.destroy(Object.assign(new Error(`loopback guard: connection to ${host} refused`), { code: 'ECONNREFUSED' })));
    return this;
  }
  return originalConnect.apply(this, args);
};
