/** No Docker engine runs here, so the image is checked in parts (shared with the stateful ECS sample). */
import { describeSampleDockerfile } from '../../shared/test-support/dockerfile';

describeSampleDockerfile('stateless-mcp-on-ecs', 'main.js');
