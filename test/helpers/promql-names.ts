/**
 * The metric names a PromQL expression reads, for tests that check dashboards and alert rules
 * against what the worker exports. A small scanner, not a parser: it knows just enough of the
 * syntax to tell a metric name from a function, a keyword, a label or a literal.
 */

/** Binary operators and modifiers spelt as words. */
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'atan2']);
/** Aggregations: `sum by (x) (…)` puts a word between the name and its `(`. */
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
/** Words followed by a list of label names in parentheses (optional after `group_left`/`group_right`). */
const LABEL_LIST_BEFORE = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Number literals spelt as words. */
const NUMBER_WORDS = new Set(['inf', 'nan']);

/** Grafana's variables: `${datasource}`, `${var:format}`, `$__rate_interval`, `$namespace`. */
const GRAFANA_VARIABLE = /\$\{[^}]*\}|\$\w+/g;

/** The metric names `expr` reads, each once, in order of first use. */
export function metricNamesIn(expr: string): string[] {
  // Grafana substitutes its variables before the query runs: they are never names.
  const text = expr.replace(GRAFANA_VARIABLE, ' ');
  const names: string[] = [];
  let i = 0;
  /** Index of the next character that is not white space, from `from`. */
  const nextNonSpace = (from: number) => {
    let j = from;
    while (j < text.length && /\s/.test(text[j]!)) j++;
    return j;
  };
  /** Index just past the `close` that ends the group opened at `open`, skipping strings inside it. */
  const skipGroup = (open: number, close: string) => {
    let j = open + 1;
    while (j < text.length && text[j] !== close) j = /["'`]/.test(text[j]!) ? skipString(j) : j + 1;
    return j + 1;
  };
  /** Index just past the string that starts at `start` (backslash escapes kept out of the way). */
  const skipString = (start: number) => {
    const quote = text[start];
    let j = start + 1;
    while (j < text.length && text[j] !== quote) j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  };

  while (i < text.length) {
    const c = text[i]!;
    if (/["'`]/.test(c)) i = skipString(i);
    // Label matchers (names, values, `__name__` selectors alike) and ranges, durations, subqueries.
    else if (c === '{') i = skipGroup(i, '}');
    else if (c === '[') i = skipGroup(i, ']');
    else if (c === '#') {
      // A comment, to the end of the line.
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    }
    // Numbers and durations (`0.95`, `1e3`, `0x1f`, `5m`): whatever letters follow a digit belong to it.
    else if (/[0-9.]/.test(c)) i += /^[0-9.][0-9a-zA-Z_.]*/.exec(text.slice(i))![0].length;
    else if (/[a-zA-Z_:]/.test(c)) {
      const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text.slice(i))![0];
      i += word.length;
      const next = nextNonSpace(i);
      const lower = word.toLowerCase();
      if (LABEL_LIST_BEFORE.has(lower)) {
        if (text[next] === '(') i = skipGroup(next, ')');
      } else if (KEYWORDS.has(lower) || AGGREGATIONS.has(lower) || NUMBER_WORDS.has(lower)) {
        // Not a name.
      } else if (text[next] === '(') {
        // A function call: its arguments are scanned as they come.
      } else if (!names.includes(word)) names.push(word);
    } else i++;
  }
  return names;
}
