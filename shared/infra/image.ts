import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import { IgnoreMode } from 'aws-cdk-lib';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { ContainerImage, type AssetImageProps } from 'aws-cdk-lib/aws-ecs';

/** The repository root: the ECS image builds from here so that shared/ is in the context. */
export const REPO_ROOT = join(__dirname, '../..');

/** The one Dockerfile of both ECS samples; its `SAMPLE` build argument picks the sample. */
export const ECS_DOCKERFILE = join(REPO_ROOT, 'shared/Dockerfile');

/** The samples `ECS_DOCKERFILE` builds, as their workspace folders. */
export const ECS_SAMPLES = ['stateless-mcp-on-ecs', 'stateful-mcp-on-ecs'] as const;
export type EcsSample = (typeof ECS_SAMPLES)[number];

/**
 * The patterns of `<Dockerfile>.dockerignore`, the file BuildKit reads beside a Dockerfile.
 * The CDK only looks for `.dockerignore` at the context root, so the stack passes them itself.
 */
export function dockerignorePatterns(dockerfile: string): string[] {
  return readFileSync(`${dockerfile}.dockerignore`, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
}

/**
 * One sample's image asset, built from the repository root with the one ECS Dockerfile. Its
 * `exclude` is the ignore file's patterns, which let every ECS sample's `src/` in (BuildKit cannot
 * vary them by build argument), then the other samples' `src/` out again (the last matching
 * pattern wins). The asset hash covers only the files left in, so an edit to one sample's code
 * never rebuilds, or redeploys, the other sample's image.
 * ARM64: Graviton Fargate costs about 20 % less than x86 for the same vCPU and memory, and the
 * image is pure JavaScript.
 */
export function imageAssetProps(sample: EcsSample): AssetImageProps {
  return {
    file: relative(REPO_ROOT, ECS_DOCKERFILE),
    buildArgs: { SAMPLE: sample },
    exclude: [...dockerignorePatterns(ECS_DOCKERFILE), ...ECS_SAMPLES.filter((other) => other !== sample).map((other) => `${other}/src`)],
    ignoreMode: IgnoreMode.DOCKER,
    platform: Platform.LINUX_ARM64,
  };
}

/** A sample's image. Synth only stages its context; Docker runs at deploy time. */
export function monorepoImage(sample: EcsSample): ContainerImage {
  return ContainerImage.fromAsset(REPO_ROOT, imageAssetProps(sample));
}
