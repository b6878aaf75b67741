/**
 * Reads an Embedded Metric Format record the way CloudWatch does: each directive's metrics, each
 * dimension set's values taken from the record's top level. A record CloudWatch would reject (a
 * dimension or metric missing from the top level, more than 100 values) fails the test here.
 */
export interface EmfDatum {
  namespace: string;
  name: string;
  unit: string;
  /** The dimension set, with its values. */
  dimensions: Record<string, string>;
  values: number[];
}

export function emfData(record: Record<string, unknown>): EmfDatum[] {
  const aws = record._aws as { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } | undefined;
  if (!aws) return [];
  if (!Number.isInteger(aws.Timestamp)) throw new Error('EMF: _aws.Timestamp is not epoch milliseconds');
  return aws.CloudWatchMetrics.flatMap(({ Namespace, Dimensions, Metrics }) =>
    Dimensions.flatMap((set) => {
      const dimensions = Object.fromEntries(
        set.map((key) => {
          if (typeof record[key] !== 'string') throw new Error(`EMF: dimension ${key} is not a top-level string`);
          return [key, record[key] as string];
        }),
      );
      return Metrics.map(({ Name, Unit }) => {
        const raw = record[Name];
        const values = Array.isArray(raw) ? raw : [raw];
        if (values.length === 0 || values.length > 100 || !values.every((v) => typeof v === 'number')) throw new Error(`EMF: metric ${Name} has no valid values`);
        return { namespace: Namespace, name: Name, unit: Unit, dimensions, values: values as number[] };
      });
    }),
  );
}

/** The one datum of `name` with exactly these dimensions, or undefined. */
export function datum(data: EmfDatum[], name: string, dimensions: Record<string, string>): EmfDatum | undefined {
  return data.find((d) => d.name === name && JSON.stringify(Object.entries(d.dimensions).sort()) === JSON.stringify(Object.entries(dimensions).sort()));
}
