import { describeCdkNagClean } from '../../shared/test-support/cdk-nag';
import { StatefulMcpOnEcs } from '../infra/stack';

describeCdkNagClean('StatefulMcpOnEcs', (app, id) => new StatefulMcpOnEcs(app, id));
