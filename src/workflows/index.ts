/** Every workflow the worker registers. Bundled by the SDK: deterministic code only. */
export { cancelOfferOperation } from './cancel-offer-operation';
export { cancelReleaseOffers } from './cancel-release-offers';
export { cancelIngestionJob } from './cancel-ingestion-job';
