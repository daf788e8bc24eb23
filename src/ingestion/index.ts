/**
 * The Product Ingestion API client: plain TypeScript, no Temporal. It cancels a configure job, reads
 * its status and its summary, over the CPP client's HTTP plumbing, with tokens for Microsoft Graph.
 */
export * from './types';
export { DEFAULT_INGESTION_BASE_URL, GRAPH_SCOPE, IngestionHttpClient, type IngestionHttpClientOptions } from './client';
export { parseJobStatus, parseJobSummary } from './configure-status';
export { ingestionTokenProvider } from './tokens';
