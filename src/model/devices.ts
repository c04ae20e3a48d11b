/**
 * @file The devices a model can run on, apart from src/model/session.ts so that parsing
 * `--device` (and printing `--help`) does not load onnxruntime-node.
 */
export const DEVICES = ['cpu', 'cuda', 'webgpu', 'auto'] as const;
export type Device = (typeof DEVICES)[number];
