import { describeMcpAuth } from '../../shared/test-support/mcp-auth';
import { StatelessMcpOnLambda } from '../infra/stack';

const host = [{ Ref: expect.stringMatching(/^Api[0-9A-F]{8}$/) }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }];
describeMcpAuth('StatelessMcpOnLambda', (app, id) => new StatelessMcpOnLambda(app, id), {
  resourceUrlParts: ['https://', ...host, '/prod/mcp'],
  // Under the stage: API Gateway serves nothing above it, so not RFC 9728's /.well-known/…/prod/mcp.
  resourceMetadataUrl: { 'Fn::Join': ['', ['https://', ...host, '/prod/.well-known/oauth-protected-resource/mcp']] },
  metadataUrlInEnvironment: true,
});
