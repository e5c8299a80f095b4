// Reading the operations kit (deploy/grafana/colliery.json, deploy/prometheus/*.yml) the way
// Grafana and Prometheus do, enough to check it against a node's /metrics: a parser for the
// YAML those files use, the metric names a PromQL expression reads, and a Prometheus text
// exposition's names and types. No dependency: each is small, and fails loudly on what it
// does not know rather than guessing.

/** A YAML value as these files use it: scalars stay strings. */
export type Yaml = string | null | Yaml[] | { [key: string]: Yaml };

/**
 * Block mappings and sequences, plain and quoted scalars, `|`/`>` block scalars, comments and
 * the empty `[]`/`{}`: the subset Prometheus rule and config files are written in. Anything
 * else (anchors, flow collections, multi-line plain scalars) is an error naming the line.
 */
export function parseYaml(text: string): Yaml {
  const lines = text.split(/\r?\n/);
  let i = 0;
  const blank = (s: string): boolean => s.trim() === '' || s.trimStart().startsWith('#');
  const indentOf = (s: string): number => s.length - s.trimStart().length;
  const fail = (why: string, at = i): never => {
    throw new Error(`YAML line ${at + 1}: ${why}: ${JSON.stringify(lines[at] ?? '')}`);
  };
  const next = (): number | null => {
    while (i < lines.length && blank(lines[i]!)) i++;
    return i < lines.length ? indentOf(lines[i]!) : null;
  };
  const isItem = (s: string): boolean => /^-( |$)/.test(s.trimStart());

  const scalar = (raw: string): Yaml => {
    const s = raw.trim();
    if (s.startsWith('"')) {
      const m = /^"((?:[^"\\]|\\.)*)"\s*(#.*)?$/.exec(s) ?? fail('unterminated "string"');
      return m[1]!.replace(/\\(.)/g, (_, c: string) =>
        c === 'n'
          ? '\n'
          : c === 't'
            ? '\t'
            : c === '"' || c === '\\' || c === '/'
              ? c
              : fail(`escape \\${c}`),
      );
    }
    if (s.startsWith("'")) {
      const m = /^'((?:[^']|'')*)'\s*(#.*)?$/.exec(s) ?? fail("unterminated 'string'");
      return m[1]!.replace(/''/g, "'");
    }
    const plain = s.replace(/\s+#.*$/, '');
    if (plain === '' || plain === '~' || plain === 'null') return null;
    if (plain === '[]') return [];
    if (plain === '{}') return {};
    if (/^[[{&*!|>]/.test(plain)) fail('unsupported YAML');
    return plain;
  };

  const blockScalar = (indicator: string, parent: number): string => {
    const start = i;
    const body: string[] = [];
    let indent: number | null = null;
    while (i < lines.length) {
      const l = lines[i]!;
      if (l.trim() === '') {
        body.push('');
        i++;
        continue;
      }
      const ind = indentOf(l);
      if (ind <= parent) break;
      indent ??= ind;
      if (ind < indent) fail('block scalar dedented');
      body.push(l.slice(indent));
      i++;
    }
    while (body.at(-1) === '') body.pop();
    if (body.length === 0) fail('empty block scalar', start - 1);
    const text = indicator.startsWith('>') ? body.join(' ') : body.join('\n');
    return indicator.endsWith('-') ? text : `${text}\n`;
  };

  /** The value after `key:` or `- ` on the line just read (i already past it). */
  const valueOf = (rest: string, own: number): Yaml => {
    if (/^[|>][-+]?$/.test(rest.trim())) return blockScalar(rest.trim(), own);
    if (rest.trim() !== '' && !rest.trim().startsWith('#')) return scalar(rest);
    const ind = next();
    if (ind === null) return null;
    if (ind > own) return block(ind);
    if (ind === own && isItem(lines[i]!)) return sequence(ind); // `key:` then `- …` at its indent
    return null;
  };

  const mapping = (indent: number): Yaml => {
    const out: { [key: string]: Yaml } = {};
    for (let ind = next(); ind === indent && !isItem(lines[i]!); ind = next()) {
      const line = lines[i]!.trim();
      const m = /^([A-Za-z0-9_.\-/$]+):(?: (.*))?$/.exec(line) ?? fail('not a `key: value`');
      const key = m[1]!;
      if (key in out) fail(`duplicate key ${key}`);
      i++;
      out[key] = valueOf(m[2] ?? '', indent);
    }
    const ind = next();
    if (ind !== null && ind > indent) fail('unexpected indentation');
    return out;
  };

  const sequence = (indent: number): Yaml => {
    const out: Yaml[] = [];
    for (let ind = next(); ind === indent && isItem(lines[i]!); ind = next()) {
      const rest = lines[i]!.trimStart().slice(1);
      if (/^ +[A-Za-z0-9_.\-/$]+:( |$)/.test(rest)) {
        // `- key: value`: a mapping whose first line is this one, two columns in.
        lines[i] = ' '.repeat(indent + 1) + rest;
        out.push(mapping(indentOf(lines[i]!)));
      } else {
        i++;
        out.push(valueOf(rest, indent));
      }
    }
    return out;
  };

  const block = (indent: number): Yaml => (isItem(lines[i]!) ? sequence(indent) : mapping(indent));

  const first = next();
  if (first === null) return null;
  const doc = block(first);
  if (next() !== null) fail('trailing content');
  return doc;
}

/** Aggregations and functions of PromQL (Prometheus 2.x and 3.x). */
const FUNCTIONS = new Set(
  (
    'sum min max avg group stddev stdvar count count_values bottomk topk quantile limitk ' +
    'limit_ratio abs absent absent_over_time ceil changes clamp clamp_max clamp_min ' +
    'day_of_month day_of_week day_of_year days_in_month delta deriv exp floor ' +
    'histogram_avg histogram_count histogram_fraction histogram_quantile histogram_stddev ' +
    'histogram_stdvar histogram_sum holt_winters double_exponential_smoothing hour idelta ' +
    'increase irate label_join label_replace ln log2 log10 minute month predict_linear rate ' +
    'resets round scalar sgn sort sort_desc sort_by_label sort_by_label_desc sqrt time ' +
    'timestamp vector year avg_over_time min_over_time max_over_time sum_over_time ' +
    'count_over_time quantile_over_time stddev_over_time stdvar_over_time last_over_time ' +
    'present_over_time mad_over_time acos acosh asin asinh atan atanh cos cosh sin sinh tan ' +
    'tanh deg rad pi info'
  ).split(' '),
);
/** Words of PromQL that are not series. */
const KEYWORDS = new Set(
  'by without on ignoring group_left group_right and or unless bool offset atan2 inf nan'.split(
    ' ',
  ),
);
/** Series Prometheus makes itself for every target (never on /metrics). */
export const BUILTIN_SERIES = new Set([
  'up',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
  'ALERTS',
  'ALERTS_FOR_STATE',
]);

/** What an expression reads: metric names, and the names each rate-like function is given. */
export interface ExprNames {
  readonly metrics: Set<string>;
  /** name → the functions applied directly to it (rate, increase, delta…). */
  readonly appliedTo: Map<string, Set<string>>;
}

/**
 * The metric names a PromQL expression reads (Prometheus's own series left out). Grafana's
 * variables (`$job`, `${x}`, `$__rate_interval`) may appear; an unknown function is an error.
 */
export function promqlNames(expr: string): ExprNames {
  const s = expr
    .replace(/\$\{[^}]*\}|\$\w+/g, '1') // Grafana variables: in matchers, ranges or as numbers
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/#[^\n]*/g, '') // comments
    .replace(/\{[^{}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' '); // label lists
  const metrics = new Set<string>();
  const appliedTo = new Map<string, Set<string>>();
  const token =
    /(0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?[a-z]*|\.\d+)|([A-Za-z_:][\w:]*)(\s*\()?/gi;
  for (const m of s.matchAll(token)) {
    const [, number, name, call] = m;
    if (number !== undefined || name === undefined) continue;
    if (call !== undefined) {
      if (!FUNCTIONS.has(name)) throw new Error(`unknown PromQL function ${name}() in: ${expr}`);
      continue;
    }
    if (KEYWORDS.has(name.toLowerCase()) || BUILTIN_SERIES.has(name)) continue;
    metrics.add(name);
  }
  for (const m of s.matchAll(/\b([a-z_]+)\s*\(\s*([A-Za-z_:][\w:]*)\s*\)/g)) {
    const [, fn, name] = m;
    if (!FUNCTIONS.has(fn!) || !metrics.has(name!)) continue;
    const set = appliedTo.get(name!) ?? new Set<string>();
    set.add(fn!);
    appliedTo.set(name!, set);
  }
  return { metrics, appliedTo };
}

/** Every PromQL expression of a Grafana dashboard: panel targets (rows included) and variables. */
export function dashboardExprs(dashboard: unknown): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  const d = dashboard as {
    panels?: { title?: string; targets?: { expr?: unknown }[]; panels?: unknown[] }[];
    templating?: { list?: { name?: string; type?: string; query?: unknown }[] };
  };
  const walk = (panels: unknown[] | undefined): void => {
    for (const p of (panels ?? []) as NonNullable<typeof d.panels>) {
      for (const t of p.targets ?? [])
        if (typeof t.expr === 'string') out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels);
    }
  };
  walk(d.panels);
  for (const v of d.templating?.list ?? []) {
    if (v.type !== 'query') continue;
    const q = typeof v.query === 'string' ? v.query : (v.query as { query?: string })?.query;
    if (typeof q !== 'string') continue;
    // Grafana's label_values(metric, label) and query_result(expr): the PromQL is inside.
    const inner =
      /^\s*label_values\((.*),\s*\w+\s*\)\s*$/.exec(q)?.[1] ??
      /^\s*query_result\((.*)\)\s*$/.exec(q)?.[1] ??
      (/^\s*label_values\(\s*\w+\s*\)\s*$/.test(q) ? '' : q);
    if (inner !== '') out.push({ where: `variable $${v.name}`, expr: inner });
  }
  return out;
}

/** A text exposition's families (from `# TYPE`) and the names its samples carry. */
export interface Exposed {
  readonly types: Map<string, string>;
  readonly samples: Set<string>;
}

export function exposed(text: string): Exposed {
  const types = new Map<string, string>();
  const samples = new Set<string>();
  for (const line of text.split('\n')) {
    const t = /^# TYPE ([A-Za-z_:][\w:]*) (\w+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    else if (line !== '' && !line.startsWith('#'))
      samples.add(/^[A-Za-z_:][\w:]*/.exec(line)?.[0] ?? line);
  }
  return { types, samples };
}

/** Whether /metrics offers `name`: a sample, a `# TYPE` line, or a histogram's/summary's part. */
export function offers(e: Exposed, name: string): boolean {
  if (e.samples.has(name) || e.types.has(name)) return true;
  const part = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (part === null) return false;
  const type = e.types.get(part[1]!);
  return type === 'histogram' || (type === 'summary' && part[2] !== 'bucket');
}

/** The family a name belongs to (`x_bucket` of histogram x → x), for its type. */
export function typeOf(e: Exposed, name: string): string | undefined {
  return e.types.get(name) ?? e.types.get(name.replace(/_(bucket|sum|count)$/, ''));
}
