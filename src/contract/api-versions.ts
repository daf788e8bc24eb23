/**
 * The API versions every call names unless told otherwise. Plain constants, free of Temporal, so the
 * API clients (src/cpp, src/ingestion) can take them from the contract at run time.
 */

/** The Product Ingestion API's `$version` of every call. */
export const DEFAULT_INGESTION_VERSION = '2022-03-01-preview2';
