/**
 * (f) Heartbeats, counted (issue 18). A heartbeat that reaches the server is a billable Action, and
 * none is in a history, so bench/actions.ts cannot see them: this reads the server's own request
 * counter instead. A poll activity heartbeats every second while its CPP call runs (10 s heartbeat
 * timeout); the SDK sends the first at once and then at most one per 0.8 × that timeout. For a CPP
 * that answers at once, in 3 s and in 20 s, it runs cancellations whose one poll takes that long, on
 * the shipped worker, and counts the `RecordActivityTaskHeartbeat` requests the server received.
 */
import { request } from 'undici';
import { freshOffer, round, startCancel } from './measure';
import { withWorker, type BenchStack } from './stack';

/** How long each case's poll takes to be answered. */
const POLL_ANSWER_SECONDS = [0, 3, 20] as const;
const CANCELLATIONS_PER_CASE = 4;

/** The frontend's count of heartbeat requests, from the dev server's Prometheus text. */
async function heartbeatRequests(metricsUrl: string): Promise<number> {
  const res = await request(metricsUrl);
  const text = await res.body.text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('service_requests{') && line.includes('operation="RecordActivityTaskHeartbeat"') && line.includes('service_name="frontend"')) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

export async function heartbeatSection(ctx: BenchStack) {
  const metricsUrl = ctx.server.metricsUrl;
  if (!metricsUrl) throw new Error('the bench dev server runs without metrics');
  const taskQueue = `bench-f-${Date.now()}`;
  const cases = await withWorker(ctx, taskQueue, {}, async () => {
    const rows = [];
    for (const seconds of POLL_ANSWER_SECONDS) {
      const before = await heartbeatRequests(metricsUrl);
      const offers = Array.from({ length: CANCELLATIONS_PER_CASE }, () => freshOffer(`hb-${seconds}s`));
      for (const offerId of offers) {
        ctx.simulator.setScenario('bench', offerId, {
          cancel: { mode: 'accepted', completeAfterPolls: 1 },
          faults: seconds > 0 ? [{ on: 'poll', fault: { kind: 'slowHeaders', delayMs: seconds * 1000 } }] : [],
        });
      }
      await Promise.all(offers.map(async (offerId) => (await startCancel(ctx.client, taskQueue, offerId, { initialIntervalSeconds: 0.1 })).result()));
      const polls = offers.reduce((n, offerId) => n + ctx.simulator.requests({ publisherId: 'bench', offerId, endpoint: 'poll' }).length, 0);
      const heartbeats = (await heartbeatRequests(metricsUrl)) - before;
      rows.push({ pollAnswerSeconds: seconds, polls, heartbeats, heartbeatsPerPoll: round(heartbeats / polls, 2) });
    }
    return rows;
  });
  for (const c of cases) console.log(`  (f) a poll answered in ${c.pollAnswerSeconds} s: ${c.heartbeats} heartbeats over ${c.polls} polls (${c.heartbeatsPerPoll} each)`);
  return { heartbeatTimeoutSeconds: 10, cases };
}
