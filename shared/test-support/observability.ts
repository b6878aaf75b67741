import { App, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

import { COLLECTOR_ENDPOINT, COLLECTOR_IMAGE } from '../infra/tracing';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
/** A dashboard widget's metric line: namespace, name, then dimension name/value pairs, then its options. */
type MetricLine = [string, string, ...unknown[]];
interface Widget {
  properties: { title: string; region: string; metrics: MetricLine[]; annotations?: { horizontal?: Array<{ value: number }> } };
}

export interface ExpectedObservability {
  /** The `Service` dimension and the sample's name. */
  service: string;
  /** Every tool the sample's server registers. */
  tools: readonly string[];
  /** Where the server runs: which AWS metrics and which tracing path. */
  compute: 'lambda' | 'ecs';
  /** The sample's own alarms, beside every stack's and every ECS stack's (below), by construct id. */
  alarms?: Record<string, ExpectedAlarm>;
}

/** An alarm's threshold, and the metric it reads: its name, or each metric of its expression. */
type ExpectedAlarm = { threshold: number; metrics: string[] };

const EVERY_STACK_ALARMS: Record<string, ExpectedAlarm> = { LatencyP99: { threshold: 5_000, metrics: ['Latency'] } };
const ECS_ALARMS: Record<string, ExpectedAlarm> = {
  ServerErrorRate: { threshold: 5, metrics: ['HTTPCode_Target_5XX_Count', 'HTTPCode_ELB_5XX_Count', 'RequestCount'] },
  CpuHigh: { threshold: 80, metrics: ['CPUUtilization'] },
  MemoryHigh: { threshold: 80, metrics: ['MemoryUtilization'] },
};

/**
 * What every sample's stack gives an operator (issue #19): the telemetry settings on the server, a
 * dashboard with requests, errors and p99 per tool, alarms with their thresholds on an encrypted
 * SNS topic, an email subscription only with `-c alarmEmail`, and X-Ray tracing only with `-c tracing=true`.
 */
export function describeMcpObservability(stackName: string, addStack: (app: App, id: string) => Stack, expected: ExpectedObservability): void {
  // Bundling is the bundle test's business (the Lambda stack); the template is the same without it.
  const synth = (context: Record<string, string> = {}) => Template.fromStack(addStack(new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } }), stackName));
  const resources = (t: Template, type: string) => Object.entries(t.findResources(type)) as Array<[string, Resource]>;

  /** The MCP server's environment: the task's first container, or the function with the Host allow-list. */
  const serverEnv = (t: Template): Record<string, unknown> => {
    const [task] = resources(t, 'AWS::ECS::TaskDefinition');
    if (task) return Object.fromEntries(task[1].Properties.ContainerDefinitions[0].Environment.map((e: { Name: string; Value: unknown }) => [e.Name, e.Value]));
    const [fn] = resources(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Environment?.Variables?.MCP_ALLOWED_HOSTS);
    return fn![1].Properties.Environment.Variables;
  };
  /** The dashboard's widgets, its tokens written `<LogicalId>` or `<AWS::Region>`. */
  const widgets = (t: Template): Widget[] => {
    const [[, dashboard]] = resources(t, 'AWS::CloudWatch::Dashboard') as [[string, Resource]];
    const body = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    const text = body.map((part) => (typeof part === 'string' ? part : `<${(part as { Ref?: string }).Ref ?? Object.values(part as object)[0][0]}>`)).join('');
    return JSON.parse(text).widgets;
  };
  const widget = (t: Template, title: RegExp): Widget => {
    const found = widgets(t).filter((w) => title.test(w.properties.title));
    expect(found.map((w) => w.properties.title)).toHaveLength(1);
    return found[0]!;
  };
  /** The dimension value a metric line gives `name`. */
  const dimension = (line: MetricLine, name: string) => line[line.indexOf(name) + 1];
  const alarmsById = (t: Template) => new Map(resources(t, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => [id.replace(/^Observability/, '').replace(/[0-9A-F]{8}$/, ''), alarm.Properties]));
  const expectedAlarms = { ...EVERY_STACK_ALARMS, ...(expected.compute === 'ecs' && ECS_ALARMS), ...expected.alarms };
  const alarmMetrics = (alarm: Record<string, any>): string[] =>
    alarm.MetricName ? [alarm.MetricName] : alarm.Metrics.filter((m: any) => m.MetricStat).map((m: any) => m.MetricStat.Metric.MetricName);

  describe(`${stackName}'s dashboard and alarms`, () => {
    const t = synth();

    it('writes its metrics as EMF and names them, its logs and spans after the sample, in the McpOnAws namespace, without turning tracing on', () => {
      expect(serverEnv(t)).toMatchObject({
        MCP_METRICS: 'emf',
        MCP_SERVICE_NAME: expected.service,
        POWERTOOLS_SERVICE_NAME: expected.service,
        POWERTOOLS_METRICS_NAMESPACE: 'McpOnAws',
        OTEL_SERVICE_NAME: expected.service,
      });
      expect(Object.keys(serverEnv(t))).not.toEqual(expect.arrayContaining([expect.stringMatching(/^OTEL_EXPORTER|^MCP_TRACING$/)]));
    });

    it('draws calls, failures and p99 latency per tool: one line for each registered tool, and one for unknown names', () => {
      for (const [title, metricName, stat] of [
        [/^Tool calls per tool$/, 'Requests', 'Sum'],
        [/^Failed tool calls per tool$/, 'Errors', 'Sum'],
        [/^Tool call latency per tool, p99/, 'Latency', 'p99'],
      ] as const) {
        const lines = widget(t, title).properties.metrics;
        expect(lines.map((line) => dimension(line, 'Tool'))).toEqual([...expected.tools, 'other']);
        for (const line of lines) {
          expect(line.slice(0, 2)).toEqual(['McpOnAws', metricName]);
          expect(dimension(line, 'Service')).toBe(expected.service);
          expect(line.at(-1)).toMatchObject({ stat, period: 60 });
        }
      }
    });

    it('draws every MCP request: count, errors, p50 and p99, with the latency alarm\'s line', () => {
      expect(widget(t, /^MCP requests and errors$/).properties.metrics.map((line) => line[1])).toEqual(['Requests', 'Errors']);
      const latency = widget(t, /^MCP request latency/).properties;
      expect(latency.metrics.map((line) => (line.at(-1) as { stat: string }).stat)).toEqual(['p50', 'p99']);
      expect(latency.annotations?.horizontal?.[0]?.value).toBe(5_000);
    });

    if (expected.compute === 'lambda') {
      it('draws the function\'s concurrency, invocations, errors and throttles, and API Gateway\'s 5xx', () => {
        expect(widget(t, /^Lambda concurrency$/).properties.metrics[0]!.slice(0, 2)).toEqual(['AWS/Lambda', 'ConcurrentExecutions']);
        expect(widget(t, /^Lambda invocations/).properties.metrics.map((line) => line[1])).toEqual(['Invocations', 'Errors', 'Throttles']);
        expect(widget(t, /^API Gateway 5xx/).properties.metrics[0]!.slice(0, 2)).toEqual(['AWS/ApiGateway', '5XXError']);
      });
    } else {
      it('draws the tasks\' CPU and memory, running and healthy tasks, the ALB\'s 5xx, and CloudFront\'s 5xx from us-east-1', () => {
        expect(widget(t, /^Tasks: CPU and memory/).properties.metrics.map((line) => line.slice(0, 2))).toEqual([['AWS/ECS', 'CPUUtilization'], ['AWS/ECS', 'MemoryUtilization']]);
        const tasks = widget(t, /^Tasks: running and healthy$/).properties.metrics;
        expect(tasks.map((line) => line[1])).toEqual(['RunningTaskCount', 'HealthyHostCount']);
        expect(dimension(tasks[0]!, 'ClusterName')).toMatch(/^<McpCluster/);
        const cloudFront = widget(t, /^CloudFront 5xx/).properties;
        expect(cloudFront.region).toBe('us-east-1'); // CloudFront's metrics exist there only
        expect(cloudFront.metrics[0]!.slice(0, 2)).toEqual(['AWS/CloudFront', '5xxErrorRate']);
      });
    }

    it('has exactly the expected alarms, each with its threshold, its metric, a reason in its description, and no alarm on missing data', () => {
      const alarms = alarmsById(t);
      expect([...alarms.keys()].sort()).toEqual(Object.keys(expectedAlarms).sort());
      for (const [id, { threshold, metrics }] of Object.entries(expectedAlarms)) {
        const alarm = alarms.get(id)!;
        expect({ id, threshold: alarm.Threshold, metrics: alarmMetrics(alarm) }).toEqual({ id, threshold, metrics });
        expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
        expect(alarm.AlarmDescription).toMatch(new RegExp(`^${expected.service}: .+\\. .+`));
      }
    });

    it('sends every alarm, and its recovery, to one SNS topic, encrypted with a rotating key CloudWatch may use, that refuses plain HTTP', () => {
      const [[topicId, topic]] = resources(t, 'AWS::SNS::Topic') as [[string, Resource]];
      for (const alarm of alarmsById(t).values()) {
        expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      }
      const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
      const key = t.toJSON().Resources[keyId];
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.Properties.KeyPolicy.Statement).toContainEqual(
        expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Effect: 'Allow' }),
      );
      const [[, policy]] = resources(t, 'AWS::SNS::TopicPolicy') as [[string, Resource]];
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('subscribes nobody without -c alarmEmail', () => {
      t.resourceCountIs('AWS::SNS::Subscription', 0);
    });
  });

  describe(`${stackName}'s alarm email and tracing switch`, () => {
    it('subscribes the address given with -c alarmEmail to the alarm topic', () => {
      const t = synth({ alarmEmail: 'ops@example.com' });
      const [[topicId]] = resources(t, 'AWS::SNS::Topic') as [[string, Resource]];
      t.resourceCountIs('AWS::SNS::Subscription', 1);
      t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topicId } });
    });

    it.each(['ops', 'ops@example', 'a@example.com,b@example.com', 'ops @example.com'])('refuses -c alarmEmail=%s at synth, naming the setting', (address) => {
      expect(() => synth({ alarmEmail: address })).toThrow(/alarmEmail must be one email address/);
    });

    it.each(['yes', '1', 'on'])('refuses -c tracing=%s at synth', (value) => {
      expect(() => synth({ tracing: value })).toThrow(/tracing must be true or false/);
    });

    it('adds nothing for tracing without -c tracing=true, or with tracing=false', () => {
      for (const t of [synth(), synth({ tracing: 'false' })]) {
        expect(JSON.stringify(t.toJSON())).not.toMatch(/xray:PutTraceSegments|aws-otel-collector|TracingConfig/);
      }
    });

    const xrayWriter = (t: Template) =>
      resources(t, 'AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('xray:PutTraceSegments'));

    if (expected.compute === 'ecs') {
      it('with -c tracing=true, runs an ADOT collector beside the server (OTLP/HTTP on the task\'s loopback, out to X-Ray), which may only write traces', () => {
        const t = synth({ tracing: 'true' });
        const [[, task]] = resources(t, 'AWS::ECS::TaskDefinition') as [[string, Resource]];
        const [server, collector] = task.Properties.ContainerDefinitions;
        expect(task.Properties.Memory).toBe('1024'); // the server keeps the 512 MiB it was sized in
        expect(collector).toMatchObject({ Name: 'otel-collector', Image: COLLECTOR_IMAGE, Essential: false, Memory: 256, ReadonlyRootFilesystem: true });
        expect(COLLECTOR_IMAGE).toMatch(/:v\d+\.\d+\.\d+$/); // pinned, never :latest
        const config = collector.Environment.find((e: { Name: string }) => e.Name === 'AOT_CONFIG_CONTENT').Value as string;
        expect(config).toMatch(/endpoint: 127\.0\.0\.1:4318/);
        expect(config).toMatch(/exporters: \[awsxray\]/);
        expect(server.Environment).toEqual(
          expect.arrayContaining([
            { Name: 'OTEL_EXPORTER_OTLP_ENDPOINT', Value: COLLECTOR_ENDPOINT },
            { Name: 'OTEL_SERVICE_NAME', Value: expected.service },
            { Name: 'OTEL_TRACES_SAMPLER', Value: 'parentbased_traceidratio' },
          ]),
        );
        const [[, writer]] = xrayWriter(t) as [[string, Resource]];
        expect(writer.Properties.PolicyDocument.Statement).toEqual([{ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' }]);
        expect(writer.Properties.Roles).toEqual([{ Ref: task.Properties.TaskRoleArn['Fn::GetAtt'][0] }]);
      });
    } else {
      it('with -c tracing=true, turns on active tracing and tells the server to send its spans to the sandbox\'s X-Ray daemon: no layer, no extension', () => {
        const t = synth({ tracing: 'true' });
        const [[, fn]] = resources(t, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Environment?.Variables?.MCP_ALLOWED_HOSTS) as [[string, Resource]];
        expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
        expect(fn.Properties.Layers).toBeUndefined();
        expect(serverEnv(t)).toMatchObject({ MCP_TRACING: 'xray-udp', OTEL_SERVICE_NAME: expected.service });
        expect(xrayWriter(t)).toHaveLength(1);
      });
    }
  });
}
