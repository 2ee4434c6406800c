// R5: `<public base URL>/webhooks/bitbucket-cloud/<integration id>`.
export const WEBHOOK_PATH_PREFIX = '/webhooks/bitbucket-cloud/';

export function webhookUrlFor(publicBaseUrl: string, integrationId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}${WEBHOOK_PATH_PREFIX}${integrationId}`;
}
