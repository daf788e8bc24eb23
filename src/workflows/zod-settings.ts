/**
 * zod's settings for workflow code, applied once by the worker before any schema is built (it is the
 * first of the shared modules, see src/workflow-bundle.ts).
 *
 * jitless: zod would otherwise compile object parsers with `new Function` inside the workflow
 * sandbox, and its lazily cached "may I eval?" check throws once the SDK has frozen zod's exports.
 * The parse results are the same.
 */
import { z } from 'zod';

z.config({ jitless: true });
