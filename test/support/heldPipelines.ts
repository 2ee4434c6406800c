// Pipelines of the fake Bitbucket that stay in progress until the test lets them complete, so a test
// can act (kill a server, cancel) while a run is known to be following a pipeline.
import { DEFAULT_PIPELINE_SCRIPT, type FakeRepository } from './fakeBitbucket';

/** Longer than any test: a held pipeline never completes by itself. */
const HELD_MS = 60 * 60_000;

/** Pipelines triggered from now on in `repository` run until `releasePipelines`. */
export function holdPipelines(repository: FakeRepository): void {
  repository.pipelineScript = { ...repository.pipelineScript, durationMs: HELD_MS };
}

/** Held pipelines complete now (with the script's result); later ones run for the usual time again. */
export function releasePipelines(repository: FakeRepository): void {
  for (const pipeline of repository.pipelines) {
    if (pipeline.script.durationMs === HELD_MS) pipeline.script = { ...pipeline.script, durationMs: Math.max(0, Date.now() - pipeline.createdAt - pipeline.script.pendingMs) };
  }
  repository.pipelineScript = { ...repository.pipelineScript, durationMs: DEFAULT_PIPELINE_SCRIPT.durationMs };
}
