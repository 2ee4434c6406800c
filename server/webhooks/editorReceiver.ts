// The receiver inside an editor's server process (`--stdio --listen HOST:PORT`). Two editor windows
// on one store both ask for the port; the second finds it taken and says where the receiver runs
// instead of failing, and keeps serving the editor.
import { request as httpRequest } from 'node:http';
import { describeError } from '../errors';
import type { ServerContext } from '../context';
import { hostPort } from '../hostPort';
import type { DeliveryRecorder } from '../store/storeEngine';
import type { DeliveryAnswer } from './delivery';
import type { ReceiverLimits } from '../http/connectionLimits';
import { WebhookReceiver, type Health, type ListenAddress } from './receiver';

const PROBE_TIMEOUT_MS = 500;

/**
 * Starts the receiver and sets `context.listener`; never throws. Returns the receiver when this
 * process holds the port. `onBadSignature` hears of deliveries refused for their signature (R17),
 * which are not recorded anywhere else.
 */
export async function startEditorReceiver(
  context: ServerContext,
  recorder: DeliveryRecorder,
  address: ListenAddress,
  onBadSignature: (answer: DeliveryAnswer) => void = () => undefined,
  limits?: ReceiverLimits,
): Promise<WebhookReceiver | null> {
  const where = hostPort(address.host, address.port);
  try {
    const receiver = await WebhookReceiver.listen(context, recorder, address, (answer) => {
      if (answer.logLine !== null) context.log.info(answer.logLine);
      if (answer.response.verdict === 'bad-signature') onBadSignature(answer);
    }, limits);
    context.listener = {
      url: receiver.url,
      state: 'listening',
      message: `Receiving Bitbucket Cloud webhooks at ${receiver.url}; Bitbucket reaches it through ${context.publicUrl}.`,
    };
    return receiver;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      const url = `http://${where}`;
      const holder = await probe(url);
      context.listener =
        holder === 'other-program'
          ? {
              url: null,
              state: 'failed',
              message: `${where} is taken by a program that is not Stackhook, so webhooks cannot be received. Choose another --listen address.`,
            }
          : {
              url,
              state: 'elsewhere',
              message: `${where} is taken by another Stackhook process (another window or \`serve\`); that process receives the webhooks, and this window shows what it records.`,
            };
    } else {
      context.listener = {
        url: null,
        state: 'failed',
        message: `The webhook receiver could not listen on ${where}: ${describeError(error)}.`,
      };
    }
    return null;
  }
}

/** Asks whatever holds the port whether it is a Stackhook receiver. No answer in time counts as "probably". */
function probe(url: string): Promise<'stackhook' | 'other-program' | 'unknown'> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}/healthz`, { method: 'GET', timeout: PROBE_TIMEOUT_MS }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 4_096) text += chunk;
      });
      response.on('end', () => {
        try {
          const health = JSON.parse(text) as Partial<Health>;
          resolve(health.service === 'stackhook' ? 'stackhook' : 'other-program');
        } catch {
          resolve('other-program');
        }
      });
      response.on('error', () => resolve('unknown'));
    });
    req.on('timeout', () => {
      req.destroy();
      resolve('unknown');
    });
    req.on('error', () => resolve('unknown'));
    req.end();
  });
}
