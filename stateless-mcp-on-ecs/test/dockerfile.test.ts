/** No Docker engine runs here, so the image is checked in parts (shared/Dockerfile builds the stateful ECS sample too). */
import { describeSampleDockerfile } from '../../shared/test-support/dockerfile';

describeSampleDockerfile('stateless-mcp-on-ecs', 'main.mjs');
