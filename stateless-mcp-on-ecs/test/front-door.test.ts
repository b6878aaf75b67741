import { describeFrontDoor } from '../../shared/test-support/front-door';
import { StatelessMcpOnEcs } from '../infra/stack';

describeFrontDoor('StatelessMcpOnEcs', (app, id, props) => new StatelessMcpOnEcs(app, id, props));
