/**
 * The one CDK entry. Each sample adds its own stack; the stacks share nothing, so any one
 * deploys alone: `npx cdk deploy StatefulMcpOnEcs`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

import { StatefulMcpOnEcs } from './stateful-mcp-on-ecs/infra/stack';
import { StatelessMcpOnEcs } from './stateless-mcp-on-ecs/infra/stack';
import { StatelessMcpOnLambda } from './stateless-mcp-on-lambda/infra/stack';

const app = new App();
// cdk-nag's AwsSolutions rules run at every synth and deploy: a violation stops it, and every
// accepted finding is acknowledged, with its reason, where the resource is made.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
new StatelessMcpOnEcs(app, 'StatelessMcpOnEcs');
new StatelessMcpOnLambda(app, 'StatelessMcpOnLambda');
new StatefulMcpOnEcs(app, 'StatefulMcpOnEcs');

app.synth();
