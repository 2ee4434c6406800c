// The Variables rows of the Stacks view: a Variables node under each stack and each space, and its
// variables. A secret shows as "set", never its value (the server never sends it); a stack's row for
// a variable it inherits from a space says which (and whether a nearer one overrides it), and is
// edited on that space.
import * as vscode from 'vscode';
import type * as Protocol from '../../server/protocol';

/** Whose variables: a stack's or a space's. */
export type VariableOwner = { stackId: string; spaceId?: undefined } | { spaceId: string; stackId?: undefined };

export const ownerKey = (owner: VariableOwner) => (owner.stackId !== undefined ? `stack:${owner.stackId}` : `space:${owner.spaceId}`);

export class VariablesItem extends vscode.TreeItem {
  readonly kind = 'variables';
  constructor(readonly owner: VariableOwner) {
    super(vscode.l10n.t('Variables'), vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `variables:${ownerKey(owner)}`;
    this.iconPath = new vscode.ThemeIcon('symbol-variable');
    this.contextValue = 'variables';
    this.tooltip =
      owner.stackId !== undefined
        ? vscode.l10n.t('The environment variables this stack\'s runs receive: its own, and those of its space.')
        : vscode.l10n.t('The environment variables the runs of this space\'s stacks receive (and of the spaces below that inherit).');
  }
}

export class VariableItem extends vscode.TreeItem {
  readonly kind = 'variable';
  constructor(
    readonly owner: VariableOwner,
    readonly variable: Protocol.Variable,
  ) {
    super(variable.name, vscode.TreeItemCollapsibleState.None);
    this.id = `variable:${ownerKey(owner)}:${variable.name}`;
    const shown = variable.secret ? vscode.l10n.t('set') : (variable.value ?? '');
    const from = variable.inherited ? vscode.l10n.t('from space {0}', variable.inheritedFrom ?? '?') : undefined;
    this.description = [shown, from, variable.overridden ? vscode.l10n.t('overridden') : undefined].filter(Boolean).join(' · ');
    this.iconPath = new vscode.ThemeIcon(variable.secret ? 'lock' : 'symbol-variable');
    // An inherited row is the space's: Edit and Delete are offered where it is defined.
    this.contextValue = variable.inherited ? 'variable.inherited' : variable.secret ? 'variable.secret' : 'variable';
    this.tooltip = variable.secret ? vscode.l10n.t('{0} is secret: its value is set and never shown.', variable.name) : `${variable.name}=${variable.value ?? ''}`;
  }
}

/** A space in the Spaces group, holding its Variables node. */
export class SpaceItem extends vscode.TreeItem {
  readonly kind = 'space';
  constructor(readonly space: Protocol.Space) {
    super(space.name, vscode.TreeItemCollapsibleState.Collapsed);
    this.id = `space:${space.id}`;
    this.description = space.parentId ? vscode.l10n.t('in {0}', space.parentId) : undefined;
    this.iconPath = new vscode.ThemeIcon('folder-library');
    this.contextValue = 'space';
  }
  get spaceId(): string {
    return this.space.id;
  }
}

/** The group of spaces, after the stacks: where a space's variables are. */
export class SpacesGroupItem extends vscode.TreeItem {
  readonly kind = 'spaces';
  constructor() {
    super(vscode.l10n.t('Spaces'), vscode.TreeItemCollapsibleState.Collapsed);
    this.id = 'stacks:spaces';
    this.iconPath = new vscode.ThemeIcon('folder-library');
    this.contextValue = 'spaces';
    this.tooltip = vscode.l10n.t('Variables set on a space reach the stacks of that space and of the spaces below it that inherit.');
  }
}
