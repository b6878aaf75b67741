import { STATEFUL_TOOLS } from '@mcp-on-aws/shared/infra';
import { describeMcpObservability } from '../../shared/test-support/observability';
import { StatefulMcpOnEcs } from '../infra/stack';

describeMcpObservability('StatefulMcpOnEcs', (app, id) => new StatefulMcpOnEcs(app, id), {
  service: 'stateful-mcp-on-ecs',
  tools: STATEFUL_TOOLS,
  compute: 'ecs',
  // Beside every ECS stack's (p99 latency, the ALB's 5xx rate, CPU and memory):
  alarms: {
    // 80 % of MCP_MAX_SESSIONS (2,500), on the busiest task.
    SessionsNearLimit: { threshold: 2_000, metrics: ['LiveSessions'] },
    // Each call the tasks make, summed.
    StoreThrottles: { threshold: 1, metrics: ['ThrottledRequests', 'ThrottledRequests', 'ThrottledRequests', 'ThrottledRequests'] },
  },
});
