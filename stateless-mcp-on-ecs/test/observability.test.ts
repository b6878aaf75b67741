import { SHARED_TOOLS } from '@mcp-on-aws/shared/infra';
import { describeMcpObservability } from '../../shared/test-support/observability';
import { StatelessMcpOnEcs } from '../infra/stack';

// The alarms are every ECS stack's: p99 latency, the ALB's 5xx rate, CPU and memory.
describeMcpObservability('StatelessMcpOnEcs', (app, id) => new StatelessMcpOnEcs(app, id), { service: 'stateless-mcp-on-ecs', tools: SHARED_TOOLS, compute: 'ecs' });
