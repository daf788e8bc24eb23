/**
 * The search attributes a cancellation labels itself with (Keyword): the namespace must have them
 * (`npm run setup`), or every run fails its workflow task; the worker checks at start-up.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SEARCH_ATTRIBUTE_NAMES = ['CppPublisherId', 'CppOfferId', 'CppCancelPhase'] as const;
export const publisherIdSearchAttribute = defineSearchAttributeKey('CppPublisherId', SearchAttributeType.KEYWORD);
export const offerIdSearchAttribute = defineSearchAttributeKey('CppOfferId', SearchAttributeType.KEYWORD);
export const cancelPhaseSearchAttribute = defineSearchAttributeKey('CppCancelPhase', SearchAttributeType.KEYWORD);
