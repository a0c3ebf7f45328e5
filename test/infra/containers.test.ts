import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigValidationError, parseConfig } from '../../lib/config';
import { PROJECT_ROOT } from '../../lib/constructs/house-function';
import { CUDA_ARCHITECTURES, GPU_FAMILIES } from '../../lib/gpu-architectures';
import { defaultApp } from './support/synth-app';

/*
 * The two images CDK builds before the first stack deploys. No Docker daemon runs in the test suite, so these read
 * the Dockerfiles and the synthesized asset manifest for what AWS's builders would trip over.
 */

const dockerfile = (dir: string): string => readFileSync(join(PROJECT_ROOT, 'containers', dir, 'Dockerfile'), 'utf8');

/** Dockerfile instructions with their continuation lines joined, comments dropped. */
function instructions(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

describe('Whisper image (containers/whisper)', () => {
  const steps = instructions(dockerfile('whisper'));

  test('the CUDA smoke run of whisper-cli finds libcuda.so.1 on a GPU-less builder, for that step only', () => {
    const smoke = steps.filter((s) => s.startsWith('RUN') && /whisper-cli --help/.test(s));
    expect(smoke).toHaveLength(1);
    expect(smoke[0]).toMatch(/LD_LIBRARY_PATH="?\/usr\/local\/cuda\/compat:/);
    // A global ENV would make the runtime image prefer the compat libcuda over the host driver's.
    expect(steps.filter((s) => s.startsWith('ENV') && /compat/.test(s))).toEqual([]);
  });

  test('CUDA architectures come from lib/gpu-architectures.ts through a build arg without a default', () => {
    expect(steps).toContain('ARG CUDA_ARCHITECTURES');
    expect(steps.join('\n')).toMatch(/-DCMAKE_CUDA_ARCHITECTURES="\$\{CUDA_ARCHITECTURES\}"/);
    const manifest = JSON.parse(
      readFileSync(join(defaultApp().app.outdir, `${defaultApp().stacks.media.artifactId}.assets.json`), 'utf8'),
    ) as {
      dockerImages: Record<string, { source: { dockerFile?: string; dockerBuildArgs?: Record<string, string> } }>;
    };
    const whisper = Object.values(manifest.dockerImages).filter(
      (image) => image.source.dockerFile === 'containers/whisper/Dockerfile',
    );
    expect(whisper).toHaveLength(1);
    expect(whisper[0]!.source.dockerBuildArgs).toEqual({ CUDA_ARCHITECTURES });
    expect(CUDA_ARCHITECTURES).toBe('75;86;89');
  });

  test.each(['g4ad.xlarge', 'g5g.xlarge', 'p3.2xlarge', 'g3s.xlarge', 'p5.48xlarge'])(
    'the config refuses %s: its GPU is not one the image is built for',
    (instanceType) => {
      expect(() => parseConfig({ fleet: { instanceType } })).toThrow(ConfigValidationError);
      expect(() => parseConfig({ fleet: { instanceType } })).toThrow(
        new RegExp(`fleet\\.instanceType .*CUDA architectures ${CUDA_ARCHITECTURES}`),
      );
    },
  );

  test.each(Object.keys(GPU_FAMILIES))('the config accepts the %s family', (family) => {
    expect(parseConfig({ fleet: { instanceType: `${family}.xlarge` } }).fleet.instanceType).toBe(`${family}.xlarge`);
  });
});

describe('FFmpeg image (containers/transcode)', () => {
  const text = dockerfile('transcode');
  const steps = instructions(text);

  test('no moving download: nothing named "release"/"latest", the Debian archive is a dated snapshot', () => {
    expect(steps.join('\n')).not.toMatch(/https?:\/\/\S*(release|latest)/i);
    expect(steps).toContainEqual(expect.stringMatching(/^ARG DEBIAN_SNAPSHOT=\d{8}T\d{6}Z$/));
    expect(steps.join('\n')).toMatch(/snapshot\.debian\.org\/archive\/debian\/\$\{DEBIAN_SNAPSHOT\}/);
  });

  test('every FFmpeg package is checked against a SHA-256 recorded in the repository, at the pinned version', () => {
    const version = /^ARG FFMPEG_DEB_VERSION=\d+:(\S+)$/m.exec(steps.join('\n'))?.[1];
    expect(version).toBeDefined();
    const sums = readFileSync(join(PROJECT_ROOT, 'containers/transcode/ffmpeg-debs.sha256'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(sums.map(([, file]) => file!.split('_')[0]).sort()).toEqual(
      expect.arrayContaining(['ffmpeg', 'libavcodec61', 'libavfilter10', 'libavformat61']),
    );
    for (const [sum, file] of sums) {
      expect(sum).toMatch(/^[0-9a-f]{64}$/);
      expect(file).toBe(`${file!.split('_')[0]}_${version}_arm64.deb`);
    }
    expect(steps).toContain('COPY containers/transcode/ffmpeg-debs.sha256 /tmp/debs/');
    expect(steps.join('\n')).toMatch(/sha256sum -c -/);
    // The smoke step checks the installed version is the pinned one.
    expect(steps.join('\n')).toContain(`ffmpeg version ${version!.split('-')[0]}`);
  });
});
