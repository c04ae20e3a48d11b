/**
 * @file Which graph files a run opens. A package's `graphs` are fp32; it may also carry int8
 * copies of some of them under `precisions.int8` (the recipe's training/quantize_int8.py: weights
 * per output column, activations per row, so a record's numbers never depend on its batch-mates).
 * `--precision` picks one; without it the package's `precisions.default` decides, else fp32. A role
 * the chosen precision does not list runs its fp32 graph.
 *
 * Why here and not in each command: every command that loads the model (analyze, explain,
 * evaluate, the queue worker) must choose the same way, and the package check must hash every
 * graph file a run could open, whatever the precision.
 */
import { quote, UsageError } from '../util/errors.js';
import { GRAPH_ROLES, type GraphRole, type GraphSpec, type ModelManifest, PRECISIONS, type Precision } from './manifest.js';

/** The precisions a package can run at, fp32 first. */
export function availablePrecisions(manifest: ModelManifest): Precision[] {
  return PRECISIONS.filter((p) => p === 'fp32' || Object.keys(manifest.precisions?.[p] ?? {}).length > 0);
}

/** The precision a run uses when the user asks for none. */
export function defaultPrecision(manifest: ModelManifest): Precision {
  return manifest.precisions?.default ?? 'fp32';
}

/** Every graph spec the manifest lists, named by where it sits (`graphs.text`, `precisions.int8.text`). */
export function allGraphSpecs(manifest: ModelManifest): { where: string; spec: GraphSpec }[] {
  const out = GRAPH_ROLES.map((role) => ({ where: `graphs.${role}`, spec: manifest.graphs[role] }));
  for (const precision of PRECISIONS) {
    if (precision === 'fp32') continue;
    for (const [role, spec] of Object.entries(manifest.precisions?.[precision] ?? {})) {
      if (spec) out.push({ where: `precisions.${precision}.${role}`, spec });
    }
  }
  return out;
}

/**
 * What the schema cannot say: a default precision the package has graphs for, and variant graphs
 * with the names, types and shapes of the fp32 graph they replace (the runtime feeds them alike).
 */
export function precisionProblems(manifest: ModelManifest): string[] {
  const problems: string[] = [];
  const available = availablePrecisions(manifest);
  const wanted = defaultPrecision(manifest);
  if (!available.includes(wanted)) {
    problems.push(`precisions.default is ${quote(wanted)} but the package has no ${wanted} graphs; it has: ${available.join(', ')}`);
  }
  const signature = (spec: GraphSpec) => JSON.stringify([spec.inputs, spec.outputs].map((l) => l.map((t) => [t.name, t.dtype, t.shape])));
  for (const precision of PRECISIONS) {
    for (const [role, spec] of Object.entries(manifest.precisions?.[precision as 'int8'] ?? {})) {
      const fp32 = manifest.graphs[role as GraphRole];
      if (spec && fp32 && signature(spec) !== signature(fp32)) {
        problems.push(`precisions.${precision}.${role}: its inputs and outputs differ from graphs.${role}'s`);
      }
    }
  }
  return problems;
}

/**
 * The graph of each role at `requested` (or the package's default). Asking for a precision the
 * package lacks is a usage error (exit 2) that names the ones it has.
 */
export function graphsAt(
  dir: string,
  manifest: ModelManifest,
  requested?: Precision,
): { precision: Precision; graphs: Record<GraphRole, GraphSpec> } {
  const precision = requested ?? defaultPrecision(manifest);
  const available = availablePrecisions(manifest);
  if (!available.includes(precision)) {
    throw new UsageError(`--precision ${precision}: the model package ${dir} has no ${precision} graphs; it has: ${available.join(', ')}`, {
      code: 'MODEL_PRECISION',
    });
  }
  const variant = precision === 'fp32' ? {} : (manifest.precisions?.[precision] ?? {});
  const graphs = {} as Record<GraphRole, GraphSpec>;
  for (const role of GRAPH_ROLES) graphs[role] = variant[role] ?? manifest.graphs[role];
  return { precision, graphs };
}
