/** No Docker engine runs here, so the image is checked in parts (shared with the stateless ECS sample). */
import { describeSampleDockerfile } from '../../shared/test-support/dockerfile';

describeSampleDockerfile('stateful-mcp-on-ecs', 'main.js');
