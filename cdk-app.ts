/**
 * The one CDK entry. Each sample adds its own stack; the stacks share nothing, so any one
 * deploys alone: `npx cdk deploy StatefulMcpOnEcs`.
 */
import { App } from 'aws-cdk-lib';

const app = new App();

app.synth();
