/**
 * cfn-lint on every template the stacks synthesize, in each context that changes them: no error
 * and no warning beyond the one justified below. cfn-lint is a Python tool (`pip install
 * cfn-lint`); where it is absent the check is skipped with a notice, as the compose check is.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { App } from 'aws-cdk-lib';

import { StatefulMcpOnEcs } from '../stateful-mcp-on-ecs/infra/stack';
import { StatelessMcpOnEcs } from '../stateless-mcp-on-ecs/infra/stack';
import { StatelessMcpOnLambda } from '../stateless-mcp-on-lambda/infra/stack';

const cfnLintInstalled = spawnSync('cfn-lint', ['--version'], { stdio: 'ignore' }).status === 0;
if (!cfnLintInstalled) process.stdout.write('notice: cfn-lint is not installed; the template lint is skipped (pip install cfn-lint)\n');

// W3005: a DependsOn that a Ref or GetAtt already implies. The CDK writes these itself (an ECS
// service on its target group, a function on its role's policy, the VPC's default-security-group
// custom resource on its role); they are redundant, harmless, and not in this repository's code.
const IGNORED = ['W3005'];

/** cdk.json's feature flags change the templates (the VPC's default-security-group resource, say): lint what `cdk synth` makes. */
const cdkJsonContext = JSON.parse(readFileSync(join(__dirname, '../cdk.json'), 'utf8')).context as Record<string, unknown>;

const contexts: Array<[name: string, context: Record<string, string>]> = [
  ['the defaults', {}],
  [
    'HTTPS on a domain, and reserved Lambda concurrency',
    { domainName: 'mcp.example.com', certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/abc', reservedConcurrency: '20' },
  ],
  ['a web ACL made for a per-IP rate limit', { rateLimitPerIp: '1000' }],
  ['an existing web ACL', { webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/mcp/abc' }],
  [
    'another authorization server instead of the Cognito pools',
    { authIssuer: 'https://example.eu.auth0.com/', authAudience: 'https://mcp.example.com/mcp', authScopes: 'mcp:tools', authJwksUri: 'https://example.eu.auth0.com/.well-known/jwks.json' },
  ],
  ['no authentication', { auth: 'none' }],
  ['tracing (a collector sidecar on ECS, active tracing on Lambda) and an alarm email', { tracing: 'true', alarmEmail: 'ops@example.com' }],
];

describe('cfn-lint', () => {
  (cfnLintInstalled ? it.each(contexts) : it.skip.each(contexts))(
    'finds nothing in the three stacks\' templates with %s',
    (_, context) => {
      const outdir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
      try {
        // Bundling is the bundle test's business; the template is the same without it.
        const app = new App({ outdir, context: { ...cdkJsonContext, 'aws:cdk:bundling-stacks': [], ...context } });
        new StatelessMcpOnEcs(app, 'StatelessMcpOnEcs');
        new StatelessMcpOnLambda(app, 'StatelessMcpOnLambda');
        new StatefulMcpOnEcs(app, 'StatefulMcpOnEcs');
        const templates = app.synth().stacks.map((stack) => stack.templateFullPath);
        expect(templates).toHaveLength(3);

        const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--ignore-checks', ...IGNORED, '--', ...templates], { encoding: 'utf8' });
        expect(lint.stdout.trim().split('\n').filter(Boolean)).toEqual([]);
        expect(lint.status).toBe(0);
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
