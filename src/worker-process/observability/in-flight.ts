/**
 * `cancellations_in_flight`: the namespace's running cancellations by workflow type and phase (the
 * `CppCancelPhase` search attribute each run keeps), counted through visibility at start-up and then
 * every {@link IN_FLIGHT_INTERVAL_MS}. Every worker reports the same namespace-wide figures, so a
 * dashboard takes their `max`. A count that fails keeps the last value: a gap must not read as zero.
 */
import type { Logger, MetricMeter } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { IN_FLIGHT_METRIC } from '../../workflow-safe/metric-names';

/** Often enough for a dashboard; each round is a handful of visibility counts. */
const IN_FLIGHT_INTERVAL_MS = 30_000;

/** The phases a running cancellation can be in, per workflow type (the ended ones are not in flight). */
const PHASES: Record<string, readonly string[]> = {
  cancelOfferOperation: ['validating', 'requesting', 'polling'],
  cancelIngestionJob: ['validating', 'requesting', 'polling', 'summarising'],
};

/** Starts counting; `stop()` ends it (the worker's shutdown). */
export function startInFlightGauge(
  connection: Pick<NativeConnection, 'workflowService'>,
  meter: MetricMeter,
  namespace: string,
  logger: Logger,
  intervalMs = IN_FLIGHT_INTERVAL_MS,
): { stop(): void } {
  const gauge = meter.createGauge(IN_FLIGHT_METRIC, 'int', undefined, 'Running cancellations in the namespace, by workflow type and phase');
  const countOnce = async (workflowType: string, phase: string) => {
    const query = `WorkflowType = '${workflowType}' AND ExecutionStatus = 'Running' AND CppCancelPhase = '${phase}'`;
    try {
      const { count } = await connection.workflowService.countWorkflowExecutions({ namespace, query });
      gauge.set(Number(count ?? 0), { workflowType, phase });
    } catch (error) {
      logger.debug('in-flight count failed; the gauge keeps its last value', { sdkComponent: 'worker', workflowType, phase, error: String(error) });
    }
  };
  const round = () => Promise.all(Object.entries(PHASES).flatMap(([type, phases]) => phases.map((phase) => countOnce(type, phase))));
  let running: Promise<unknown> = round();
  const timer = setInterval(() => {
    running = running.then(round);
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
