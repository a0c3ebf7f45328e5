/*
 * The one home of "which GPUs the Whisper image runs on". The CUDA build (containers/whisper/Dockerfile, build arg
 * CUDA_ARCHITECTURES) compiles kernels for exactly these compute capabilities, and the config refuses instance
 * families whose GPU is not among them: such an instance would boot, pull 5 GB and then fail every job with
 * "no kernel image is available for execution on the device".
 */

/** NVIDIA instance families (x86_64, like the image) with the compute capability of their GPU (`sm_XX` → `XX`). */
export const GPU_FAMILIES = {
  g4dn: { gpu: 'NVIDIA T4', computeCapability: '75' },
  g5: { gpu: 'NVIDIA A10G', computeCapability: '86' },
  g6: { gpu: 'NVIDIA L4', computeCapability: '89' },
  g6e: { gpu: 'NVIDIA L40S', computeCapability: '89' },
  gr6: { gpu: 'NVIDIA L4', computeCapability: '89' },
} as const;

export type GpuFamily = keyof typeof GPU_FAMILIES;

/** CMAKE_CUDA_ARCHITECTURES for the whisper.cpp build: every family's capability, once, ascending ("75;86;89"). */
export const CUDA_ARCHITECTURES = [...new Set(Object.values(GPU_FAMILIES).map((f) => f.computeCapability))]
  .sort()
  .join(';');

/** The family of an EC2 instance type (`g4dn.xlarge` → `g4dn`), or undefined when the fleet cannot use it. */
export function gpuFamilyOf(instanceType: string): GpuFamily | undefined {
  const family = instanceType.split('.')[0] ?? '';
  return Object.hasOwn(GPU_FAMILIES, family) ? (family as GpuFamily) : undefined;
}
