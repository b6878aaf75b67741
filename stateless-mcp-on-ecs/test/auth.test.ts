import { describeMcpAuth } from '../../shared/test-support/mcp-auth';
import { StatelessMcpOnEcs } from '../infra/stack';

const distribution = { 'Fn::GetAtt': [expect.stringMatching(/^McpCdnDistribution/), 'DomainName'] };
describeMcpAuth('StatelessMcpOnEcs', (app, id) => new StatelessMcpOnEcs(app, id), {
  resourceUrlParts: ['https://', distribution, '/mcp'],
  resourceMetadataUrl: { 'Fn::Join': ['', ['https://', distribution, '/.well-known/oauth-protected-resource/mcp']] },
  metadataUrlInEnvironment: false,
});
