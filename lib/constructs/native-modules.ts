import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/*
 * Packages with native binaries (sharp and its libvips) cannot go through esbuild: the function loads them from
 * node_modules beside index.mjs. This copies exactly the installed files a package needs on Lambda's platform: its
 * dependencies and, of its optional per-platform packages (@img/sharp-<os>-<cpu>), only the ones for Linux on the
 * function's CPU with glibc (Amazon Linux). Copying what `npm ci` installed, rather than running an install in the
 * bundle folder, keeps synth offline and the versions exactly those of the lockfile.
 */

/** The platform a Lambda function runs on, in npm's `os`/`cpu`/`libc` words. */
export interface LambdaPlatform {
  readonly cpu: 'x64' | 'arm64';
}

interface PackageJson {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  os?: string[];
  cpu?: string[];
  libc?: string[];
}

/** One package to copy: its name (the folder under node_modules) and where it is installed. */
export interface NativeModuleFile {
  readonly name: string;
  readonly dir: string;
}

/** A native package (or its binary for the function's platform) is not installed; the message says how to fix it. */
export class NativeModuleMissingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeModuleMissingError';
  }
}

const readPackage = (dir: string): PackageJson => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

/** Node's lookup: the nearest node_modules folder, from the requiring package up to the project root. */
function resolvePackage(name: string, from: string, root: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || relative(root, dir).startsWith('..')) return undefined;
    dir = dirname(dir);
  }
}

const allows = (list: string[] | undefined, value: string) => !list || list.includes(value);

/** Whether an optional package is meant for this platform (packages without os/cpu fields are for every one). */
const forPlatform = (pkg: PackageJson, platform: LambdaPlatform) =>
  allows(pkg.os, 'linux') && allows(pkg.cpu, platform.cpu) && allows(pkg.libc, 'glibc');

/** Reads an optional package's platform fields from the lockfile-pinned name alone: `@img/sharp-linux-x64`. */
function nameSaysPlatform(name: string, platform: LambdaPlatform): boolean {
  const match = /-(darwin|linux|linuxmusl|win32|freebsd|webcontainers)-([a-z0-9]+)$/.exec(name);
  return !match || (match[1] === 'linux' && match[2] === platform.cpu);
}

/**
 * The installed packages `packages` need at run time on `platform`, each once: their dependencies, and their
 * optional dependencies that are for Linux on this CPU. A package or binary for this platform that is not installed
 * is an error at synth, not an import failure on the first request.
 */
export function nativeModuleFiles(
  root: string,
  packages: readonly string[],
  platform: LambdaPlatform,
): NativeModuleFile[] {
  const found = new Map<string, NativeModuleFile>();
  const visit = (name: string, from: string, optional: boolean) => {
    if (found.has(name)) return;
    if (optional && !nameSaysPlatform(name, platform)) return;
    const dir = resolvePackage(name, from, root);
    if (!dir) {
      if (optional) {
        throw new NativeModuleMissingError(
          `${name} (the Linux ${platform.cpu} binary a Lambda function needs) is not installed. ` +
            `Run \`npm install --os=linux --cpu=${platform.cpu} --libc=glibc\` so npm keeps it beside your own platform's.`,
        );
      }
      throw new NativeModuleMissingError(`${name} is not installed: run \`npm ci\` first.`);
    }
    const pkg = readPackage(dir);
    if (optional && !forPlatform(pkg, platform)) return;
    found.set(name, { name, dir });
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of packages) visit(name, root, false);
  return [...found.values()];
}

/** Shell commands (for NodejsFunction's afterBundling hook) copying the files into `<outputDir>/node_modules`. */
export function copyNativeModulesCommands(files: readonly NativeModuleFile[], outputDir: string): string[] {
  return files.map((file) => {
    const target = join(outputDir, 'node_modules', file.name);
    return `mkdir -p "${dirname(target)}" && cp -R "${file.dir}" "${target}"`;
  });
}
