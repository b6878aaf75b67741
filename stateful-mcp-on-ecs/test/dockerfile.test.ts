/** No Docker engine runs here, so the image is checked in parts (shared/Dockerfile builds the stateless ECS sample too). */
import { describeSampleDockerfile } from '../../shared/test-support/dockerfile';

describeSampleDockerfile('stateful-mcp-on-ecs', 'main.mjs');
