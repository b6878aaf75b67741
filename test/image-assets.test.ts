/**
 * Both ECS samples build from shared/Dockerfile, yet each stack's image asset holds only its own
 * sample's code: an edit to one sample's src/ changes neither the other's asset hash nor, so, its
 * image or its deployment.
 */
import { appendFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { App, Stack } from 'aws-cdk-lib';
import { DockerImageAsset } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage, FargateTaskDefinition } from 'aws-cdk-lib/aws-ecs';

import { ECS_SAMPLES, REPO_ROOT, imageAssetProps, type EcsSample } from '../shared/infra/image';
import { StatefulMcpOnEcs } from '../stateful-mcp-on-ecs/infra/stack';
import { StatelessMcpOnEcs } from '../stateless-mcp-on-ecs/infra/stack';

interface ImageSource {
  directory: string;
  dockerFile: string;
  dockerBuildArgs: Record<string, string>;
}

const STACKS = { 'stateless-mcp-on-ecs': 'StatelessMcpOnEcs', 'stateful-mcp-on-ecs': 'StatefulMcpOnEcs' } as const satisfies Record<EcsSample, string>;

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();

let out: string;
const images = {} as Record<EcsSample, ImageSource & { hash: string }>;

beforeAll(() => {
  out = mkdtempSync(join(tmpdir(), 'image-assets-'));
  const app = new App({ outdir: join(out, 'cdk.out') });
  new StatelessMcpOnEcs(app, STACKS['stateless-mcp-on-ecs']);
  new StatefulMcpOnEcs(app, STACKS['stateful-mcp-on-ecs']);
  app.synth();
  for (const sample of ECS_SAMPLES) {
    const manifest = JSON.parse(readFileSync(join(out, 'cdk.out', `${STACKS[sample]}.assets.json`), 'utf8')) as { dockerImages: Record<string, { source: ImageSource }> };
    const entries = Object.entries(manifest.dockerImages);
    expect(entries).toHaveLength(1);
    const [hash, { source }] = entries[0]!;
    images[sample] = { ...source, directory: join(out, 'cdk.out', source.directory), hash };
  }
}, 60_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each(ECS_SAMPLES)('the image asset of %s', (sample) => {
  it('builds shared/Dockerfile with SAMPLE set to its sample', () => {
    expect(images[sample]).toMatchObject({ dockerFile: 'shared/Dockerfile', dockerBuildArgs: { SAMPLE: sample } });
  });

  it("stages the manifests, shared/ and its own src/, and nothing of another sample's src/", () => {
    const workspaces = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
    const code = ['shared/src', `${sample}/src`].flatMap((dir) => filesUnder(join(REPO_ROOT, dir)).map((file) => `${dir}/${file}`));
    const staged = filesUnder(images[sample].directory);
    expect(staged).toEqual(['package.json', 'package-lock.json', 'shared/Dockerfile', 'shared/build-bundle.ts', ...workspaces.map((w) => `${w}/package.json`), ...code].sort());
    for (const other of ECS_SAMPLES.filter((s) => s !== sample)) expect(staged.filter((file) => file.startsWith(`${other}/src/`))).toEqual([]);
  });
});

describe('the asset hash', () => {
  // The context BuildKit sends for shared/Dockerfile (both samples' src/), rebuilt from the staged assets.
  let context: string;
  const hashOf = (sample: EcsSample): string => {
    const stack = new Stack(new App({ outdir: mkdtempSync(join(out, 'probe-')) }), 'Probe');
    new FargateTaskDefinition(stack, 'Task').addContainer('Mcp', { image: ContainerImage.fromAsset(context, imageAssetProps(sample)) });
    return stack.node.findAll().find((c): c is DockerImageAsset => c instanceof DockerImageAsset)!.assetHash;
  };

  beforeAll(() => {
    context = join(out, 'context');
    for (const sample of ECS_SAMPLES) cpSync(images[sample].directory, context, { recursive: true });
  });

  it('is the one the stack synthesized, for the same context', () => {
    for (const sample of ECS_SAMPLES) expect([sample, hashOf(sample)]).toEqual([sample, images[sample].hash]);
  });

  it("follows only the sample's own src/: a file added to one sample's code changes its hash, never the other's", () => {
    writeFileSync(join(context, 'stateful-mcp-on-ecs/src/added.ts'), 'export {};\n');
    expect(hashOf('stateless-mcp-on-ecs')).toBe(images['stateless-mcp-on-ecs'].hash);
    const stateful = hashOf('stateful-mcp-on-ecs');
    expect(stateful).not.toBe(images['stateful-mcp-on-ecs'].hash);

    appendFileSync(join(context, 'stateless-mcp-on-ecs/src/main.ts'), '\n');
    expect(hashOf('stateful-mcp-on-ecs')).toBe(stateful);
    expect(hashOf('stateless-mcp-on-ecs')).not.toBe(images['stateless-mcp-on-ecs'].hash);
  });

  it('follows what both images share', () => {
    const before = ECS_SAMPLES.map(hashOf);
    appendFileSync(join(context, 'shared/src/index.ts'), '\n');
    const after = ECS_SAMPLES.map(hashOf);
    for (const [i, sample] of ECS_SAMPLES.entries()) expect([sample, after[i]]).not.toEqual([sample, before[i]]);
  });
});
