import { describeMcpAuth } from '../../shared/test-support/mcp-auth';
import { StatefulMcpOnEcs } from '../infra/stack';

const distribution = { 'Fn::GetAtt': [expect.stringMatching(/^McpCdnDistribution/), 'DomainName'] };
describeMcpAuth('StatefulMcpOnEcs', (app, id) => new StatefulMcpOnEcs(app, id), {
  resourceUrlParts: ['https://', distribution, '/mcp'],
  resourceMetadataUrl: { 'Fn::Join': ['', ['https://', distribution, '/.well-known/oauth-protected-resource/mcp']] },
  metadataUrlInEnvironment: false,
});
