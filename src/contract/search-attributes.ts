/**
 * The search attributes a cancellation labels itself with (Keyword): the namespace must have them
 * (`npm run setup`), or every run fails its workflow task; the worker checks at start-up.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Every search attribute of ours: what `npm run setup`, `npm run dev` and the compose stack register.
 * Runs upsert those their starter did not set (`IngestionJobId` a job's), so a worker refuses a namespace without any.
 */
export const SEARCH_ATTRIBUTE_NAMES = ['CppPublisherId', 'CppOfferId', 'CppCancelPhase', 'IngestionJobId'] as const;
export const jobIdSearchAttribute = defineSearchAttributeKey('IngestionJobId', SearchAttributeType.KEYWORD);
export const publisherIdSearchAttribute = defineSearchAttributeKey('CppPublisherId', SearchAttributeType.KEYWORD);
export const offerIdSearchAttribute = defineSearchAttributeKey('CppOfferId', SearchAttributeType.KEYWORD);
export const cancelPhaseSearchAttribute = defineSearchAttributeKey('CppCancelPhase', SearchAttributeType.KEYWORD);
