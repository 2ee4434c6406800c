// Every command id, named once; package.json contributes the same ids.
export enum Command {
  CreateIntegration = 'stackhook.createIntegration',
  EditIntegration = 'stackhook.editIntegration',
  DeleteIntegration = 'stackhook.deleteIntegration',
  TestConnection = 'stackhook.testConnection',
  CopyWebhookUrl = 'stackhook.copyWebhookUrl',
  CopyWebhookSecret = 'stackhook.copyWebhookSecret',
  CopyWebhookSettings = 'stackhook.copyWebhookSettings',
  RegenerateWebhookSecret = 'stackhook.regenerateWebhookSecret',
  ConfigureWebhooks = 'stackhook.configureWebhooks',
  CheckWebhooks = 'stackhook.checkWebhooks',
  RepairWebhook = 'stackhook.repairWebhook',
  ConfigureWebhook = 'stackhook.configureWebhook',
  CreateStack = 'stackhook.createStack',
  EditStack = 'stackhook.editStack',
  DeleteStack = 'stackhook.deleteStack',
  ReattachStack = 'stackhook.reattachStack',
  ReattachAll = 'stackhook.reattachAll',
  TriggerRun = 'stackhook.triggerRun',
  ShowDelivery = 'stackhook.showDelivery',
  CheckCommitLinks = 'stackhook.checkCommitLinks',
  ShowStatusPanel = 'stackhook.showStatusPanel',
  OpenInBitbucket = 'stackhook.openInBitbucket',
  OpenWebhookSettings = 'stackhook.openWebhookSettings',
  Refresh = 'stackhook.refresh',
  ShowOutput = 'stackhook.showOutput',
  RestartServer = 'stackhook.restartServer',
  /** Bound to Tab while a Stackhook input is open (package.json keybindings). */
  StayInInput = 'stackhook.stayInInput',
}

export const VIEW = {
  integrations: 'stackhook.integrations',
  stacks: 'stackhook.stacks',
  deliveries: 'stackhook.deliveries',
} as const;
