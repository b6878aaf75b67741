import { describeCdkNagClean } from '../../shared/test-support/cdk-nag';
import { StatelessMcpOnEcs } from '../infra/stack';

describeCdkNagClean('StatelessMcpOnEcs', (app, id) => new StatelessMcpOnEcs(app, id));
