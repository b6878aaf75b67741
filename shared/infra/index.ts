/**
 * What the samples' CDK stacks share: the Fargate service behind its internal ALB and CloudFront, the MCP endpoint's authentication (a Cognito pool by default), the requestState key, the
 * image build, the dashboard, alarms and tracing switch, and the one integer-setting check (for CDK context values). Import it as
 * `@mcp-on-aws/shared/infra`; it pulls in no MCP runtime code.
 */
export { integerSetting } from '../src/config';
export { dockerignorePatterns, type EcsSample, monorepoImage, REPO_ROOT } from './image';
export { frontDoorFromContext, type FrontDoorProps, McpDistribution, type McpDistributionProps, ORIGIN_KEEPALIVE, ORIGIN_READ_TIMEOUT, SSE_KEEPALIVE } from './mcp-distribution';
export { type AuthProps, authFromContext, DEFAULT_CALLBACK_URLS, McpAuth, type McpAuthProps, MCP_SCOPE } from './mcp-auth';
export { McpFargateService, type McpFargateServiceProps } from './mcp-fargate-service';
export { type AlarmProps, alarmsFromContext, METRICS_NAMESPACE, McpObservability, type McpObservabilityProps, type McpService, SHARED_TOOLS, STATEFUL_TOOLS } from './mcp-observability';
export { RequestStateKey } from './request-state-key';
export { tracingEnvironment, tracingFromContext, XRAY_WRITES_FINDING } from './tracing';
