/**
 * The one CDK entry. Each sample adds its own stack; the stacks share nothing, so any one
 * deploys alone: `npx cdk deploy StatefulMcpOnEcs`.
 */
import { App } from 'aws-cdk-lib';

import { StatefulMcpOnEcs } from './stateful-mcp-on-ecs/infra/stack';
import { StatelessMcpOnEcs } from './stateless-mcp-on-ecs/infra/stack';
import { StatelessMcpOnLambda } from './stateless-mcp-on-lambda/infra/stack';

const app = new App();
new StatelessMcpOnEcs(app, 'StatelessMcpOnEcs');
new StatelessMcpOnLambda(app, 'StatelessMcpOnLambda');
new StatefulMcpOnEcs(app, 'StatefulMcpOnEcs');

app.synth();
