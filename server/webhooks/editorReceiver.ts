// The receiver inside an editor's server process (`--stdio --listen HOST:PORT`): the front door with
// `/healthz`, deliveries and the routes start-up hands in (run callbacks). Two editor windows on one store both ask for the port; the second finds
// it taken and says where the receiver runs instead of failing, and keeps serving the editor.
import type { ServerContext } from '../context';
import { describeError } from '../errors';
import { healthRoute, probeHealth } from '../http/health';
import { HttpListener, type ListenAddress } from '../http/listener';
import type { ReceiverLimits } from '../http/connectionLimits';
import type { Route } from '../http/routes';
import { hostPort } from '../hostPort';
import type { DeliveryRecorder } from '../store/storeEngine';
import { DeliveryPipeline, type DeliveryAnswer } from './delivery';
import { NOTHING_HERE, deliveryRoute } from './deliveryRoute';

/**
 * Starts the receiver and sets `context.listener`; never throws. Returns the listener when this
 * process holds the port. `onBadSignature` hears of deliveries refused for their signature (R17),
 * which are not recorded anywhere else.
 */
export async function startEditorReceiver(
  context: ServerContext,
  recorder: DeliveryRecorder,
  address: ListenAddress,
  onBadSignature: (answer: DeliveryAnswer) => void = () => undefined,
  limits?: ReceiverLimits,
  /** Routes beside deliveries: a `pipelines` run's callbacks. */
  moreRoutes: readonly Route[] = [],
): Promise<HttpListener | null> {
  const where = hostPort(address.host, address.port);
  const onDelivery = (answer: DeliveryAnswer) => {
    if (answer.logLine !== null) context.log.info(answer.logLine);
    if (answer.response.verdict === 'bad-signature') onBadSignature(answer);
  };
  try {
    const receiver = await HttpListener.listen(address, {
      routes: [healthRoute(context.version), ...moreRoutes, deliveryRoute(context, new DeliveryPipeline(context, recorder), onDelivery)],
      notFound: NOTHING_HERE,
      limits,
      onError: (error) => context.log.error(`The webhook receiver failed: ${describeError(error)}`),
    });
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
      const holder = await probeHealth(url);
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
