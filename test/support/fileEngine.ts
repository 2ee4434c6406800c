// The run book and the delivery pipeline as tests build them by hand: the pieces a test does not
// give are the file engine's, made by the same functions openFiles makes them with. The server
// chooses its engine once, at start-up (server/startup.ts), and hands every piece over; a test that
// exercises one module over a store folder of its own gets the file engine's pieces here instead.
import type { ServerContext } from '../../server/context';
import { RunBook as EngineRunBook } from '../../server/runs/runBook';
import { fileDeliveryRecorder } from '../../server/store/files/deliveryRecorder';
import { fileRunClaims, fileRunLogs } from '../../server/store/files/openFiles';
import type { StoredDelivery } from '../../server/store/storedDelivery';
import type { StoredRun } from '../../server/store/storedRun';
import type { RecordLog, RunClaims, RunLogs } from '../../server/store/storeEngine';
import { DeliveryPipeline as EngineDeliveryPipeline } from '../../server/webhooks/delivery';

/** A run book over `folder`: its run-events log and run logs the file engine's unless given. */
export class RunBook extends EngineRunBook {
  constructor(
    folder: string,
    runs: RecordLog<typeof StoredRun>,
    deliveries: RecordLog<typeof StoredDelivery>,
    announce: () => void,
    logCap?: number,
    claims?: RunClaims,
    logs?: RunLogs,
  ) {
    super({ folder, runs, deliveries, announce, claims: claims ?? fileRunClaims(folder), logs: logs ?? fileRunLogs(folder, logCap, runs, deliveries) });
  }
}

/** A delivery pipeline that records with the file engine's recorder, over the context's deliveries log. */
export class DeliveryPipeline extends EngineDeliveryPipeline {
  constructor(context: ServerContext) {
    super(context, fileDeliveryRecorder(context.store, context.deliveries, (message) => context.log.warn(message)));
  }
}
