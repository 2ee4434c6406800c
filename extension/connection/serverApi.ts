// What the rest of the extension needs from the companion server: typed requests, the change
// notification and whether the server runs. `client.ts` implements it over the language client;
// tests implement it with a fake.
import type * as vscode from 'vscode';
import type { z } from 'zod';
import type { ChangeTopic, DeliveryRefused, RequestDefinition } from '../../server/protocol';
import type { ServerState } from '../contextKeys';

export interface RequestOptions {
  token?: vscode.CancellationToken | undefined;
  /** Receives the server's work-done progress for this request. */
  progress?: ((message: string | undefined, percentage: number | undefined) => void) | undefined;
}

export type DeliveryRefusal = z.output<typeof DeliveryRefused.params>;

export interface StackhookServer {
  request<P extends z.ZodType, R extends z.ZodType>(
    definition: RequestDefinition<P, R>,
    params: z.input<P>,
    options?: RequestOptions,
  ): Promise<z.output<R>>;
  readonly onChanged: vscode.Event<ChangeTopic[]>;
  /** A delivery this window's receiver refused for its signature (not recorded, so not in the delivery list). */
  readonly onDeliveryRefused: vscode.Event<DeliveryRefusal>;
  readonly state: ServerState;
  readonly onDidChangeState: vscode.Event<ServerState>;
  restart(): Promise<void>;
}
