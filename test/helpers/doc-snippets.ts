/**
 * The TypeScript code blocks of a Markdown document, as a consumer of the package would paste them.
 * A block may be preceded by HTML comments a reader never sees:
 * - `<!-- compile-with: declare const client: import('@temporalio/client').Client; -->`: declarations
 *   the fragment assumes (its own imports stay in the visible block);
 * - `<!-- run-in-test -->`: the package test runs this block against a dev server.
 */
import { readFile } from 'node:fs/promises';

export interface DocSnippet {
  /** e.g. `README.md:112` (the line of its opening fence). */
  where: string;
  /** The file name it is compiled as: the document and the block's number. */
  fileName: string;
  /** The prelude, then the block as written. */
  source: string;
  run: boolean;
}

const FENCE = /^```(ts|typescript)\s*$/;

export async function tsSnippets(docPath: string, label: string): Promise<DocSnippet[]> {
  const lines = (await readFile(docPath, 'utf8')).split('\n');
  const snippets: DocSnippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!FENCE.test(lines[i] ?? '')) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    const prelude: string[] = [];
    let run = false;
    for (let j = start - 1; j >= 0 && /^<!--.*-->\s*$/.test(lines[j] ?? ''); j--) {
      const comment = (lines[j] ?? '').replace(/^<!--\s*/, '').replace(/\s*-->\s*$/, '');
      if (comment === 'run-in-test') run = true;
      else if (comment.startsWith('compile-with:')) prelude.unshift(comment.slice('compile-with:'.length).trim());
    }
    const n = snippets.length + 1;
    snippets.push({
      where: `${label}:${start + 1}`,
      fileName: `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${n}.ts`,
      // `export {}` makes every block a module, so top-level await and its own names are allowed.
      source: [...prelude, ...body, 'export {};', ''].join('\n'),
      run,
    });
  }
  return snippets;
}
