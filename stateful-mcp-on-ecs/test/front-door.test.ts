import { describeFrontDoor } from '../../shared/test-support/front-door';
import { StatefulMcpOnEcs } from '../infra/stack';

describeFrontDoor('StatefulMcpOnEcs', (app, id, props) => new StatefulMcpOnEcs(app, id, props));
