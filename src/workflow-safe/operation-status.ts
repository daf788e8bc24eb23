/**
 * The CPP operation statuses after which an operation never changes again: polling stops there.
 *
 * A module of its own, with no imports but a type, so workflow code (bundled, deterministic) and
 * Node code (the benchmark's naive poller) can both read the one definition.
 */
import type { OperationStatus } from '../contract';

/** `completed`, `canceled` and `failed`; every other status (including `unknown`) means poll again. */
export const TERMINAL_OPERATION_STATUSES: ReadonlySet<OperationStatus> = new Set<OperationStatus>(['completed', 'canceled', 'failed']);
