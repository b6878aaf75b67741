/**
 * `npm ci` checks every workspace against the lock file, so each image's build stage must copy every
 * workspace's manifest: adding a workspace without its COPY line breaks the image build.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..');
const workspaces = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;

describe.each(['shared/Dockerfile', 'stateless-mcp-on-lambda/Dockerfile.local'])('%s', (dockerfile) => {
  const text = readFileSync(join(root, dockerfile), 'utf8');
  const ignore = readFileSync(join(root, `${dockerfile}.dockerignore`), 'utf8').split('\n');

  it.each(workspaces)('copies the manifest of workspace %s before npm ci, and lets it into the context', (workspace) => {
    const copy = `COPY ${workspace}/package.json ${workspace}/`;
    expect(text).toContain(copy);
    expect(text.indexOf(copy)).toBeLessThan(text.indexOf('RUN npm ci'));
    expect(ignore).toContain(`!${workspace}/package.json`);
  });
});
