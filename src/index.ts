/**
 * What other teams import: `import { startOfferCancellation, progressQuery } from 'cpp-offer-cancellation'`.
 * The client library and the contract. Workflow code imports `cpp-offer-cancellation/workflow` (a
 * cancellation as a child) or `cpp-offer-cancellation/contract` (names, types, the Nexus service).
 */
export * from './client';
export * from './contract';
