// The Bitbucket client (axios, its schemas) is loaded on the first call to Bitbucket, not at start:
// an editor starts its server on every window, and most windows never call Bitbucket at all.
import type { BitbucketGateway } from './gateway';

type Method = keyof BitbucketGateway;

export function deferredGateway(load: () => Promise<BitbucketGateway>): BitbucketGateway {
  let loading: Promise<BitbucketGateway> | undefined;
  const forward = <M extends Method>(method: M): BitbucketGateway[M] =>
    ((...args: unknown[]) =>
      (loading ??= load()).then((gateway) => (gateway[method] as (...callArgs: unknown[]) => unknown).apply(gateway, args))) as BitbucketGateway[M];
  return {
    testCredential: forward('testCredential'),
    getRepository: forward('getRepository'),
    listRepositories: forward('listRepositories'),
    getBranch: forward('getBranch'),
    listBranches: forward('listBranches'),
    webhookStatus: forward('webhookStatus'),
    configureWebhooks: forward('configureWebhooks'),
    removeWebhooks: forward('removeWebhooks'),
    workspaceWebhookStatus: forward('workspaceWebhookStatus'),
    configureWorkspaceWebhook: forward('configureWorkspaceWebhook'),
    removeWorkspaceWebhook: forward('removeWorkspaceWebhook'),
    commitLinks: forward('commitLinks'),
    cloneUrl: forward('cloneUrl'),
    readSourceFile: forward('readSourceFile'),
    triggerPipeline: forward('triggerPipeline'),
    getPipeline: forward('getPipeline'),
    findTriggeredPipeline: forward('findTriggeredPipeline'),
    stopPipeline: forward('stopPipeline'),
    pipelineLog: forward('pipelineLog'),
    pipelineSteps: forward('pipelineSteps'),
    stepLog: forward('stepLog'),
    writeBuildStatus: forward('writeBuildStatus'),
    changedPaths: forward('changedPaths'),
    replyToPullRequestComment: forward('replyToPullRequestComment'),
    writePullRequestComment: forward('writePullRequestComment'),
    putInsightsReport: forward('putInsightsReport'),
    deleteInsightsReport: forward('deleteInsightsReport'),
    postInsightsAnnotations: forward('postInsightsAnnotations'),
  };
}
