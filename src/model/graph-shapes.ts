/**
 * @file Check a package's manifest against the shapes its ONNX graphs declare, at load.
 *
 * Why: file hashes only prove the files are the ones the manifest lists, not that the manifest
 * describes them. A label removed from a head shifts every later label by one (I30 reported as
 * I47.1, exit 0), and a graph swapped for one of another width fails only at inference, as a dead
 * letter per record. Each head's label count must equal the width of the graph output it reads;
 * the image, audio, text and entity sizes of the preprocessing must agree with the graph inputs
 * wherever a graph fixes them; and each encoder's embedding must be as wide as the fusion input it
 * feeds. Dimensions a graph leaves symbolic ("batch", "sequence") are not checked. ONNX Runtime
 * exposes the declared shapes as `inputMetadata` / `outputMetadata`, so nothing is run.
 */
import type { ModelManifest } from './manifest.js';
import { ModelPackageError } from './package.js';
import type { ort } from './session.js';

type Role = 'text' | 'image' | 'audio' | 'fusion';
type Shape = readonly (number | string)[];

function shapes(list: readonly ort.InferenceSession.ValueMetadata[]): Map<string, Shape> {
  const out = new Map<string, Shape>();
  for (const m of list) if (m.isTensor) out.set(m.name, m.shape);
  return out;
}

function fixed(value: number | string | undefined): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

/** Problems between the manifest and the graphs' declared shapes; empty when they agree. */
export function graphShapeProblems(manifest: ModelManifest, sessions: Record<Role, ort.InferenceSession>): string[] {
  const problems: string[] = [];
  const inputs = {} as Record<Role, Map<string, Shape>>;
  const outputs = {} as Record<Role, Map<string, Shape>>;
  for (const role of ['text', 'image', 'audio', 'fusion'] as const) {
    inputs[role] = shapes(sessions[role].inputMetadata);
    outputs[role] = shapes(sessions[role].outputMetadata);
  }

  for (const [name, head] of Object.entries(manifest.heads)) {
    const role = (['fusion', 'text', 'image', 'audio'] as const).find((r) => outputs[r].has(head.output));
    if (!role) {
      problems.push(`heads.${name}: no graph has the output ${JSON.stringify(head.output)} it reads`);
      continue;
    }
    const width = fixed(outputs[role].get(head.output)?.at(-1));
    if (width !== undefined && width !== head.labels.length) {
      problems.push(
        `heads.${name} has ${head.labels.length} labels but the ${role} graph's output ${head.output} is ${width} wide (a label removed or added, or a graph of another model)`,
      );
    }
  }

  const image = inputs.image.get('image');
  if (image && image.length === 4) {
    const [, channels, height, width] = image.map(fixed);
    if (channels !== undefined && channels !== manifest.image.channels) {
      problems.push(`image.channels is ${manifest.image.channels} but the image graph takes ${channels}`);
    }
    for (const side of [height, width]) {
      if (side !== undefined && side !== manifest.image.size) {
        problems.push(`image.size is ${manifest.image.size} but the image graph takes ${height ?? '?'}×${width ?? '?'}`);
        break;
      }
    }
  }
  const samples = fixed(inputs.audio.get('audio')?.at(-1));
  const wanted = Math.round(manifest.audio.seconds * manifest.audio.sampleRate);
  if (samples !== undefined && samples !== wanted) {
    problems.push(`audio.seconds × audio.sampleRate is ${wanted} samples but the audio graph takes ${samples}`);
  }
  for (const input of ['input_ids', 'attention_mask']) {
    const length = fixed(inputs.text.get(input)?.at(-1));
    if (length !== undefined && length !== manifest.text.maxLength) {
      problems.push(`text.maxLength is ${manifest.text.maxLength} but the text graph's ${input} is ${length} long`);
    }
  }
  for (const input of ['entity_ids', 'entity_flags']) {
    const count = fixed(inputs.fusion.get(input)?.at(-1));
    if (count !== undefined && count !== manifest.knowledgeGraph.maxEntities) {
      problems.push(`knowledgeGraph.maxEntities is ${manifest.knowledgeGraph.maxEntities} but the fusion graph's ${input} holds ${count}`);
    }
  }
  for (const [role, name] of [
    ['text', 'text_embedding'],
    ['image', 'image_embedding'],
    ['audio', 'audio_embedding'],
  ] as const) {
    const produced = fixed(outputs[role].get(name)?.at(-1));
    const taken = fixed(inputs.fusion.get(name)?.at(-1));
    if (produced !== undefined && taken !== undefined && produced !== taken) {
      problems.push(`the ${role} graph's ${name} is ${produced} wide but the fusion graph takes ${taken}`);
    }
  }
  return problems;
}

/** Throws MODEL_MANIFEST_INVALID naming every disagreement between the manifest and the graphs. */
export function checkGraphShapes(dir: string, manifest: ModelManifest, sessions: Record<Role, ort.InferenceSession>): void {
  const problems = graphShapeProblems(manifest, sessions);
  if (problems.length > 0) {
    throw new ModelPackageError(`model package ${dir}: the manifest does not match its graphs:\n  ${problems.join('\n  ')}`, dir, {
      code: 'MODEL_MANIFEST_INVALID',
    });
  }
}
