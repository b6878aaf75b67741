/**
 * What the samples' CDK stacks share: the Fargate service behind its ALB, the requestState key, the
 * image build, and the one integer-setting check (for CDK context values). Import it as
 * `@mcp-on-aws/shared/infra`; it pulls in no MCP runtime code.
 */
export { integerSetting } from '../src/config';
export { dockerignorePatterns, type EcsSample, monorepoImage, REPO_ROOT } from './image';
export { McpFargateService, type McpFargateServiceProps } from './mcp-fargate-service';
export { RequestStateKey } from './request-state-key';
