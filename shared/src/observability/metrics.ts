/**
 * CloudWatch metrics as Embedded Metric Format: JSON log lines that CloudWatch Logs turns into
 * metrics, with no agent (Lambda's log stream, or the awslogs driver on ECS). Each MCP request's
 * metrics ride on its request log line, so the line and the metrics agree by construction; the
 * stateful sample's session and store figures are summed in the process and written once a minute.
 * Off unless `MCP_METRICS=emf` (the stacks set it): a local run's output stays readable.
 */
import type { LogLine } from '../http/request-log';
import type { McpOutcome } from './request-scope';

export const METRICS_NAMESPACE = 'McpOnAws';

export interface MetricsConfig {
  /** `MCP_METRICS=emf`: write EMF. */
  emf: boolean;
  /** The `Service` dimension: the sample's name (`MCP_SERVICE_NAME`). */
  service: string;
}

type Unit = 'Count' | 'Milliseconds';

function directive(dimensions: string[][], metrics: Array<[string, Unit]>) {
  return { Namespace: METRICS_NAMESPACE, Dimensions: dimensions, Metrics: metrics.map(([Name, Unit]) => ({ Name, Unit })) };
}

const REQUEST_METRICS: Array<[string, Unit]> = [
  ['Requests', 'Count'],
  ['Errors', 'Count'],
  ['Latency', 'Milliseconds'],
];
const PER_METHOD = [directive([['Service'], ['Service', 'Method']], REQUEST_METRICS)];
const PER_TOOL = [directive([['Service'], ['Service', 'Method'], ['Service', 'Tool']], REQUEST_METRICS)];

/**
 * The request line's MCP fields: `Method`, `Tool`, `Errors`, `Latency` always (what Logs Insights
 * queries), and with EMF the `Service` dimension, `Requests` and the directive that makes them metrics.
 */
export function mcpFields(mcp: McpOutcome, { emf, service }: MetricsConfig): LogLine {
  const fields = {
    Method: mcp.method,
    Tool: mcp.tool,
    Errors: mcp.errorType === undefined ? 0 : 1,
    errorType: mcp.errorType,
    Latency: Math.round(mcp.latencyMs * 10) / 10,
  };
  if (!emf) return fields;
  return { ...fields, Service: service, Requests: 1, _aws: { Timestamp: Date.now(), CloudWatchMetrics: mcp.tool === undefined ? PER_METHOD : PER_TOOL } };
}

/** EMF keeps at most 100 values per metric in one record. */
const MAX_VALUES = 100;

interface Series {
  unit: Unit;
  /** A count is summed into one value; a latency keeps each value, so percentiles can be read. */
  values: number[];
}

/**
 * Metrics summed in the process and written as EMF lines every `intervalMs` (60 s), each group of
 * dimensions one line; gauges are read at each flush. Disabled, it records nothing.
 */
export class MetricSink {
  private readonly groups = new Map<string, { dimensions: Record<string, string>; series: Map<string, Series> }>();
  private readonly gauges: Array<[string, () => number]> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: MetricsConfig,
    private readonly write: (line: string) => void = (line) => void process.stdout.write(`${line}\n`),
  ) {}

  get enabled(): boolean {
    return this.config.emf;
  }

  count(name: string, dimensions: Record<string, string> = {}): void {
    if (!this.enabled) return;
    const series = this.series(name, 'Count', dimensions);
    series.values[0] = (series.values[0] ?? 0) + 1;
  }

  milliseconds(name: string, ms: number, dimensions: Record<string, string> = {}): void {
    if (!this.enabled) return;
    this.series(name, 'Milliseconds', dimensions).values.push(Math.round(ms * 10) / 10);
  }

  /** `read` is called at every flush (`LiveSessions`: the sessions this task holds). */
  gauge(name: string, read: () => number): void {
    this.gauges.push([name, read]);
  }

  /** Flushes every `intervalMs` until `stop`; the timer never keeps the process alive. */
  start(intervalMs = 60_000): void {
    if (!this.enabled || this.timer) return;
    this.timer = setInterval(() => this.flush(), intervalMs).unref();
  }

  /** Writes what was recorded, and stops the timer. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }

  flush(): void {
    if (!this.enabled) return;
    for (const [name, read] of this.gauges) this.series(name, 'Count', {}).values = [read()];
    for (const { dimensions, series } of this.groups.values()) {
      const entries = [...series.entries()].filter(([, s]) => s.values.length > 0);
      for (let offset = 0; entries.some(([, s]) => s.values.length > offset); offset += MAX_VALUES) {
        const chunk = entries.filter(([, s]) => s.values.length > offset);
        const record: Record<string, unknown> = {
          _aws: { Timestamp: Date.now(), CloudWatchMetrics: [directive([['Service', ...Object.keys(dimensions)]], chunk.map(([name, s]) => [name, s.unit]))] },
          Service: this.config.service,
          ...dimensions,
        };
        for (const [name, s] of chunk) {
          const values = s.values.slice(offset, offset + MAX_VALUES);
          record[name] = values.length === 1 ? values[0] : values;
        }
        this.write(JSON.stringify(record));
      }
    }
    this.groups.clear();
  }

  private series(name: string, unit: Unit, dimensions: Record<string, string>): Series {
    const key = JSON.stringify(dimensions);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dimensions, series: new Map() }));
    let series = group.series.get(name);
    if (!series) group.series.set(name, (series = { unit, values: [] }));
    return series;
  }
}
