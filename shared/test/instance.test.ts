import { hostname } from 'node:os';

import { detectInstance } from '../src';

describe('detectInstance', () => {
  it('reads the ECS task id from the metadata URI without calling it', () => {
    const instance = detectInstance({ ECS_CONTAINER_METADATA_URI_V4: 'http://169.254.170.2/v4/6d4e3d3c3d8b4d5e9b2a4c3e2f1a0b9c-2531612879' });
    expect(instance).toEqual({ id: '6d4e3d3c3d8b4d5e9b2a4c3e2f1a0b9c', platform: 'ecs', version: '0.1.0' });
  });

  it('uses the Lambda log stream, one per execution environment', () => {
    const instance = detectInstance({ AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/23/[$LATEST]0123456789abcdef' });
    expect(instance).toMatchObject({ id: '2026/11/23/[$LATEST]0123456789abcdef', platform: 'lambda' });
  });

  it('falls back to host and pid', () => {
    expect(detectInstance({})).toMatchObject({ id: `${hostname()}:${process.pid}`, platform: 'local' });
  });
});
