/**
 * @file Creates ONNX Runtime sessions on the device the user asked for, with a clear message and
 * a CPU fallback when that device's provider is missing.
 *
 * Why these settings (measured, see FINDINGS.md): thread spinning is off because several small
 * sessions on 2 cores slowed each other 4–7× with it on; threads are configurable because one
 * intra-op thread beat the default under contention. Sessions are created once per process:
 * creating and disposing them repeatedly leaks memory in onnxruntime-node.
 * onnxruntime-node throws (rather than falls back) when a listed provider's library is absent,
 * so each provider is tried on its own.
 */
import * as ort from 'onnxruntime-node';
import { ClinicalBertError } from '../util/errors.js';
import type { Device } from './devices.js';

export { DEVICES, type Device } from './devices.js';

export interface SessionOptions {
  device: Device;
  /** Intra-op threads per session; 0 lets ONNX Runtime decide. */
  threads: number;
}

export interface CreatedSession {
  session: ort.InferenceSession;
  /** The provider the session actually runs on. */
  provider: 'cpu' | 'cuda' | 'webgpu';
}

/** Providers to try, in order, for a requested device. */
function candidates(device: Device): ('cpu' | 'cuda' | 'webgpu')[] {
  switch (device) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return ['cuda', 'cpu'];
    case 'webgpu':
      return ['webgpu', 'cpu'];
    case 'auto':
      return ['cuda', 'cpu'];
  }
}

const HINTS: Record<string, string> = {
  cuda: 'onnxruntime-node ships CUDA support only when installed with ONNXRUNTIME_NODE_INSTALL=cuda12 (needs network and CUDA 12)',
  webgpu: 'WebGPU needs a GPU with a Vulkan driver (libvulkan.so.1); software Vulkan is refused',
};

function baseOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

/**
 * Create a session for `path`, trying the requested device first. `onFallback` receives one
 * human-readable line per provider that could not be used.
 */
export async function createSession(
  path: string,
  options: SessionOptions,
  onFallback?: (message: string) => void,
): Promise<CreatedSession> {
  const tried = candidates(options.device);
  let lastError: unknown;
  for (const provider of tried) {
    try {
      // A missing GPU provider is expected and reported below in one clear line; ORT's own native
      // error log for it (several lines, in red) goes through its process-wide logger, which
      // takes its level when the first session is created.
      if (provider !== 'cpu') ort.env.logLevel = 'fatal';
      const session = await ort.InferenceSession.create(path, { ...baseOptions(options.threads), executionProviders: [provider] });
      return { session, provider };
    } catch (error) {
      lastError = error;
      if (provider === 'cpu') break;
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      if (options.device !== 'auto' || provider !== 'cuda') {
        onFallback?.(`device ${provider} is not available (${reason}); ${HINTS[provider] ?? ''}. Falling back to CPU.`);
      }
    }
  }
  throw new ClinicalBertError(`cannot create an ONNX Runtime session for ${path}`, { code: 'MODEL_SESSION', cause: lastError });
}

export { ort };
