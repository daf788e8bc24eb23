/**
 * The search attributes a cancellation labels itself with (Keyword): the namespace must have them
 * (`npm run setup`), or every run fails its workflow task; the worker checks at start-up.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Every search attribute of ours: what `npm run setup`, `npm run dev` and the compose stack register. */
export const SEARCH_ATTRIBUTE_NAMES = ['CppPublisherId', 'CppOfferId', 'CppCancelPhase', 'IngestionJobId'] as const;
/**
 * Those every run upserts: a worker refuses a namespace without them. `IngestionJobId` is set at the
 * start of a job's cancellation by the starters (a start without it refuses at once), never upserted.
 */
export const REQUIRED_SEARCH_ATTRIBUTE_NAMES = ['CppPublisherId', 'CppOfferId', 'CppCancelPhase'] as const;
export const jobIdSearchAttribute = defineSearchAttributeKey('IngestionJobId', SearchAttributeType.KEYWORD);
export const publisherIdSearchAttribute = defineSearchAttributeKey('CppPublisherId', SearchAttributeType.KEYWORD);
export const offerIdSearchAttribute = defineSearchAttributeKey('CppOfferId', SearchAttributeType.KEYWORD);
export const cancelPhaseSearchAttribute = defineSearchAttributeKey('CppCancelPhase', SearchAttributeType.KEYWORD);
